"""What the query builder returns and raises: filters, hits, result sets, sorts and the errors of a read."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


class AccessDenied(PermissionError):
    """The caller may not see this document."""


@dataclass(frozen=True)
class Filters:
    agency: str | None = None
    case_id: str | None = None
    status: str | None = None
    content_type: str | None = None
    language: str | None = None
    topic: str | None = None
    entity: tuple[str, str] | None = None
    batch_id: str | None = None
    tag: str | None = None
    """One of the caller's agency's own tags."""
    entities: tuple[tuple[str, str], ...] = ()
    """Further entity pivots (label, value), all required with ``entity``."""


@dataclass(frozen=True)
class Hit:
    doc_id: str
    path: str
    title: str | None
    agency: str
    case_id: str
    status: str
    reason: str | None
    score: float | None
    snippets: list[str]
    content_type: str | None = None
    language: str | None = None
    topics: list[str] = field(default_factory=list)
    sha256: str | None = None


@dataclass(frozen=True)
class SearchResult:
    total: int
    hits: list[Hit]
    facets: dict[str, list[tuple[str, int]]]
    next_cursor: str | None = None
    """Opaque token of the next page (point-in-time paging, any depth); None on the last page."""
    explain: dict[str, Any] = field(default_factory=dict)
    """What the query became: morphemes, bigrams, identifier types, fields."""
    total_exact: bool = True
    """False when ``total`` is a lower bound (10,000: a page asked without facets and without an exact count)."""


@dataclass(frozen=True)
class FacetResult:
    """A search's facets and exact total, without its hits."""

    total: int
    facets: dict[str, list[tuple[str, int]]]


HIT_FIELDS = ("path", "title", "agency", "case_id", "status", "reason", "content_type", "language", "topics",
              "sha256")
"""The stored fields a hit shows: the only part of ``_source`` a search fetches."""


SORTS = {
    "relevance": [{"_score": "desc"}],
    "date": [{"date": {"order": "desc", "missing": "_last"}}, {"_score": "desc"}],
    "date_asc": [{"date": {"order": "asc", "missing": "_last"}}, {"_score": "desc"}],
}
PIT_KEEP_ALIVE = "5m"
MAX_PAGE = 1000


def flagged(flags: list[str] | None) -> dict[str, Any]:
    return {"flags": list(flags)} if flags else {}


class SearchUnavailable(RuntimeError):
    """The index cannot be reached or failed on its own (not the user's fault): the API answers 503."""


def es_reason(exc: Exception) -> str:
    """The root cause Elasticsearch gave for refusing a request, in one line."""
    info = getattr(exc, "info", None) or getattr(exc, "body", None)
    if isinstance(info, dict):
        error = info.get("error", {})
        if isinstance(error, dict):
            causes = error.get("root_cause") or [error]
            cause = causes[0] if causes else error
            return f"{cause.get('type', 'error')}: {cause.get('reason', '')}"[:300]
    return str(exc).splitlines()[0][:300] if str(exc) else type(exc).__name__


def own_annotations(source: dict[str, Any], agency: str) -> dict[str, Any]:
    """Only the caller's agency's tags, notes and star of a document source (the rest removed)."""
    prefix = f"{agency}|"
    tags = [t[len(prefix):] for t in source.pop("tags", None) or [] if t.startswith(prefix)]
    notes = [n for n in source.pop("notes", None) or [] if n.get("agency") == agency]
    starred = agency in (source.pop("starred", None) or [])
    return {"tags": sorted(tags), "notes": notes, "starred": starred}


def read_failure(exc: Exception, pit: bool = False) -> Exception:
    """The error to raise for a request Elasticsearch failed: the user's (``QueryRefused``) or the index's."""
    from elasticsearch import ApiError, BadRequestError, NotFoundError

    from evidex.search.query import QueryRefused

    if pit and isinstance(exc, NotFoundError):
        return QueryRefused("this result set has expired (pages stay open 5 minutes); search again", 410)
    if isinstance(exc, BadRequestError):
        return QueryRefused(f"the index could not run this query ({es_reason(exc)})", 400)
    if isinstance(exc, ApiError) and 400 <= getattr(exc, "status_code", 500) < 500:
        return QueryRefused(f"the index refused this query ({es_reason(exc)})", 400)
    return SearchUnavailable(f"the index is unavailable: {es_reason(exc)}")
