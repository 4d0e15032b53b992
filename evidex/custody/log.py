"""Append-only, hash-chained custody log.

Each line is a JSON object ``{"seq", "time", "event", ..., "prev", "hash"}`` where ``hash`` is the SHA-256 of
the canonical JSON of the record without ``hash`` (``prev`` included). Altering, removing or reordering a line
breaks the chain at that line.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

GENESIS = "0" * 64


def _canonical(record: dict[str, Any]) -> bytes:
    return json.dumps(record, sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode()


@dataclass(frozen=True)
class ChainProblem:
    line: int
    reason: str


class CustodyLog:
    """Writes and checks the custody chain in ``path`` (one JSON record per line)."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def append(self, event: str, **fields: Any) -> dict[str, Any]:
        """Append one event under an exclusive lock and return the stored record."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with open(self.path, "a+b") as fh:
            fcntl.flock(fh, fcntl.LOCK_EX)
            try:
                prev, seq = self._tail(fh)
                record = {
                    "seq": seq,
                    "time": datetime.now(timezone.utc).isoformat(timespec="milliseconds"),
                    "event": event,
                    **fields,
                    "prev": prev,
                }
                record["hash"] = hashlib.sha256(_canonical(record)).hexdigest()
                end = fh.seek(0, os.SEEK_END)
                if end:
                    fh.seek(end - 1)
                    if fh.read(1) != b"\n":
                        fh.write(b"\n")  # close a line torn by a crash, so the new record stands alone
                fh.write(_canonical(record) + b"\n")
                fh.flush()
                os.fsync(fh.fileno())
            finally:
                fcntl.flock(fh, fcntl.LOCK_UN)
        return record

    @staticmethod
    def _tail(fh: Any) -> tuple[str, int]:
        fh.seek(0, os.SEEK_END)
        size = fh.tell()
        if size == 0:
            return GENESIS, 0
        block = min(size, 65536)
        while True:
            fh.seek(size - block)
            data = fh.read(block)
            lines = data.rstrip(b"\n").split(b"\n")
            if len(lines) > 1 or block == size:
                for line in reversed(lines):
                    try:
                        last = json.loads(line)
                        return last["hash"], int(last["seq"]) + 1
                    except (ValueError, KeyError):
                        continue  # a line torn by a crash: chain on from the last whole record
                if block == size:
                    return GENESIS, 0
            block = min(size, block * 4)

    def records(self) -> Iterator[dict[str, Any]]:
        """Every readable record; a damaged line is skipped here and reported by ``verify``."""
        if not self.path.exists():
            return
        with open(self.path, "rb") as fh:
            for raw in fh:
                if raw.strip():
                    try:
                        yield json.loads(raw)
                    except ValueError:
                        continue

    def verify(self) -> list[ChainProblem]:
        """Recompute the chain; return every line where it breaks (empty list: intact)."""
        problems: list[ChainProblem] = []
        prev = GENESIS
        if not self.path.exists():
            return problems
        with open(self.path, "rb") as fh:
            for number, raw in enumerate(fh, start=1):
                try:
                    record = json.loads(raw)
                except ValueError:
                    problems.append(ChainProblem(number, "line is not valid JSON"))
                    prev = None  # type: ignore[assignment]
                    continue
                stated = record.pop("hash", None)
                if record.get("prev") != prev and prev is not None:
                    problems.append(ChainProblem(number, "link to the previous record does not match"))
                if hashlib.sha256(_canonical(record)).hexdigest() != stated:
                    problems.append(ChainProblem(number, "record content does not match its hash"))
                prev = stated
        return problems
