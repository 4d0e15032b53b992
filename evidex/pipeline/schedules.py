"""The schedule book: which drop folders are ingested on a schedule, for which agency and case.

The book lives in ``<data_dir>/schedules.json`` (0600). Prefect keeps one deployment per schedule, with only the
schedule's id and the data directory as parameters: folder paths and case numbers may carry personal identifiers,
and Prefect's database must never hold one. A run of the deployment reads its drop folder from this book.
"""

from __future__ import annotations

import json
import os
import secrets
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

from evidex.settings import Settings


class ScheduleError(ValueError):
    """A schedule that cannot be added or found; the message says why."""


@dataclass
class Schedule:
    schedule_id: str
    folder: str
    agency: str
    case_id: str
    every_s: float | None = None
    cron: str | None = None
    settle_s: float = 30.0
    exhibit_prefix: str = ""
    shared_with: list[str] = field(default_factory=list)
    paused: bool = False
    deployment_id: str | None = None
    created: float = field(default_factory=time.time)

    @property
    def deployment_name(self) -> str:
        return f"drop-{self.agency}-{self.schedule_id}"

    def cadence(self) -> str:
        return f"cron {self.cron}" if self.cron else f"every {self.every_s:g} s"


class ScheduleBook:
    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.path = settings.data_dir / "schedules.json"

    def all(self) -> list[Schedule]:
        try:
            rows = json.loads(self.path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return []
        return [Schedule(**row) for row in rows]

    def get(self, schedule_id: str) -> Schedule:
        for schedule in self.all():
            if schedule.schedule_id == schedule_id:
                return schedule
        raise ScheduleError(f"no schedule {schedule_id!r}; `evidex schedule list` shows them")

    def _write(self, schedules: list[Schedule]) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.path.with_name(f".schedules.{os.getpid()}.tmp")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            json.dump([asdict(s) for s in schedules], fh, ensure_ascii=False, indent=1)
        os.replace(tmp, self.path)

    def new(self, folder: Path, agency: str, case_id: str, *, every_s: float | None = None, cron: str | None = None,
            settle_s: float = 30.0, exhibit_prefix: str = "", shared_with: tuple[str, ...] = ()) -> Schedule:
        """A checked schedule (not yet saved): one per drop folder, exactly one of ``every_s`` and ``cron`` (the
        cron expression is checked by Prefect when the deployment is made)."""
        self.settings.check_agency(agency)
        for target in shared_with:
            self.settings.check_agency(target, share=True)
        if (every_s is None) == (cron is None):
            raise ScheduleError("give exactly one of --every SECONDS and --cron EXPRESSION")
        if every_s is not None and every_s < 5:
            raise ScheduleError("--every must be at least 5 seconds")
        if settle_s < 0:
            raise ScheduleError("--settle cannot be negative")
        folder = folder.resolve()
        if not folder.is_dir():
            raise ScheduleError(f"not a folder: {folder}")
        for other in self.all():
            if Path(other.folder) == folder:
                raise ScheduleError(f"{folder} already has schedule {other.schedule_id}; remove it first")
        return Schedule(f"s{secrets.token_hex(4)}", str(folder), agency, case_id, every_s, cron, settle_s,
                        exhibit_prefix, list(shared_with))

    def save(self, schedule: Schedule) -> None:
        rest = [s for s in self.all() if s.schedule_id != schedule.schedule_id]
        self._write([*rest, schedule])

    def remove(self, schedule_id: str) -> Schedule:
        schedule = self.get(schedule_id)
        self._write([s for s in self.all() if s.schedule_id != schedule_id])
        return schedule
