"""A large CSV/TSV scanned by several processes, each over one byte range, when no records index is fed.

The parent types the columns once from the first rows (``scan.plan_table``), then cuts the file into ranges that
start right after a newline. Each worker reads its range with the parent's encoding and delimiter and a *strict*
CSV parser, counts the typed columns only and spills its hashes under its own folder (same source number). A cut
inside a quoted field leaves the range before it ending inside quotes, which the strict parser reports; then, or on
any other quoting error, the ranges are dropped and the file is scanned by one process as usual. Counts are the
same as a one-process scan (``tests/evidex/census`` compares them).
"""

from __future__ import annotations

import csv
import io
import itertools
import json
import os
import pickle
import shutil
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from evidex.census.columns import ColumnType
from evidex.census.spill import HashSpill
from evidex.census.values import KeyedHasher

MIN_BYTES = 64 * 1024 * 1024
"""Files smaller than this are scanned by one process (starting workers costs about a second)."""
_SPLITTABLE = frozenset({"utf-8", "utf-8-sig", "cp949", "euc-kr", "ascii", "latin-1", "iso-8859-1", "cp1252"})
"""Encodings in which a 0x0A byte is always a newline (never inside a multi-byte character)."""
_POLL_S = 0.5


@dataclass(frozen=True)
class RangeJob:
    path: str
    start: int
    end: int
    encoding: str
    delimiter: str
    first: bool
    """The range that starts the file: skips the header row (and blank lines before it) like the reader does."""
    has_header: bool
    columns: tuple[ColumnType, ...]
    spill_dir: str
    source: int
    scheme: str
    secret: bytes


class _Slice(io.RawIOBase):
    """Bytes ``[start, end)`` of a file as a stream."""

    def __init__(self, path: str, start: int, end: int) -> None:
        self._file = open(path, "rb")  # noqa: SIM115 - closed by close()
        self._file.seek(start)
        self._left = end - start

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        if self._left <= 0:
            return 0
        view = memoryview(buffer)[: min(len(buffer), self._left)]
        got = self._file.readinto(view) or 0
        self._left -= got
        return got

    def close(self) -> None:
        self._file.close()
        super().close()


