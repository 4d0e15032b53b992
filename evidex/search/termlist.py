"""Term lists: many queries at once, one per line, each with its count, its top documents and its own error.

Every term runs through ``SearchService.search``, so each is access-filtered, masked, audited and seen by the
probe guard like a query typed by hand; a term the service refuses (a syntax error, too many identifiers, a
throttled enumeration) gets its message and the list goes on.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator
from dataclasses import asdict, dataclass, field
from typing import Any

from evidex.search.builder import Filters, SearchService, SearchUnavailable
from evidex.search.export import csv_cell
from evidex.search.identity import User
from evidex.search.query import QueryRefused

MAX_TERMS = 1000
MAX_TOP = 100
CSV_COLUMNS = ("line", "term", "count", "error", "rank", "doc_id", "path", "title")


@dataclass(frozen=True)
class Term:
    """One query of a list and the line it came from (1-based)."""

    line: int
    query: str


@dataclass(frozen=True)
class TermHit:
    doc_id: str
    path: str
    title: str | None


@dataclass(frozen=True)
class TermResult:
    """What one term found, or why it was refused (``error`` and ``status`` set, ``count`` 0)."""

    line: int
    term: str
    count: int = 0
    hits: list[TermHit] = field(default_factory=list)
    error: str | None = None
    status: int | None = None


def parse_terms(lines: Iterable[str], *, limit: int = MAX_TERMS) -> list[Term]:
    """The queries of a term list: one per line, blank lines and ``#`` comments skipped.

    Raises ``QueryRefused`` (422) when the list holds more than ``limit`` terms.
    """
    terms: list[Term] = []
    for number, raw in enumerate(lines, start=1):
        text = raw.strip().lstrip("\ufeff")
        if not text or text.startswith("#"):
            continue
        terms.append(Term(number, text))
        if len(terms) > limit:
            raise QueryRefused(f"the term list has more than {limit:,} terms; split it", 422)
    return terms


def run_terms(service: SearchService, user: User, terms: Iterable[Term], filters: Filters | None = None, *,
              top: int = 5, reveal: bool = False) -> Iterator[TermResult]:
    """Each term's result in list order; a refused or failed term carries its error instead of stopping the list."""
    if not 1 <= top <= MAX_TOP:
        raise QueryRefused(f"top must be between 1 and {MAX_TOP}", 422)
    for term in terms:
        try:
            result = service.search(user, term.query, filters, limit=top, reveal=reveal, facets=False)
        except QueryRefused as exc:
            yield TermResult(term.line, term.query, error=str(exc), status=exc.status)
            continue
        except SearchUnavailable as exc:
            yield TermResult(term.line, term.query, error=str(exc), status=503)
            continue
        yield TermResult(term.line, term.query, result.total,
                         [TermHit(h.doc_id, h.path, h.title) for h in result.hits])


def as_dicts(results: Iterable[TermResult]) -> list[dict[str, Any]]:
    return [asdict(r) for r in results]


def csv_text(results: Iterable[TermResult]) -> str:
    """The results as CSV: one row per top document, or one row for a term without any (its count or error)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    buffer.write("\ufeff")
    writer.writerow(CSV_COLUMNS)
    for r in results:
        base = [r.line, csv_cell(r.term), r.count, csv_cell(r.error or "")]
        if not r.hits:
            writer.writerow(base + ["", "", "", ""])
        for rank, hit in enumerate(r.hits, start=1):
            writer.writerow(base + [rank, hit.doc_id, csv_cell(hit.path), csv_cell(hit.title or "")])
    return buffer.getvalue()
