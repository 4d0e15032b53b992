"""Bulk writes of derived documents into the index (never reads on a user's behalf)."""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from index_config.documents import IndexDoc


class IndexingError(RuntimeError):
    """Elasticsearch refused some documents; the message lists the first reasons."""


@dataclass
class BulkResult:
    created: int = 0
    updated: int = 0
    failed: list[tuple[str, str]] = field(default_factory=list)


class BulkIndexer:
    """Sends documents in bulk requests of at most ``max_bytes``."""

    def __init__(self, client: Any, alias: str, max_bytes: int = 4 * 1024 * 1024) -> None:
        self.client = client
        self.alias = alias
        self.max_bytes = max_bytes

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
        response = self.client.bulk(operations="\n".join(lines) + "\n", refresh=False)
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
        self.client.indices.put_settings(index=self.alias, settings={"index": {"refresh_interval": "-1"}})

    def restore_refresh(self) -> None:
        self.client.indices.put_settings(index=self.alias, settings={"index": {"refresh_interval": "1s"}})
        self.client.indices.refresh(index=self.alias)
