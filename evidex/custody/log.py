"""Append-only custody log, chained with a keyed hash (see ``evidex.custody.chain``).

Each record is a JSON object ``{"time", "event", ..., "seq", "prev", "chain", "hash"}``, one per line of
``custody.jsonl`` (embedded default) or one per row of the catalogue database's ``journal`` table when the
catalogue is PostgreSQL (``evidex.custody.journal_pg``), so every machine appends to one chain. Altering, removing
or reordering a record breaks the chain there; removing records at the end is caught by the heads kept in the
batch receipts and in the audit index (``Anchor``).
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any

from evidex.custody.chain import GENESIS, Anchor, ChainHead, ChainProblem, ChainReport, Journal

__all__ = ["GENESIS", "Anchor", "ChainHead", "ChainProblem", "ChainReport", "CustodyEvents", "CustodyLog"]


class CustodyEvents:
    """The custody log's calls, over any journal that mixes this in (a file or a PostgreSQL table)."""

    def append(self, event: str, **fields: Any) -> dict[str, Any]:  # type: ignore[override]
        """Append one event under an exclusive lock and return the stored record."""
        return super().append({"event": event, **fields})  # type: ignore[misc]

    def verify(self, anchors: Iterable[Anchor] = ()) -> list[ChainProblem]:  # type: ignore[override]
        """Recompute the chain and check ``anchors``; every record where it breaks (empty list: intact)."""
        return self.check(anchors).problems

    def check(self, anchors: Iterable[Anchor] = ()) -> ChainReport:
        """The full report of one pass (problems, head, torn lines)."""
        return super().verify(anchors)  # type: ignore[misc]


class CustodyLog(CustodyEvents, Journal):
    """Writes and checks the custody chain in ``path`` (one JSON record per line, key in ``<stem>.key``)."""

    def __init__(self, path: Path) -> None:
        Journal.__init__(self, path, kind_field="event")
