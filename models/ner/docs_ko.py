"""Turn labelled Korean sentences into spaCy Docs over Kiwi tokens, and measure what alignment loses.

A gold span whose edges fall inside a Kiwi token is widened to whole tokens (``alignment_mode="expand"``);
:class:`AlignmentStats` counts how often that happens so the loss is reported, not hidden. MultiCoNER spans
carry their particles (``살레르노도``): trailing particle/ending tokens are trimmed so both corpora agree.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from spacy.language import Language
from spacy.tokens import Doc, Span

from models.ner.corpus_ko import LabelledText
from models.ner.labels import KLUE_TO_SHARED, MULTICONER_TO_SHARED

#: Kiwi tag prefixes that never end a name: particles (J*), endings (E*), copula (VCP).
_TRAILING_FUNCTION_TAGS = ("J", "E", "VCP")
_TAG_MAP = {**KLUE_TO_SHARED, **MULTICONER_TO_SHARED}


@dataclass
class AlignmentStats:
    """How gold spans met the tokenizer: exact, widened, trimmed or lost."""

    exact: int = 0
    expanded: int = 0
    trimmed: int = 0
    dropped: int = 0

    @property
    def total(self) -> int:
        return self.exact + self.expanded + self.dropped

    def summary(self) -> str:
        total = max(self.total, 1)
        return (
            f"{self.total} gold spans: {self.exact} on token edges ({self.exact / total:.1%}), "
            f"{self.expanded} widened to token edges ({self.expanded / total:.1%}), "
            f"{self.dropped} dropped as overlapping ({self.dropped / total:.1%}); "
            f"{self.trimmed} MultiCoNER spans trimmed of particles"
        )


def _is_function_token(tag: str) -> bool:
    last = tag.split("+")[-1]
    return last.startswith(_TRAILING_FUNCTION_TAGS)


def _trim(span: Span) -> Span:
    end = span.end
    while end - 1 > span.start and _is_function_token(span.doc[end - 1].tag_):
        end -= 1
    return span if end == span.end else Span(span.doc, span.start, end, label=span.label)


def to_doc(nlp: Language, item: LabelledText, stats: AlignmentStats) -> Doc:
    """Tokenise ``item.text`` and set its gold entities (shared labels; unknown tags skipped)."""
    trim_particles = item.corpus == "multiconer"
    doc = nlp.make_doc(item.text)
    spans: list[Span] = []
    for gold in item.spans:
        label = _TAG_MAP.get(gold.tag)
        if label is None:
            continue
        span = doc.char_span(gold.start, gold.end, label=label)
        if span is None:
            span = doc.char_span(gold.start, gold.end, label=label, alignment_mode="expand")
            if span is None or not span.text.strip():
                stats.dropped += 1
                continue
            stats.expanded += 1
        else:
            stats.exact += 1
        if trim_particles:
            trimmed = _trim(span)
            stats.trimmed += trimmed is not span
            span = trimmed
        if any(s.start < span.end and span.start < s.end for s in spans):
            stats.dropped += 1
            continue
        spans.append(span)
    missing: list[Span] = []
    for start, end in item.missing:
        gap = doc.char_span(start, end, alignment_mode="expand")
        if gap is not None and not any(s.start < gap.end and gap.start < s.end for s in spans):
            missing.append(gap)
    doc.set_ents(spans, missing=missing, default="outside")
    return doc


def to_docs(nlp: Language, items: Iterable[LabelledText], stats: AlignmentStats) -> Iterator[Doc]:
    for item in items:
        yield to_doc(nlp, item, stats)
