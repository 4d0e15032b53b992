"""Readers for the English NER sets in ``en-ner`` and their fixed train / tuning / held-out parts.

Tokens are joined with single spaces and the spaCy pipeline re-tokenises that text; gold and predicted spans
are compared by character offsets. Only PER/ORG/LOC are scored; a set's other classes (MISC, creative works,
products) are marked as missing annotation for training, so the model is neither taught nor punished on them.

Parts (:func:`english_part`): a set either holds out whole files (WNUT-17 dev, broad-twitter ``h``,
MultiCoNER dev) or every ``test_every``-th document of its file (UNER-EWT by ``newdoc``, wikigold by
``-DOCSTART-``); of the rest, every ``tune_every``-th unit (index ≡ 1) picks the checkpoint. ``test`` parts are
never trained or tuned on. SEC filings is evaluation only.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from models.ner.corpus_ko import CharSpan, LabelledText, bio_spans, joined_offsets
from models.ner.labels import CONLL_TO_SHARED, MULTICONER_TO_SHARED, WNUT_TO_SHARED

Part = Literal["train", "tune", "test"]


@dataclass(frozen=True)
class EnglishSet:
    """One English set: its files, how its lines are laid out, its labels and how it is split."""

    name: str
    files: tuple[str, ...]
    token_column: int
    tag_column: int
    separator: str | None
    mapping_note: str
    labels: Mapping[str, str] = field(default_factory=lambda: CONLL_TO_SHARED)
    test_files: tuple[str, ...] = ()
    test_every: int = 0
    tune_every: int = 10
    train_limit: int | None = None
    trainable: bool = True
    handles_missing: bool = False


ENGLISH_SETS: tuple[EnglishSet, ...] = (
    EnglishSet("uner-ewt", ("uner-ewt/en_ewt-ud-dev.iob2",), 1, 2, "\t",
               "web text (answers, reviews, e-mail, blogs, newsgroups); PER/ORG/LOC; held out: every 3rd "
               "document of the dev file", test_every=3, tune_every=9),
    EnglishSet("wikigold", ("wikigold/wikigold.conll.txt",), 0, -1, " ",
               "Wikipedia; MISC not scored; held out: every 5th article", test_every=5, tune_every=10),
    EnglishSet("wnut17", ("wnut17/wnut17train.conll",), 0, -1, "\t",
               "emerging entities in tweets/Reddit/YouTube; person/location/corporation+group; creative-work and "
               "product not scored; held out: the dev file", labels=WNUT_TO_SHARED,
               test_files=("wnut17/emerging.dev.conll",)),
    EnglishSet("broad-twitter", tuple(f"broad-twitter/{p}.conll" for p in "abefg"), 0, -1, "\t",
               "tweets; held out: part h; caveat: 951 of 2279 h PER spans are a lone '@' and most others "
               "@handles (@-spans not scored)", test_files=("broad-twitter/h.conll",), tune_every=20,
               handles_missing=True),
    EnglishSet("multiconer-en", ("multiconer-en/en_train.conll",), 0, -1, " ",
               "short lower-cased Wikipedia-style sentences; PER/LOC/CORP+GRP; CW and PROD not scored; held out: "
               "the dev file", labels=MULTICONER_TO_SHARED, test_files=("multiconer-en/en_dev.conll",),
               train_limit=4000),
    EnglishSet("sec-filings", (), 0, -1, " ",
               "loan agreements, never trained on; MISC not scored; caveat: 690 of 747 PER spans are the "
               "contract roles 'Borrower'/'Lender'", test_files=("sec-filings/FIN5_train.txt",), trainable=False),
)

SETS_BY_NAME: dict[str, EnglishSet] = {spec.name: spec for spec in ENGLISH_SETS}


def _documents(path: Path, spec: EnglishSet) -> Iterator[list[LabelledText]]:
    """Documents of one file (a file without document marks yields one document per sentence)."""
    words: list[str] = []
    tags: list[str] = []
    document: list[LabelledText] = []
    marked = False

    def build() -> LabelledText | None:
        if not words:
            return None
        offsets = joined_offsets(words)
        spans = bio_spans(tags, offsets)
        text = " ".join(words)
        handles = _handle_spans(text, spans) if spec.handles_missing else set()
        kept = tuple(CharSpan(s.start, s.end, spec.labels[s.tag]) for s in spans
                     if s.tag in spec.labels and s not in handles)
        missing = tuple((s.start, s.end) for s in spans if s.tag not in spec.labels or s in handles)
        return LabelledText(text, kept, missing, "", spec.name)

    with path.open(encoding="utf-8") as handle:
        for raw in handle:
            line = raw.rstrip("\n")
            if line.startswith("# newdoc") or line.startswith("-DOCSTART-"):
                marked = True
                if document:
                    yield document
                document = []
                continue
            if line.startswith("#"):
                continue
            if not line.strip():
                item = build()
                if item:
                    document.append(item)
                    if not marked:
                        yield document
                        document = []
                words, tags = [], []
                continue
            fields = line.split(spec.separator)
            if len(fields) <= max(spec.token_column, 1) or not fields[spec.token_column]:
                continue
            words.append(fields[spec.token_column])
            tags.append(fields[spec.tag_column].strip() or "O")
    item = build()
    if item:
        document.append(item)
    if document:
        yield document


def _handle_spans(text: str, spans: list[CharSpan]) -> set[CharSpan]:
    """Spans that are a user handle: a lone ``@``, a span starting with ``@``, or the span right after a lone ``@``."""
    found: set[CharSpan] = set()
    previous: CharSpan | None = None
    for span in spans:
        value = text[span.start:span.end]
        after_at = previous is not None and text[previous.start:previous.end] == "@" and previous.end + 1 == span.start
        if value.startswith("@") or after_at:
            found.add(span)
        previous = span
    return found


def english_part(root: Path, spec: EnglishSet, part: Part) -> list[LabelledText]:
    """Sentences of one part of a set (see the module docstring for the split)."""
    base = root / "en-ner"
    if part == "test":
        items = [s for f in spec.test_files for d in _documents(base / f, spec) for s in d]
        if spec.test_every:
            for name in spec.files:
                items += [s for i, d in enumerate(_documents(base / name, spec)) if i % spec.test_every == 0
                          for s in d]
        return items
    if not spec.trainable:
        return []
    items = []
    for name in spec.files:
        for i, document in enumerate(_documents(base / name, spec)):
            if spec.test_every and i % spec.test_every == 0:
                continue
            if (i % spec.tune_every == 1) == (part == "tune"):
                items.extend(document)
    if part == "train" and spec.train_limit is not None:
        items = items[: spec.train_limit]
    return items


def read_english(root: Path, spec: EnglishSet) -> Iterator[LabelledText]:
    """Every sentence of a set, all parts (for speed benchmarks)."""
    for name in spec.files + spec.test_files:
        for document in _documents(root / "en-ner" / name, spec):
            yield from document
