"""Labelled examples: the shipped corpus, analysts' labels, and the digest that identifies a training set."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from models.topics.errors import LabelError
from models.topics.taxonomy import Taxonomy

CORPUS_PATH = Path(__file__).with_name("data") / "corpus.jsonl"
SPLITS = ("train", "test")


@dataclass(frozen=True)
class Example:
    """One labelled passage. ``labels`` may be empty (a document about none of the topics)."""

    text: str
    labels: tuple[str, ...]
    id: str = ""
    split: str = "train"
    lang: str = ""
    source: str = "corpus"


def load_corpus(split: str | None = None, path: Path = CORPUS_PATH) -> list[Example]:
    """Examples of the shipped corpus, all or one split (``"train"`` or ``"test"``)."""
    if split is not None and split not in SPLITS:
        raise LabelError(f"unknown split {split!r}; choose one of {SPLITS}", "T203")
    examples = []
    with Path(path).open(encoding="utf-8") as fh:
        for line in fh:
            if line.strip():
                rec = json.loads(line)
                if split is None or rec["split"] == split:
                    examples.append(Example(rec["text"], tuple(rec["labels"]), rec["id"], rec["split"],
                                            rec.get("lang", "")))
    return examples


def analyst_examples(pairs: Iterable[tuple[str, Sequence[str]]]) -> list[Example]:
    """Wrap analysts' ``(text, labels)`` pairs (e.g. read from the index) as training examples."""
    return [Example(text, tuple(sorted(set(labels))), id=f"analyst-{i}", source="analyst")
            for i, (text, labels) in enumerate(pairs)]


def check_labels(examples: Sequence[Example], taxonomy: Taxonomy) -> None:
    """Raise ``LabelError`` when an example names a topic the taxonomy does not define."""
    if not examples:
        raise LabelError("no training examples", "T201")
    known = set(taxonomy.ids)
    for ex in examples:
        unknown = [label for label in ex.labels if label not in known]
        if unknown:
            raise LabelError(f"example {ex.id or ex.text[:40]!r} has unknown topic(s) {unknown}; add them to a "
                             f"taxonomy file first", "T202")


def examples_sha256(examples: Iterable[Example]) -> str:
    """Order-independent SHA-256 of the (text, labels) pairs: the identity of a training set."""
    rows = sorted(json.dumps([ex.text, sorted(ex.labels)], ensure_ascii=False) for ex in examples)
    digest = hashlib.sha256()
    for row in rows:
        digest.update(row.encode("utf-8") + b"\n")
    return digest.hexdigest()
