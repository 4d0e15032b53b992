"""Readers for the Korean NER corpora and the fixed train / tuning / held-out split.

KLUE-NER is character-level BIO; MultiCoNER is eojeol-level BIO (particles attached). Both are read into
:class:`LabelledText`: the sentence and its gold character spans with the corpus' own tags.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from models.ner.labels import MULTICONER_TO_SHARED

#: KLUE dev sentences [3000, 4000) are held out: evaluation only, never training or tuning.
HELD_OUT = ("dev", 3000, 4000)
#: KLUE train sentences [4500, 5000) pick the best checkpoint during training.
TUNING = ("train", 4500, 5000)

KLUE_DEV = "klue-ner-v1.1_dev_0000-3999.tsv"
KLUE_TRAIN = "klue-ner-v1.1_train_0000-4999.tsv"
MULTICONER_TRAIN = "multiconer-ko/ko_train.conll"


class CorpusMissing(FileNotFoundError):
    """The shared corpus folder is not there (fresh clone): callers skip with this message."""


@dataclass(frozen=True)
class CharSpan:
    start: int
    end: int
    tag: str


@dataclass(frozen=True)
class LabelledText:
    """One sentence with gold spans; ``missing`` ranges are neither entity nor outside (not annotated)."""

    text: str
    spans: tuple[CharSpan, ...]
    missing: tuple[tuple[int, int], ...] = ()
    ident: str = ""
    corpus: str = "klue"


def corpus_root(repo_root: Path | None = None) -> Path:
    """Locate the shared corpus: $EVIDEX_CORPUS, else ``<repo>/../shared/corpus``.

    Raises:
        CorpusMissing: when neither exists.
    """
    env = os.environ.get("EVIDEX_CORPUS")
    if env:
        root = Path(env)
    else:
        repo = repo_root or Path(__file__).resolve().parents[2]
        root = repo.parent / "shared" / "corpus"
    if not (root / "ko-ner").is_dir():
        raise CorpusMissing(f"shared corpus not found at {root} (set EVIDEX_CORPUS to the corpus folder)")
    return root


def joined_offsets(words: list[str]) -> list[tuple[int, int]]:
    """Character offsets of ``words`` in ``" ".join(words)``."""
    offsets: list[tuple[int, int]] = []
    pos = 0
    for word in words:
        offsets.append((pos, pos + len(word)))
        pos += len(word) + 1
    return offsets


def bio_spans(tags: list[str], offsets: list[tuple[int, int]]) -> list[CharSpan]:
    """Turn BIO (or IOB1) tags over units with character offsets into spans."""
    spans: list[CharSpan] = []
    current: list[object] | None = None
    for tag, (start, end) in zip(tags, offsets):
        prefix, _, label = tag.partition("-")
        continues = current is not None and prefix == "I" and label == current[2]
        if continues:
            current[1] = end  # type: ignore[index]
            continue
        if current is not None:
            spans.append(CharSpan(int(current[0]), int(current[1]), str(current[2])))  # type: ignore[call-overload]
            current = None
        if prefix in ("B", "I") and label:
            current = [start, end, label]
    if current is not None:
        spans.append(CharSpan(int(current[0]), int(current[1]), str(current[2])))  # type: ignore[call-overload]
    return spans


def read_klue(path: Path) -> Iterator[LabelledText]:
    """Yield the sentences of a KLUE-NER character-level tsv file in order."""
    chars: list[str] = []
    tags: list[str] = []
    ident = ""

    def flush() -> LabelledText | None:
        if not chars:
            return None
        offsets = [(i, i + 1) for i in range(len(chars))]
        return LabelledText("".join(chars), tuple(bio_spans(tags, offsets)), (), ident)

    with path.open(encoding="utf-8") as handle:
        for raw in handle:
            line = raw.rstrip("\n")
            if line.startswith("## "):
                if line.startswith("## klue"):
                    ident = line[3:].split("\t", 1)[0]
                continue
            if not line:
                item = flush()
                if item:
                    yield item
                chars, tags = [], []
                continue
            char, _, tag = line.rpartition("\t")
            chars.append(char)
            tags.append(tag or "O")
    item = flush()
    if item:
        yield item


_NUMERIC_WORD = re.compile(r"\d|[一二三四五六七八九十百千萬]|^(오늘|어제|내일|올해|작년|지난|오전|오후|당시|현재)")


def read_multiconer(path: Path, keep: frozenset[str]) -> Iterator[LabelledText]:
    """Yield MultiCoNER sentences, tokens joined by single spaces.

    Spans whose tag is not in ``keep`` become missing annotation, and so do words that look like dates,
    times or quantities (MultiCoNER does not annotate those, KLUE does).
    """
    words: list[str] = []
    tags: list[str] = []
    ident = ""

    def build() -> LabelledText | None:
        if not words:
            return None
        offsets = joined_offsets(words)
        spans = bio_spans(tags, offsets)
        kept = tuple(s for s in spans if s.tag in keep)
        missing = [(s.start, s.end) for s in spans if s.tag not in keep]
        inside = [(s.start, s.end) for s in spans]
        for word, tag, (start, end) in zip(words, tags, offsets):
            if tag == "O" and _NUMERIC_WORD.search(word) and not any(a < end and start < b for a, b in inside):
                missing.append((start, end))
        return LabelledText(" ".join(words), kept, tuple(sorted(missing)), ident, "multiconer")

    with path.open(encoding="utf-8") as handle:
        for raw in handle:
            line = raw.rstrip("\n")
            if line.startswith("# id"):
                ident = line[5:].split("\t", 1)[0]
                continue
            if not line.strip():
                item = build()
                if item:
                    yield item
                words, tags = [], []
                continue
            parts = line.split(" ")
            words.append(parts[0])
            tags.append(parts[-1])
    item = build()
    if item:
        yield item


def klue_slice(root: Path, split: str, start: int, stop: int) -> list[LabelledText]:
    """KLUE sentences ``[start, stop)`` of the ``dev`` or ``train`` file."""
    name = KLUE_DEV if split == "dev" else KLUE_TRAIN
    return list(read_klue(root / "ko-ner" / name))[start:stop]


def held_out(root: Path) -> list[LabelledText]:
    """The fixed evaluation part: KLUE dev sentences 3000–3999."""
    return klue_slice(root, *HELD_OUT)


def training_texts(root: Path, multiconer_limit: int | None = None) -> list[LabelledText]:
    """Everything the model may learn from: KLUE train 0–4499, KLUE dev 0–2999 and MultiCoNER train
    (its first ``multiconer_limit`` sentences when given)."""
    texts = klue_slice(root, "train", 0, TUNING[1])
    texts += klue_slice(root, "dev", 0, HELD_OUT[1])
    multiconer = read_multiconer(root / "ko-ner" / MULTICONER_TRAIN, frozenset(MULTICONER_TO_SHARED))
    texts += list(multiconer)[:multiconer_limit]
    return texts


def tuning_texts(root: Path) -> list[LabelledText]:
    """Checkpoint selection during training: KLUE train 4500–4999."""
    return klue_slice(root, *TUNING)


MULTICONER_DEV = "multiconer-ko/ko_dev.conll"


def raw_texts(root: Path) -> list[str]:
    """Unlabelled sentences for pretraining the tok2vec: the training sentences of KLUE and all of MultiCoNER
    (train and dev); the tuning and held-out KLUE sentences are left out."""
    keep = frozenset(MULTICONER_TO_SHARED)
    texts = [t.text for t in klue_slice(root, "train", 0, TUNING[1]) + klue_slice(root, "dev", 0, HELD_OUT[1])]
    for name in (MULTICONER_TRAIN, MULTICONER_DEV):
        texts += [t.text for t in read_multiconer(root / "ko-ner" / name, keep)]
    excluded = {t.text for t in held_out(root) + tuning_texts(root)}
    return [t for t in texts if t not in excluded]
