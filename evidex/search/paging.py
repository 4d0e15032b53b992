"""Result sets of any size: point-in-time cursors for paging, and the facets every first page carries.

A cursor holds the point in time, the sort values of the last hit and a key binding it to one user, query,
filter set and sort; a cursor used for anything else is refused. Elasticsearch's from/size window stops at
10,000 hits; cursors do not.
"""

from __future__ import annotations

import base64
import json
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
