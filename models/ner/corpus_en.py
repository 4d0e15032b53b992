"""Readers for the English evaluation sets in ``en-ner``; each yields texts with gold PERSON/ORG/LOCATION spans.

Tokens are joined with single spaces and the spaCy pipeline re-tokenises that text; gold and predicted spans
are compared by character offsets. Only PER/LOC/ORG are scored (MISC has no counterpart in the shared set).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from models.ner.corpus_ko import CharSpan, LabelledText, bio_spans, joined_offsets
from models.ner.labels import CONLL_TO_SHARED


@dataclass(frozen=True)
class EnglishSet:
    """One evaluation set: where it is and how its lines are laid out."""

    name: str
    path: str
    token_column: int
    tag_column: int
    separator: str | None
    mapping_note: str


ENGLISH_SETS: tuple[EnglishSet, ...] = (
    EnglishSet("wikigold", "wikigold/wikigold.conll.txt", 0, -1, " ",
               "PER→PERSON, ORG→ORG, LOC→LOCATION (GPE/LOC/FAC); MISC not scored"),
    EnglishSet("uner-ewt", "uner-ewt/en_ewt-ud-dev.iob2", 1, 2, "\t",
               "PER→PERSON, ORG→ORG, LOC→LOCATION (GPE/LOC/FAC)"),
    EnglishSet("broad-twitter-h", "broad-twitter/h.conll", 0, -1, "\t",
               "PER→PERSON, ORG→ORG, LOC→LOCATION (GPE/LOC/FAC); caveat: 951 of 2279 PER spans are a lone '@' "
               "and most others @handles, which the news-trained model does not tag"),
    EnglishSet("sec-filings", "sec-filings/FIN5_train.txt", 0, -1, " ",
               "PER→PERSON, ORG→ORG, LOC→LOCATION (GPE/LOC/FAC); MISC not scored; caveat: 690 of 747 PER spans "
               "are the contract roles 'Borrower'/'Lender'"),
)


def read_english(root: Path, spec: EnglishSet) -> Iterator[LabelledText]:
    """Sentences of one set with spans tagged by shared labels."""
    words: list[str] = []
    tags: list[str] = []

    def build() -> LabelledText | None:
        if not words:
            return None
        offsets = joined_offsets(words)
        spans = tuple(
            CharSpan(s.start, s.end, CONLL_TO_SHARED[s.tag])
            for s in bio_spans(tags, offsets)
            if s.tag in CONLL_TO_SHARED
        )
        return LabelledText(" ".join(words), spans, (), "", spec.name)

    path = root / "en-ner" / spec.path
    with path.open(encoding="utf-8") as handle:
        for raw in handle:
            line = raw.rstrip("\n")
            if line.startswith("#") or line.startswith("-DOCSTART-"):
                continue
            if not line.strip():
                item = build()
                if item:
                    yield item
                words, tags = [], []
                continue
            fields = line.split(spec.separator)
            if len(fields) <= max(spec.token_column, 1) or not fields[spec.token_column]:
                continue
            words.append(fields[spec.token_column])
            tags.append(fields[spec.tag_column].strip() or "O")
    item = build()
    if item:
        yield item
