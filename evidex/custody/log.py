"""Append-only custody log, chained with a keyed hash (see ``evidex.custody.chain``).

Each line is a JSON object ``{"time", "event", ..., "seq", "prev", "chain", "hash"}``. Altering, removing or
reordering a line breaks the chain at that line; removing lines at the end is caught by the heads kept in the
batch receipts and in the audit index (``Anchor``).
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any

from evidex.custody.chain import GENESIS, Anchor, ChainHead, ChainProblem, ChainReport, Journal

__all__ = ["GENESIS", "Anchor", "ChainHead", "ChainProblem", "ChainReport", "CustodyLog"]


class CustodyLog(Journal):
    """Writes and checks the custody chain in ``path`` (one JSON record per line, key in ``<stem>.key``)."""

    def __init__(self, path: Path) -> None:
        super().__init__(path, kind_field="event")

    def append(self, event: str, **fields: Any) -> dict[str, Any]:  # type: ignore[override]
        """Append one event under an exclusive lock and return the stored record."""
        return super().append({"event": event, **fields})

    def verify(self, anchors: Iterable[Anchor] = ()) -> list[ChainProblem]:  # type: ignore[override]
        """Recompute the chain and check ``anchors``; every line where it breaks (empty list: intact)."""
        return self.check(anchors).problems

    def check(self, anchors: Iterable[Anchor] = ()) -> ChainReport:
        """The full report of one pass (problems, head, torn lines)."""
        return super().verify(anchors)
