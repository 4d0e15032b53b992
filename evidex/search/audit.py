"""Audit records: who searched, viewed, downloaded or exported what, when, with how many results.

Records go to the ``<prefix>-audit`` index and to ``<data_dir>/audit.jsonl`` (so an audit survives an index
rebuild). Query strings are stored with personal identifiers masked.
"""

from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from evidex.search.identity import User


@dataclass(frozen=True)
class AuditRecord:
    user: str
    agency: str
    roles: list[str]
    action: str
    query: str
    filters: dict[str, Any] = field(default_factory=dict)
    doc_ids: list[str] = field(default_factory=list)
    result_count: int = 0
    outcome: str = "ok"
    revealed: bool = False
    time: str = field(default_factory=lambda: datetime.now(timezone.utc).isoformat())


class AuditTrail:
    """Writes audit records; failures to write are errors, never silently dropped."""

    def __init__(self, client: Any, alias: str, journal: Path) -> None:
        self.client = client
        self.alias = alias
        self.journal = journal

    def write(self, user: User, action: str, *, query: str = "", filters: dict[str, Any] | None = None,
              doc_ids: list[str] | None = None, result_count: int = 0, outcome: str = "ok",
              revealed: bool = False) -> AuditRecord:
        record = AuditRecord(
            user=user.name, agency=user.agency, roles=list(user.roles), action=action, query=query,
            filters={k: v for k, v in (filters or {}).items() if v not in (None, [], "")},
            doc_ids=list(doc_ids or []), result_count=result_count, outcome=outcome, revealed=revealed,
        )
        body = asdict(record)
        self.journal.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.journal, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
        with os.fdopen(fd, "a", encoding="utf-8") as fh:
            fh.write(json.dumps(body, ensure_ascii=False) + "\n")
        self.client.index(index=self.alias, document=body)
        return record
