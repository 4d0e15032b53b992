"""Kiwi morphemes of a whole document, computed once and shared by Korean NER and index-time analysis.

``document_morphemes(texts)`` runs Kiwi once per text that has Hangul (in pieces of at most 20,000 characters cut
at line breaks) with the one Kiwi of the process (:func:`shared_kiwi`). The NER tagger builds its Korean Docs from
a window of these morphemes instead of analysing each sentence again, and ``index_config.analysis`` takes its
``text_ko`` terms from the same morphemes, less those touching a blanked identifier.
"""

from __future__ import annotations

import bisect
import re
import threading
import warnings
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any, NamedTuple

PIECE_CHARS = 20_000
"""Longest piece given to Kiwi at once (it works best on moderate pieces; this bounds memory)."""
MAX_ANALYSED_CHARS = 2_000_000
"""Characters of a document that are analysed (index-time analysis reads no further)."""
_HANGUL = re.compile(r"[\uac00-\ud7a3]")

_lock = threading.Lock()
_kiwi: Any = None
_single_threaded = False


class Morpheme(NamedTuple):
    start: int
    end: int
    form: str
    tag: str


@dataclass(frozen=True)
class Morphemes:
    """Kiwi's analysis of one text: morphemes sorted by start, offsets into the text."""

    items: tuple[Morpheme, ...]
    starts: tuple[int, ...]

    @classmethod
    def of(cls, items: Iterable[Morpheme]) -> Morphemes:
        ordered = tuple(sorted(items))
        return cls(ordered, tuple(m.start for m in ordered))

    def window(self, start: int, end: int) -> list[tuple[int, int, str]]:
        """(start, end, tag) of the morphemes inside ``[start, end)``, relative to ``start`` and clipped to it."""
        first = max(0, bisect.bisect_left(self.starts, start) - 1)
        last = bisect.bisect_left(self.starts, end)
        out = []
        for m in self.items[first:last]:
            if m.end > start and m.start < end:
                out.append((max(m.start, start) - start, min(m.end, end) - start, m.tag))
        return out

    def without(self, spans: Sequence[tuple[int, int]]) -> Morphemes:
        """The morphemes that touch none of ``spans`` (blanked identifiers)."""
        if not spans:
            return self
        ordered = sorted(spans)
        span_starts = [s for s, _ in ordered]
        kept = []
        for m in self.items:
            at = bisect.bisect_left(span_starts, m.end) - 1
            if at >= 0 and ordered[at][1] > m.start:
                continue
            kept.append(m)
        return Morphemes(tuple(kept), tuple(m.start for m in kept))


def shared_kiwi() -> Any:
    """The process's Kiwi (loaded on first use: ~2 s, and ~3 s more for the model it builds on its first
    analysis), with a thread pool unless :func:`load_single_threaded` made it first."""
    global _kiwi
    with _lock:
        if _kiwi is None:
            _kiwi = _new_kiwi(-1)
    return _kiwi


def load_single_threaded() -> Any:
    """Make the process's Kiwi without a thread pool, and warm it.

    A process that forks workers loads Kiwi this way so they inherit it loaded: Kiwi's thread pool does not
    survive a fork (a forked child that uses it hangs), a single-threaded Kiwi does. Each worker is then one
    thread of analysis, which is what a pool of one process per core wants anyway.
    """
    global _kiwi, _single_threaded
    with _lock:
        if _kiwi is None:
            _kiwi = _new_kiwi(0)
            _single_threaded = True
    _kiwi.tokenize("가나다 라마바.")  # the model Kiwi builds on its first analysis, built now
    return _kiwi


def tokenize_all(texts: Sequence[str]) -> list[Any]:
    """Kiwi's tokens of each text: as one batch over the thread pool, or one by one without a pool."""
    kiwi = shared_kiwi()
    if _single_threaded:
        return [kiwi.tokenize(text) for text in texts]
    return list(kiwi.tokenize(list(texts)))


def _new_kiwi(threads: int) -> Any:
    from kiwipiepy import Kiwi

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)  # num_workers=0's meaning changed in 0.21: no pool
        return Kiwi(num_workers=threads)


def pieces(text: str, size: int) -> list[tuple[int, str]]:
    """``text`` cut into (offset, piece) of at most ``size`` characters, at a line break or space when there is one."""
    if len(text) <= size:
        return [(0, text)]
    out: list[tuple[int, str]] = []
    start = 0
    while start < len(text):
        end = min(len(text), start + size)
        if end < len(text):
            cut = text.rfind("\n", start, end)
            if cut <= start:
                cut = text.rfind(" ", start, end)
            if cut > start:
                end = cut + 1
        out.append((start, text[start:end]))
        start = end
    return out


def document_morphemes(texts: Sequence[str]) -> list[Morphemes | None]:
    """Kiwi's morphemes of each text with Hangul (its first :data:`MAX_ANALYSED_CHARS`), ``None`` for the rest."""
    work = [(i, offset, piece) for i, text in enumerate(texts) if text and _HANGUL.search(text)
            for offset, piece in pieces(text[:MAX_ANALYSED_CHARS], PIECE_CHARS)]
    found: dict[int, list[Morpheme]] = {}
    if work:
        for (i, offset, _), tokens in zip(work, tokenize_all([p for _, _, p in work])):
            found.setdefault(i, []).extend(
                Morpheme(offset + t.start, offset + t.start + t.len, t.form, t.tag) for t in tokens)
    return [Morphemes.of(found[i]) if i in found else None for i in range(len(texts))]


def for_analysis(found: Morphemes | None, entities: Iterable[Any]) -> Morphemes | None:
    """The morphemes index analysis may use: none touching a sensitive identifier (those are blanked there)."""
    if found is None:
        return None
    return found.without([(e.start, e.end) for e in entities if e.sensitive])
