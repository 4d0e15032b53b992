"""Bulk writes of derived documents into the index (never reads on a user's behalf)."""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from evidex.pipeline.backoff import OnWait, with_backoff
from index_config.documents import IndexDoc


class IndexingError(RuntimeError):
    """Elasticsearch refused some documents; the message lists the first reasons."""


@dataclass
class BulkResult:
    created: int = 0
    updated: int = 0
    failed: list[tuple[str, str]] = field(default_factory=list)


class BulkIndexer:
    """Sends documents in bulk requests of at most ``max_bytes``.

    A request that meets an unavailable or timing-out cluster is sent again with backoff for up to ``wait_s``
    seconds (``on_wait`` hears of each wait), then ``IndexUnavailable`` is raised.
    """

    def __init__(self, client: Any, alias: str, max_bytes: int = 4 * 1024 * 1024, *, wait_s: float = 120.0,
                 on_wait: OnWait | None = None) -> None:
        self.client = client
        self.alias = alias
        self.max_bytes = max_bytes
        self.wait_s = wait_s
        self.on_wait = on_wait

    def _call(self, call: Any) -> Any:
        return with_backoff(call, self.wait_s, self.on_wait)

    def index(self, docs: Iterable[IndexDoc], *, raise_on_error: bool = True) -> BulkResult:
        """Index ``docs``; refused documents raise ``IndexingError`` unless ``raise_on_error`` is False."""
        result = BulkResult()
        lines: list[str] = []
        size = 0
        for doc in docs:
            action = json.dumps({"index": {"_index": self.alias, "_id": doc.doc_id}})
            body = json.dumps(doc.source, ensure_ascii=False, default=str)
            pair = len(action) + len(body.encode()) + 2
            if lines and size + pair > self.max_bytes:
                self._send(lines, result)
                lines, size = [], 0
            lines.extend((action, body))
            size += pair
        if lines:
            self._send(lines, result)
        if result.failed and raise_on_error:
            first = "; ".join(f"{doc_id}: {why}" for doc_id, why in result.failed[:3])
            raise IndexingError(f"{len(result.failed)} document(s) were refused by Elasticsearch: {first}")
        return result

    def _send(self, lines: list[str], result: BulkResult) -> None:
        body = "\n".join(lines) + "\n"
        response = self._call(lambda: self.client.bulk(operations=body, refresh=False))
        for entry in response["items"]:
            outcome = entry["index"]
            if "error" in outcome:
                error = outcome["error"]
                result.failed.append((outcome.get("_id", "?"), f"{error.get('type')}: {error.get('reason')}"))
            elif outcome.get("result") == "created":
                result.created += 1
            else:
                result.updated += 1

    def relax_refresh(self) -> None:
        """Turn periodic refresh off for a large load."""
        self._call(lambda: self.client.indices.put_settings(
            index=self.alias, settings={"index": {"refresh_interval": "-1"}}))

    def restore_refresh(self) -> None:
        """Periodic refresh back on, and what was loaded made visible now."""
        restore_refresh(self.client, self.alias, self.wait_s, self.on_wait)

    def refresh(self) -> None:
        self._call(lambda: self.client.indices.refresh(index=self.alias))


def restore_refresh(client: Any, index: str, wait_s: float = 120.0, on_wait: OnWait | None = None) -> None:
    """Set ``index`` back to the default refresh interval and refresh it (also after a killed run)."""
    with_backoff(lambda: client.indices.put_settings(index=index, settings={"index": {"refresh_interval": "1s"}}),
                 wait_s, on_wait)
    with_backoff(lambda: client.indices.refresh(index=index), wait_s, on_wait)
