"""The custody record of one original as a user may see it: only the batches their agency may read.

The same bytes may sit in another agency's unshared archive; that agency's batch, parent item and path are its
own evidence. The user sees that other holders exist (a count), never who they are or where the copy lies.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from evidex.custody.backends import open_catalog
from evidex.search.identity import TASK_FORCE, User
from evidex.settings import Settings


@dataclass(frozen=True)
class CustodyView:
    events: list[dict[str, Any]]
    other_holders: int
    """Batches the user may not read that also hold these bytes."""


def may_read_batch(user: User, batch: dict[str, Any] | None) -> bool:
    """The access rule of the query builder, for one batch row of the catalogue."""
    if batch is None:
        return user.is_admin
    if user.is_admin or batch.get("agency") == user.agency:
        return True
    try:
        shared = json.loads(batch.get("shared_with") or "[]")
    except ValueError:
        shared = []
    return user.agency in shared or TASK_FORCE in shared


def visible_custody(user: User, events: list[dict[str, Any]], settings: Settings) -> CustodyView:
    """``events`` without those of batches ``user`` may not read, and how many such batches there were."""
    if not events:
        return CustodyView([], 0)
    catalog = open_catalog(settings)
    try:
        batches = {row["batch_id"]: row for row in catalog.batches()}
    finally:
        catalog.close()
    kept: list[dict[str, Any]] = []
    hidden: set[str] = set()
    for event in events:
        batch_id = event.get("batch_id")
        if may_read_batch(user, batches.get(batch_id) if batch_id else None):
            kept.append(event)
        else:
            hidden.add(str(batch_id))
    return CustodyView(kept, len(hidden))