def cut_points(path: Path, parts: int, start: int = 0) -> list[int]:
    """Offsets that split ``path`` into ``parts`` ranges, each after a newline (fewer when lines are too long)."""
    size = path.stat().st_size
    points = [start]
    with open(path, "rb") as fh:
        for k in range(1, parts):
            fh.seek(max(points[-1], start + (size - start) * k // parts))
            window = fh.read(1024 * 1024)
            newline = window.find(b"\n")
            if newline < 0:
                continue
            point = fh.tell() - len(window) + newline + 1
            if points[-1] < point < size:
                points.append(point)
    return points + [size]


def _rows(job: RangeJob, stream: io.TextIOWrapper) -> Any:
    reader = csv.reader(stream, delimiter=job.delimiter, quotechar='"', doublequote=True, strict=True)
    rows = filter(None, reader)
    if job.first:
        for first in reader:
            if any(cell.strip() for cell in first):
                return rows if job.has_header else itertools.chain((first,), rows)
        return iter(())
    return rows


def scan_range(job: RangeJob, tell: Callable[[int], None] | None = None) -> dict[str, Any]:
    """One worker's count of its range: rows, rows with data, values and invalid values per type, or a quoting
    error (``ok`` False) that sends the file back to a one-process scan."""
    from evidex.census.scan import _plan, scan_rows

    spill = HashSpill(Path(job.spill_dir), job.source)
    plan = _plan(job.columns, spill, KeyedHasher(job.secret, job.scheme))
    labels = sorted({c.label for c in job.columns if c.label})
    encoding = "utf-8" if job.encoding == "utf-8-sig" and not job.first else job.encoding
    invalid: Counter[str] = Counter()
    raw = _Slice(job.path, job.start, job.end)
    stream = io.TextIOWrapper(io.BufferedReader(raw, 1024 * 1024), encoding=encoding, errors="replace", newline="")

    try:
        rows, with_pii = scan_rows(_rows(job, stream), plan, spill, invalid, tell)
    except csv.Error as exc:
        spill.discard()
        return {"ok": False, "reason": str(exc)}
    finally:
        stream.close()
    spill.flush()
    return {"ok": True, "rows": rows, "rows_with_pii": with_pii, "invalid": dict(invalid),
            "values": {label: spill.added(label) for label in labels}}


def _worker_main() -> None:
    """``python -m evidex.census.parallel``: read a pickled ``RangeJob`` from stdin, print ``rows N`` lines while
    counting and one ``result {json}`` line at the end. Stops when its parent is gone."""
    job: RangeJob = pickle.load(sys.stdin.buffer)
    parent = os.getppid()

    def tell(rows: int) -> None:
        if os.getppid() != parent:
            os._exit(3)  # the census that started this worker was killed: stop too
        print(f"rows {rows}", flush=True)

    started = time.perf_counter()
    result = scan_range(job, tell)
    print("result " + json.dumps({**result, "seconds": round(time.perf_counter() - started, 2)}), flush=True)


def _read(proc: subprocess.Popen, k: int, rows: list[int], found: dict[int, dict[str, Any]]) -> None:
    assert proc.stdout is not None
    for line in proc.stdout:
        word, _, rest = line.partition(" ")
        if word == "rows":
            rows[k] = int(rest)
        elif word == "result":
            found[k] = json.loads(rest)


def scan_parallel(path: Path, encoding: str, delimiter: str, has_header: bool, columns: tuple[ColumnType, ...],
                  spill_root: Path, source: int, scheme: str, secret: bytes, workers: int,
                  progress: Callable[[int], None] | None = None) -> dict[str, Any] | None:
    """The counts of ``path`` over ``workers`` processes, or None when its ranges could not be cut cleanly (or a
    worker failed): the caller then scans the file in one process."""
    points = cut_points(path, workers)
    if len(points) < 3:
        return None
    jobs = [RangeJob(str(path), a, b, encoding, delimiter, k == 0, has_header, columns,
                     str(spill_root / f"part{k}"), source, scheme, secret)
            for k, (a, b) in enumerate(itertools.pairwise(points))]
    rows = [0] * len(jobs)
    found: dict[int, dict[str, Any]] = {}
    procs, readers = [], []
    root = str(Path(__file__).resolve().parents[2])
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [root, os.environ.get("PYTHONPATH")]))}
    try:
        for k, job in enumerate(jobs):
            proc = subprocess.Popen([sys.executable, "-m", "evidex.census.parallel"], stdin=subprocess.PIPE,
                                    stdout=subprocess.PIPE, env=env, text=True)
            procs.append(proc)
            assert proc.stdin is not None
            proc.stdin.buffer.write(pickle.dumps(job))  # the secret goes through the pipe, never a file
            proc.stdin.close()
            reader = threading.Thread(target=_read, args=(proc, k, rows, found), daemon=True)
            reader.start()
            readers.append(reader)
        told = 0
        while any(r.is_alive() for r in readers):
            time.sleep(_POLL_S)
            if progress is not None and sum(rows) - told >= 100_000:
                told = sum(rows)
                progress(told)
    finally:
        for proc in procs:
            if proc.poll() is None:
                proc.kill()
            proc.wait()
    if len(found) < len(jobs) or not all(r["ok"] for r in found.values()):  # a quoting error, or a worker died
        for k in range(len(jobs)):
            shutil.rmtree(spill_root / f"part{k}", ignore_errors=True)
        return None
    merged: dict[str, Any] = {"rows": 0, "rows_with_pii": 0, "invalid": Counter(), "values": Counter()}
    for result in found.values():
        merged["rows"] += result["rows"]
        merged["rows_with_pii"] += result["rows_with_pii"]
        merged["invalid"].update(result["invalid"])
        merged["values"].update(result["values"])
    return merged


def default_workers() -> int:
    """Two processes where the machine has two cores or more."""
    return max(1, min(2, os.cpu_count() or 1))


def splittable(encoding: str | None, size: int, workers: int) -> bool:
    return workers > 1 and size >= MIN_BYTES and (encoding or "").lower() in _SPLITTABLE



if __name__ == "__main__":
    _worker_main()
