"""A gazetteer component for the case's agencies, companies and places (data in ``data/case_entities.tsv``).

Matching runs on the document's characters with one Aho–Corasick automaton (``pyahocorasick``) over
case- and space-folded surfaces, so it works the same over Kiwi and spaCy English tokens. A match
must not start inside a word; a Latin match must also end at a word edge, while a Hangul match may be followed
by a particle (``쿠팡은``). Longest surface wins. Ruler entities replace overlapping model entities and are
marked with span id :data:`RULER_ID`; their ``kb_id_`` holds the pivot value (``Coupang`` → ``쿠팡``).
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

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


#: Length-preserving fold: ASCII capitals to lower case, every whitespace character to a plain space.
_FOLD = str.maketrans(
    {**{chr(c): chr(c + 32) for c in range(65, 91)},
     **{ch: " " for ch in "\t\n\r\x0b\x0c\x1c\x1d\x1e\x1f\x85\xa0\u1680\u2028\u2029\u202f\u205f\u3000"},
     **{chr(c): " " for c in range(0x2000, 0x200B)}}
)
_SPACE_RUN = re.compile(" {2,}")


def _key(surface: str) -> str:
    return " ".join(surface.split()).translate(_FOLD)


def _is_word(ch: str) -> bool:
    return ch.isalnum() or ch == "_"


def compile_patterns(patterns: list[CasePattern]) -> Any:
    """An Aho–Corasick automaton over the folded surfaces; each key holds its patterns, longest first."""
    import ahocorasick

    ordered = sorted(enumerate(patterns), key=lambda p: -len(p[1].surface))
    by_key: dict[str, list[tuple[int, CasePattern]]] = {}
    for rank, (_, pattern) in enumerate(ordered):
        by_key.setdefault(_key(pattern.surface), []).append((rank, pattern))
    automaton = ahocorasick.Automaton()
    for key, entries in by_key.items():
        automaton.add_word(key, (len(key), tuple(entries)))
    if by_key:
        automaton.make_automaton()
    return automaton if by_key else None


def _accepts(pattern: CasePattern, original: str) -> bool:
    """Case rule: non-ASCII and all-capital surfaces match exactly (up to whitespace), others ignore case."""
    surface = pattern.surface
    if surface.isascii() and surface.upper() != surface:
        return True
    return " ".join(original.split()) == " ".join(surface.split())


def _origin_map(folded: str) -> tuple[str, list[int], list[int]]:
    """Folded text with space runs collapsed, plus what to add back to a collapsed offset (see ``_origin``)."""
    starts: list[int] = []
    shifts: list[int] = []
    removed = 0
    for run in _SPACE_RUN.finditer(folded):
        starts.append(run.start() - removed + 1)
        removed += run.end() - run.start() - 1
        shifts.append(removed)
    return (_SPACE_RUN.sub(" ", folded) if starts else folded), starts, shifts


def _origin(index: int, starts: list[int], shifts: list[int]) -> int:
    at = bisect.bisect_right(starts, index) - 1
    return index + shifts[at] if at >= 0 else index


class CaseRuler:
    """spaCy component (factory ``evidex_case_ruler``); patterns are read when the pipeline is built."""

    def __init__(self, patterns_path: str | None = None) -> None:
        self.patterns_path = Path(patterns_path) if patterns_path else DEFAULT_PATTERNS
        self.patterns = read_patterns(self.patterns_path)
        self._automaton = compile_patterns(self.patterns)

    def matches(self, text: str) -> list[tuple[int, int, CasePattern]]:
        """Character matches (start, end, pattern) in ``text``, leftmost first, the longest surface at a start."""
        if self._automaton is None:
            return []
        folded, starts, shifts = _origin_map(text.translate(_FOLD))
        candidates: list[tuple[int, int, int, CasePattern]] = []
        for last, (length, entries) in self._automaton.iter(folded):
            start = _origin(last - length + 1, starts, shifts)
            end = _origin(last, starts, shifts) + 1
            if start > 0 and _is_word(text[start - 1]):
                continue
            for rank, pattern in entries:
                if pattern.surface.isascii() and end < len(text) and _is_word(text[end]):
                    continue
                if _accepts(pattern, text[start:end]):
                    candidates.append((start, rank, end, pattern))
                    break
        found: list[tuple[int, int, CasePattern]] = []
        reached = 0
        for start, _, end, pattern in sorted(candidates, key=lambda c: (c[0], c[1])):
            if start >= reached:
                found.append((start, end, pattern))
                reached = end
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
