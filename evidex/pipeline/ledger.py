"""The run ledger: one JSON record per ingest or reindex run under ``<data_dir>/runs``.

A record is written when a run starts (process id and start time, so a dead process is told from a live one
with a reused id), updated while it runs (its Prefect flow run, the indices whose refresh it turned off) and
closed with its report. A record still ``running`` whose process is gone belongs to a killed run: the next
run restores the refresh it left off and marks it crashed (in Prefect too, see ``flows.recovery``).
Records hold only masked paths and counts, never a password or a raw identifier.
"""

from __future__ import annotations

import json
import os
import threading
import time
import uuid
from dataclasses import asdict, dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

RUNNING = "running"
FINISHED_STATES = ("completed", "stopped", "failed", "crashed")


def process_start(pid: int) -> str | None:
    """The kernel's start time of ``pid`` (clock ticks since boot), or None when it is gone or a zombie."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    fields = stat[stat.rindex(")") + 2 :].split()
    if fields[0] in ("Z", "X"):
        return None
    return fields[19]


def alive(pid: int, started: str | None) -> bool:
    """True when process ``pid`` runs and is the one that started at ``started``."""
    now = process_start(pid)
    return now is not None and (started is None or now == started)


@dataclass
class RunRecord:
    """One run as the ledger keeps it."""

    run_id: str
    kind: str
    name: str
    pid: int
    pid_start: str | None
    started_at: str
    state: str = RUNNING
    batch_id: str | None = None
    flow_run_id: str | None = None
    relaxed: list[str] = field(default_factory=list)
    ended_at: str | None = None
    message: str | None = None
    report: dict[str, Any] = field(default_factory=dict)

    def stale(self) -> bool:
        """Still marked running, but its process is gone."""
        return self.state == RUNNING and not alive(self.pid, self.pid_start)

    def shown_state(self) -> str:
        return "crashed" if self.stale() else self.state


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


class RunLedger:
    """Reads and writes run records (one file each, replaced atomically)."""

    def __init__(self, data_dir: Path) -> None:
        self.root = data_dir / "runs"

    def _path(self, run_id: str) -> Path:
        return self.root / f"{run_id}.json"

    def save(self, record: RunRecord) -> RunRecord:
        self.root.mkdir(parents=True, exist_ok=True, mode=0o700)
        tmp = self.root / f".{record.run_id}.{os.getpid()}.{threading.get_ident()}.tmp"  # a run saves from 2 threads
        tmp.write_text(json.dumps(asdict(record), ensure_ascii=False, indent=1, default=str), encoding="utf-8")
        os.replace(tmp, self._path(record.run_id))
        return record

    def start(self, kind: str, name: str, batch_id: str | None = None) -> RunRecord:
        """Record a run of this process that starts now."""
        pid = os.getpid()
        run_id = time.strftime("%Y%m%d-%H%M%S") + "-" + uuid.uuid4().hex[:6]
        return self.save(RunRecord(run_id, kind, name, pid, process_start(pid), _now(), batch_id=batch_id))

    def finish(self, record: RunRecord, state: str, report: dict[str, Any] | None = None,
               message: str | None = None) -> RunRecord:
        record.state, record.ended_at, record.message = state, _now(), message
        if report is not None:
            record.report = report
        return self.save(record)

    def get(self, run_id: str) -> RunRecord | None:
        """The record named ``run_id`` (or the only one starting with it)."""
        path = self._path(run_id)
        if not path.is_file():
            matches = sorted(self.root.glob(f"{run_id}*.json")) if self.root.is_dir() else []
            if len(matches) != 1:
                return None
            path = matches[0]
        return RunRecord(**json.loads(path.read_text(encoding="utf-8")))

    def all(self) -> list[RunRecord]:
        """Every record, oldest first."""
        if not self.root.is_dir():
            return []
        records = []
        for path in sorted(self.root.glob("*.json")):
            try:
                records.append(RunRecord(**json.loads(path.read_text(encoding="utf-8"))))
            except (OSError, ValueError, TypeError):
                continue
        return records

    def stale(self) -> list[RunRecord]:
        """Runs left ``running`` by a process that is gone (killed, or its machine restarted)."""
        return [r for r in self.all() if r.stale()]
