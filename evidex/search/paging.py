"""Result sets of any size: point-in-time cursors for paging, and the facets every first page carries.

A cursor holds the point in time, the sort values of the last hit and a key binding it to one user, query,
filter set and sort; a cursor used for anything else is refused. Elasticsearch's from/size window stops at
10,000 hits; cursors do not.
"""

from __future__ import annotations

import base64
import json
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

from evidex.search.query import QueryRefused

FACETS = {
    "agency": "agency",
    "case": "case_id",
    "type": "content_type",
    "status": "status",
    "language": "language",
    "topic": "topics",
    "person": "entities.PERSON",
    "org": "entities.ORG",
    "location": "entities.LOCATION",
}


def facet_aggregations(size: int = 15, tags_of: str | None = None) -> dict[str, Any]:
    """Terms facets, a month histogram of document dates and, for ``tags_of``, that agency's own tags."""
    import re

    aggs: dict[str, Any] = {name: {"terms": {"field": field_, "size": size}} for name, field_ in FACETS.items()}
    if tags_of:
        aggs["tag"] = {"terms": {"field": "tags", "size": size, "include": re.escape(tags_of) + r"\|.*"}}
    aggs["date"] = {"date_histogram": {"field": "date", "calendar_interval": "month", "format": "yyyy-MM",
                                       "min_doc_count": 1}}
    return aggs


ENTITY_FACETS = ("person", "org", "location")
"""Facets asked in a request of their own beside the others': about half of the facets' cost (multi-valued)."""
_PARTS = ThreadPoolExecutor(max_workers=8, thread_name_prefix="evidex-facets")  # its tasks submit nothing


def facet_search(client: Any, index: str, query: dict[str, Any], tags_of: str | None = None) -> dict[str, Any]:
    """The exact total and facets of ``query``: the entity facets and the others as two requests at once.

    Elasticsearch collects one request's aggregations on one thread; two requests use two. Each is cacheable
    (shard request cache) on its own. Returns ``hits.total`` and ``aggregations`` as one answer would.
    """
    aggs = facet_aggregations(tags_of=tags_of)
    apart = {name: aggs.pop(name) for name in ENTITY_FACETS}
    beside = _PARTS.submit(client.search, index=index, query=query, size=0, track_total_hits=False, aggs=apart,
                           request_cache=True)
    try:
        response = client.search(index=index, query=query, size=0, track_total_hits=True, aggs=aggs,
                                 request_cache=True)
    except Exception:
        beside.exception()  # ended too before the failure is raised
        raise
    other = beside.result()
    merged = dict(response.get("aggregations") or {})
    merged.update(other.get("aggregations") or {})
    return {"hits": response["hits"], "aggregations": merged}


@dataclass
class PageState:
    """Where a paged result set stands."""

    key: str
    pit: str | None = None
    after: list[Any] = field(default_factory=list)

    def encode(self) -> str:
        raw = json.dumps({"k": self.key, "p": self.pit, "a": self.after}, separators=(",", ":"))
        return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")

    @classmethod
    def decode(cls, cursor: str, key: str) -> "PageState":
        """A new result set for ``cursor`` "" ; the state a returned cursor names otherwise."""
        if not cursor:
            return cls(key)
        try:
            data = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
            state = cls(str(data["k"]), data.get("p"), list(data.get("a") or []))
        except (ValueError, KeyError, TypeError) as exc:
            raise QueryRefused("the cursor is not one this service issued", 422) from exc
        if state.key != key:
            raise QueryRefused("the cursor belongs to another query, filter set, sort or user", 422)
        return state
