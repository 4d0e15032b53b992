"""Extraction in worker processes with a wall-clock limit and a memory limit.

``ContainedPool(workers, limits)`` keeps ``workers`` long-lived processes (started with the
``forkserver`` method, each in its own process group with ``RLIMIT_AS`` set). ``map`` yields
one ``Extracted`` per job, in input order. A job past ``limits.timeout_s`` has its worker's
process group killed (helpers such as tesseract included) and becomes ``timeout``; a worker
that dies becomes ``error`` (``too_large`` when it ran out of memory); the worker is replaced.
A job's clock starts when its worker is ready (a new worker says so once its imports are done),
so a replacement worker's start-up on a busy machine is not charged to the job it was handed.
"""

from __future__ import annotations

import multiprocessing
import os
import signal
import time
from dataclasses import dataclass
from multiprocessing.connection import Connection, wait
from pathlib import Path
from typing import Any, Iterable, Iterator, Sequence

from extractors.base import ExtractContext, Extracted, Limits, Status
from extractors.registry import Registration

_STOP = None
_READY = "evidex-extract-ready"
# A worker that never reports ready (its imports hang) is stopped after this long plus the job limit.
_STARTUP_S = 60.0


def _worker_main(conn: Connection, memory_bytes: int, extra: Sequence[Registration]) -> None:
    """Worker loop: receive ``(path, ctx)``, send back ``Extracted``; ``None`` stops it."""
    import resource

    try:
        os.setpgid(0, 0)
    except OSError:
        pass
    if memory_bytes > 0:
        try:
            resource.setrlimit(resource.RLIMIT_AS, (memory_bytes, memory_bytes))
        except (ValueError, OSError):
            pass
    os.environ.setdefault("OMP_THREAD_LIMIT", "1")
    from extractors.dispatch import extract_path
    from extractors.registry import install_extra

    if extra:
        install_extra(extra)
        for reg in extra:  # imported now, as part of the worker's start-up rather than its first job
            try:
                reg.load()
            except Exception:  # reported by the job that needs it
                pass
    try:
        conn.send(_READY)
    except (BrokenPipeError, OSError):
        return
    while True:
        try:
            job = conn.recv()
        except (EOFError, OSError):
            return
        if job is _STOP:
            return
        path, ctx = job
        try:
            result = extract_path(path, ctx)
        except MemoryError:
            result = Extracted.failure(Status.TOO_LARGE, f"ran out of the {memory_bytes} byte memory limit")
        try:
            conn.send(result)
        except MemoryError:
            conn.send(Extracted.failure(Status.TOO_LARGE, "result too large for the memory limit"))
        except Exception as exc:  # e.g. unpicklable metadata
            conn.send(Extracted.failure(Status.ERROR, f"result could not be returned: {exc}"))


@dataclass
class _Worker:
    process: Any
    conn: Connection
    job: int | None = None
    started: float = 0.0
    ready: bool = False

    def limit(self, timeout_s: float) -> float:
        """When the current job runs out of time (later while the worker is still starting)."""
        return self.started + timeout_s + (0.0 if self.ready else _STARTUP_S)


