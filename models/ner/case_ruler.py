"""A gazetteer component for the case's agencies, companies and places (data in ``data/case_entities.tsv``).

Matching runs on the document's characters, so it works the same over Kiwi and spaCy English tokens. A match
must not start inside a word; a Latin match must also end at a word edge, while a Hangul match may be followed
by a particle (``쿠팡은``). Longest surface wins. Ruler entities replace overlapping model entities and are
marked with span id :data:`RULER_ID`; their ``kb_id_`` holds the pivot value (``Coupang`` → ``쿠팡``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from spacy.tokens import Doc, Span

#: Span id that marks entities set by the ruler.
RULER_ID = "evidex-case-ruler"
DEFAULT_PATTERNS = Path(__file__).with_name("data") / "case_entities.tsv"


class PatternFileError(ValueError):
    """A row of the gazetteer file is malformed; the message names the row."""


@dataclass(frozen=True)
class CasePattern:
    label: str
    norm: str
    surface: str


def read_patterns(path: Path) -> list[CasePattern]:
    """Read ``label<TAB>norm<TAB>surface`` rows; ``#`` lines and the header are skipped.

    Raises:
        PatternFileError: for a row without three fields or with an empty one.
    """
    patterns: list[CasePattern] = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip() or line.startswith("#") or line.startswith("label\t"):
            continue
        fields = line.split("\t")
        if len(fields) != 3 or not all(f.strip() for f in fields):
            raise PatternFileError(f"{path}:{number}: expected label<TAB>norm<TAB>surface, got {line!r}")
        patterns.append(CasePattern(*(f.strip() for f in fields)))
    return patterns


def _pattern_regex(surface: str) -> str:
    body = r"\s+".join(re.escape(part) for part in surface.split())
    if not surface.isascii():
        return rf"(?<!\w){body}"
    if surface.upper() == surface:
        return rf"(?<!\w){body}(?!\w)"
    return rf"(?<!\w)(?i:{body})(?!\w)"


def compile_patterns(patterns: list[CasePattern]) -> tuple[re.Pattern[str], dict[str, CasePattern]]:
    """One alternation, longest surface first; group names index back to the patterns."""
    ordered = sorted(enumerate(patterns), key=lambda p: -len(p[1].surface))
    groups = {f"p{index}": pattern for index, pattern in ordered}
    alternation = "|".join(f"(?P<p{index}>{_pattern_regex(p.surface)})" for index, p in ordered)
    return re.compile(alternation or r"(?!x)x"), groups


class CaseRuler:
    """spaCy component (factory ``evidex_case_ruler``); patterns are read when the pipeline is built."""

    def __init__(self, patterns_path: str | None = None) -> None:
        self.patterns_path = Path(patterns_path) if patterns_path else DEFAULT_PATTERNS
        self.patterns = read_patterns(self.patterns_path)
        self._regex, self._groups = compile_patterns(self.patterns)

    def matches(self, text: str) -> list[tuple[int, int, CasePattern]]:
        """Character matches (start, end, pattern) in ``text``."""
        found: list[tuple[int, int, CasePattern]] = []
        for match in self._regex.finditer(text):
            name = match.lastgroup
            if name is not None:
                found.append((match.start(), match.end(), self._groups[name]))
        return found

    def __call__(self, doc: Doc) -> Doc:
        spans: list[Span] = []
        for start, end, pattern in self.matches(doc.text):
            span = doc.char_span(start, end, label=pattern.label, kb_id=pattern.norm, span_id=RULER_ID)
            if span is not None:
                spans.append(span)
        if not spans:
            return doc
        kept = [e for e in doc.ents if not any(s.start < e.end and e.start < s.end for s in spans)]
        doc.set_ents(sorted(spans + kept, key=lambda s: s.start))
        return doc
