"""A spaCy tokenizer that cuts Korean text at Kiwi morpheme boundaries.

Tokens are slices of the input, so ``doc.text == text`` and character offsets are exact. Morphemes that
Kiwi reconstructs from one contracted syllable (``했`` = ``하`` + ``었``) overlap and stay one token; whitespace
is never inside a word token. Kiwi is loaded on first use, not at construction.
"""

from __future__ import annotations

import re
import warnings
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any

from spacy.tokens import Doc
from spacy.vocab import Vocab

#: Tag given to pieces Kiwi did not analyse (rare symbols).
UNKNOWN_TAG = "X"
#: Tag given to whitespace tokens.
SPACE_TAG = "_SP"
#: ``\s`` in a str pattern is ``str.isspace``'s set.
_WHITESPACE = re.compile(r"\s+")


def segment(text: str, morphemes: Sequence[tuple[int, int, str]]) -> list[tuple[int, int, str]]:
    """Cut ``text`` into contiguous pieces (start, end, tag) covering it exactly.

    Args:
        text: the original string.
        morphemes: Kiwi analyses as (start, end, tag), possibly overlapping.
    """
    merged: list[list[Any]] = []
    for start, end, tag in sorted(morphemes, key=lambda m: (m[0], m[1])):
        if end <= start:
            continue
        if merged and start < merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], end)
            merged[-1][2].append(tag)
        else:
            merged.append([start, end, [tag]])
    cuts = {0, len(text)}
    for start, end, _ in merged:
        cuts.add(start)
        cuts.add(end)
    for run in _WHITESPACE.finditer(text):  # whitespace runs are tokens of their own
        cuts.add(run.start())
        cuts.add(run.end())
    tag_at = {start: "+".join(tags) for start, _, tags in merged}
    ordered = sorted(cuts)
    pieces: list[tuple[int, int, str]] = []
    for start, end in zip(ordered, ordered[1:]):
        if text[start].isspace():
            tag = SPACE_TAG
        else:
            tag = tag_at.get(start, UNKNOWN_TAG)
        pieces.append((start, end, tag))
    return pieces


def pieces_to_doc(vocab: Vocab, text: str, pieces: Sequence[tuple[int, int, str]]) -> Doc:
    """Build a Doc whose tokens are the pieces, a single space after a word becoming its trailing space."""
    words: list[str] = []
    spaces: list[bool] = []
    tags: list[str] = []
    for start, end, tag in pieces:
        piece = text[start:end]
        if tag == SPACE_TAG and words and not spaces[-1] and tags[-1] != SPACE_TAG and piece[0] == " ":
            spaces[-1] = True
            piece = piece[1:]
            if not piece:
                continue
        words.append(piece)
        spaces.append(False)
        tags.append(tag)
    return Doc(vocab, words=words, spaces=spaces, tags=tags)


class KiwiTokenizer:
    """Callable tokenizer for ``nlp.tokenizer``; ``pipe`` batches texts through Kiwi."""

    def __init__(self, vocab: Vocab, num_workers: int = 0, model_type: str | None = None) -> None:
        self.vocab = vocab
        self.num_workers = num_workers
        self.model_type = model_type
        self._kiwi: Any = None

    def _analyser(self) -> Any:
        if self._kiwi is None and self.model_type is None:
            from models.ner.morphemes import shared_kiwi

            self._kiwi = shared_kiwi()  # the process's one Kiwi (the same analysis; a second costs 3-4 s to load)
        if self._kiwi is None:
            from kiwipiepy import Kiwi

            with warnings.catch_warnings():
                warnings.simplefilter("ignore", DeprecationWarning)
                self._kiwi = Kiwi(num_workers=self.num_workers, model_type=self.model_type)
        return self._kiwi

    def _doc(self, text: str, tokens: Iterable[Any]) -> Doc:
        morphemes = [(t.start, t.start + t.len, t.tag) for t in tokens]
        return pieces_to_doc(self.vocab, text, segment(text, morphemes))

    def from_morphemes(self, text: str, morphemes: Sequence[tuple[int, int, str]]) -> Doc:
        """The Doc of ``text`` from morphemes already found (start, end, tag), without running Kiwi again."""
        return pieces_to_doc(self.vocab, text, segment(text, morphemes))

    def __call__(self, text: str) -> Doc:
        if not text.strip():
            return pieces_to_doc(self.vocab, text, segment(text, []))
        return self._doc(text, self._analyser().tokenize(text))

    def pipe(self, texts: Iterable[str], batch_size: int = 1000) -> Iterator[Doc]:
        for text in texts:
            yield self(text)

    def __reduce__(self) -> tuple[Any, ...]:
        return (KiwiTokenizer, (self.vocab, self.num_workers, self.model_type))

    # Nothing is learned: serialisation only keeps spaCy's save/load contract.
    def to_bytes(self, **kwargs: Any) -> bytes:
        return b""

    def from_bytes(self, data: bytes, **kwargs: Any) -> KiwiTokenizer:
        return self

    def to_disk(self, path: str | Path, **kwargs: Any) -> None:
        return None

    def from_disk(self, path: str | Path, **kwargs: Any) -> KiwiTokenizer:
        return self