class ContainedPool:
    """A pool of extraction workers with time and memory limits; a context manager."""

    def __init__(self, workers: int, limits: Limits, extra_registrations: Sequence[Registration] = ()) -> None:
        if workers < 1:
            raise ValueError("workers must be at least 1")
        self.workers = workers
        self.limits = limits
        self._extra = tuple(extra_registrations)
        self._mp = multiprocessing.get_context("forkserver")
        self._pool: list[_Worker] = []
        self._closed = False
        self.restarts = 0

    def __enter__(self) -> "ContainedPool":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _spawn(self) -> _Worker:
        parent, child = self._mp.Pipe(duplex=True)
        proc = self._mp.Process(target=_worker_main, args=(child, self.limits.memory_bytes, self._extra),
                                name="evidex-extract", daemon=True)
        proc.start()
        child.close()
        return _Worker(proc, parent)

    def _ensure_workers(self) -> None:
        if self._closed:
            raise RuntimeError("pool is closed")
        while len(self._pool) < self.workers:
            self._pool.append(self._spawn())

    def _kill(self, worker: _Worker) -> None:
        pid = worker.process.pid
        if pid:
            for kill in (lambda: os.killpg(pid, signal.SIGKILL), lambda: os.kill(pid, signal.SIGKILL)):
                try:
                    kill()
                except (ProcessLookupError, PermissionError, OSError):
                    pass
        worker.process.join(5)
        worker.conn.close()

    def _replace(self, worker: _Worker) -> None:
        self._kill(worker)
        self._pool[self._pool.index(worker)] = self._spawn()
        self.restarts += 1

    def worker_pids(self) -> list[int]:
        """Process ids of the live workers (for monitoring and tests)."""
        return [w.process.pid for w in self._pool if w.process.is_alive()]

    def _precheck(self, path: Path) -> Extracted | None:
        try:
            size = os.stat(path).st_size
        except OSError as exc:
            return Extracted.failure(Status.ERROR, f"cannot read the file: {exc.strerror or exc}")
        if size > self.limits.max_file_bytes:
            return Extracted.failure(Status.TOO_LARGE,
                                     f"the file has {size} bytes, over the {self.limits.max_file_bytes} byte limit")
        return None

    def map(self, jobs: Iterable[tuple[Path, ExtractContext]]) -> Iterator[Extracted]:
        """Extract every job in a worker; yield results in input order.

        Not thread-safe: run one ``map`` at a time per pool. Abandoning the iterator early
        stops the workers still busy with its jobs (they are replaced).
        """
        self._ensure_workers()
        try:
            yield from self._run(jobs)
        finally:
            for worker in list(self._pool):
                if worker.job is not None:
                    worker.job = None
                    if not self._closed:
                        self._replace(worker)

    def _run(self, jobs: Iterable[tuple[Path, ExtractContext]]) -> Iterator[Extracted]:
        source = iter(enumerate(jobs))
        done: dict[int, Extracted] = {}
        next_out = 0
        next_in = 0
        exhausted = False
        window = self.workers * 4
        while True:
            # hand out work to idle workers
            for worker in self._pool:
                if worker.job is not None or exhausted or next_in - next_out >= window:
                    continue
                while True:
                    try:
                        index, (path, ctx) = next(source)
                    except StopIteration:
                        exhausted = True
                        break
                    next_in = index + 1
                    early = self._precheck(Path(path))
                    if early is not None:
                        done[index] = early
                        continue
                    worker.job, worker.started = index, time.monotonic()
                    try:
                        worker.conn.send((Path(path), ctx))
                    except (BrokenPipeError, OSError):
                        worker.job = None
                        done[index] = Extracted.failure(Status.ERROR, "worker unavailable; job not run")
                        self._replace(worker)
                    break
            while next_out in done:
                yield done.pop(next_out)
                next_out += 1
            busy = [w for w in self._pool if w.job is not None]
            if not busy:
                if exhausted:
                    return
                continue
            now = time.monotonic()
            deadline = min(w.limit(self.limits.timeout_s) for w in busy)
            ready = wait([w.conn for w in busy], timeout=max(0.0, deadline - now))
            for worker in list(busy):
                if worker.conn in ready:
                    index = worker.job
                    try:
                        message = worker.conn.recv()
                    except (EOFError, OSError):
                        worker.process.join(1)
                        done[index] = self._death(worker.process.exitcode)
                        worker.job = None
                        self._replace(worker)
                        continue
                    if isinstance(message, str) and message == _READY:
                        worker.ready, worker.started = True, time.monotonic()
                        continue
                    done[index] = message
                    worker.job = None
                elif time.monotonic() >= worker.limit(self.limits.timeout_s):
                    reason = (f"extraction ran past the {self.limits.timeout_s:g} s limit; worker stopped"
                              if worker.ready else
                              f"the extraction worker did not start within {_STARTUP_S:g} s; worker stopped")
                    done[worker.job] = Extracted.failure(Status.TIMEOUT, reason)
                    worker.job = None
                    self._replace(worker)

    def _death(self, exitcode: int | None) -> Extracted:
        if exitcode is not None and exitcode < 0:
            sig = signal.Signals(-exitcode).name if -exitcode in signal.valid_signals() else str(-exitcode)
            if -exitcode in (signal.SIGKILL, signal.SIGSEGV, signal.SIGABRT):
                return Extracted.failure(
                    Status.ERROR if -exitcode != signal.SIGKILL else Status.TOO_LARGE,
                    f"worker died with {sig} (a parser crash or running out of the "
                    f"{self.limits.memory_bytes} byte memory limit); worker restarted",
                )
            return Extracted.failure(Status.ERROR, f"worker died with {sig}; worker restarted")
        return Extracted.failure(Status.ERROR, f"worker exited unexpectedly (code {exitcode}); worker restarted")

    def close(self) -> None:
        """Stop every worker (politely, then by force)."""
        if self._closed:
            return
        self._closed = True
        for worker in self._pool:
            try:
                if worker.job is None:
                    worker.conn.send(_STOP)
            except (BrokenPipeError, OSError):
                pass
        deadline = time.monotonic() + 5
        for worker in self._pool:
            worker.process.join(max(0.1, deadline - time.monotonic()))
            if worker.process.is_alive() or worker.job is not None:
                self._kill(worker)
            else:
                worker.conn.close()
        self._pool.clear()
