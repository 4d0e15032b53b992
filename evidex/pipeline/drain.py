"""The loop every ingest worker runs: claim a batch's pending items chunk by chunk and process them.

Free of Prefect: ``flows.ingest_flow`` runs each chunk as a task run, ``flows.headstart`` runs a batch's first
chunks plainly while Prefect starts (its import, its temporary server, the flow run) and hands the loop over
between two chunks. Other workers may claim from the same batch at the same time: nobody gets an item twice.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable
from typing import Any

from evidex.custody.catalog import Item
from evidex.pipeline.backoff import IndexUnavailable, with_backoff
from evidex.pipeline.batch import ChunkProcessor, ChunkReport
from evidex.pipeline.indexer import restore_refresh
from evidex.pipeline.ledger import RunLedger, RunRecord
from evidex.settings import Settings

Progress = Callable[[dict[str, Any]], None]
OnRelax = Callable[[str, bool], None]
RunChunk = Callable[[list[Item], list[Item]], ChunkReport]


def worker_name() -> str:
    """Who holds a claim: host, process id and its start time (a reused pid is another worker)."""
    import os
    import socket

    from evidex.pipeline.ledger import process_start

    return f"{socket.gethostname()}:{os.getpid()}:{process_start(os.getpid())}"


def ledger_relax(ledger: RunLedger, record: RunRecord) -> OnRelax:
    """Notes in the run's record which index has its refresh turned off."""
    def note(index: str, off: bool) -> None:
        if off and index not in record.relaxed:
            record.relaxed.append(index)
        elif not off and index in record.relaxed:
            record.relaxed.remove(index)
        ledger.save(record)
    return note


def chunk_end(items: list, max_bytes: int) -> int:
    """How many of ``items`` fit in one chunk of at most ``max_bytes`` (always at least one)."""
    total = 0
    for n, item in enumerate(items):
        total += item.size
        if n and total > max_bytes:
            return n
    return len(items)


def add_counts(summary: Any, items: int, children: int, created: int, updated: int, stopped: str | None) -> None:
    """Add a part's counts to a batch summary (a chunk's report, or what the head start did before the flow)."""
    summary.items_processed += items
    summary.children += children
    summary.indexed_new += created
    summary.indexed_updated += updated
    if stopped:
        summary.stopped = stopped


class Drain:
    """One worker's claiming of a batch: :meth:`run` processes chunks, :meth:`finish` gives back what it holds.

    ``summary`` gains the counts (and ``stopped`` when Elasticsearch stayed away); ``on_relax(index, off)`` is
    told before refresh is turned off and after it is back on, so a killed run's index can be put right.
    ``settled()``, when given, is asked once nothing is left to claim: False means other workers still hold
    claims (it waits a little, and gives back the claims of workers that died), so claiming goes on.
    ``failures`` counts the reasons of items that failed; ``timings`` gains each chunk's stages and
    ``chunks_wall``.
    """

    def __init__(self, batch_id: str, processor: ChunkProcessor, settings: Settings, summary: Any,
                 timings: Counter, *, large: bool, progress: Progress | None = None,
                 on_relax: OnRelax | None = None, settled: Callable[[], bool] | None = None,
                 worker: str | None = None) -> None:
        self.batch_id, self.processor, self.settings = batch_id, processor, settings
        self.summary, self.timings, self.large = summary, timings, large
        self.progress, self.on_relax, self.settled = progress, on_relax, settled
        self.worker = worker or worker_name()
        self.failures: Counter = Counter()
        self.relaxed = False
        self.started = time.perf_counter()
        if progress:
            processor.on_wait = lambda s, why: progress({"event": "waiting", "retry_in": s, "reason": why})

    def run(self, run_chunk: RunChunk, stop: Callable[[], bool] | None = None) -> bool:
        """Claim and process chunks until nothing is left or the batch must stop (True), or until ``stop()``
        says so between two chunks (False: claiming may go on elsewhere, e.g. in a flow run)."""
        catalog, settings, summary = self.processor.catalog, self.settings, self.summary
        while True:
            if stop is not None and stop():
                return False
            pending = catalog.pending(self.batch_id, 2 * settings.chunk_size)
            if not pending:
                if self.settled is None or self.settled():
                    return True
                continue
            cap = settings.chunk_max_mb * 1024 * 1024
            cut = chunk_end(pending[: settings.chunk_size], cap)
            # the hint is cut as the next chunk will be, so what is read ahead is that chunk
            upcoming = pending[cut : cut + chunk_end(pending[cut : cut + settings.chunk_size], cap)]
            current = catalog.claim(self.batch_id, cut, self.worker)
            if not current:  # another worker was quicker
                continue
            t_task = time.perf_counter()
            report = self._one(run_chunk, current, upcoming)
            self.timings["chunks_wall"] += time.perf_counter() - t_task
            self.timings.update(report.timings)
            self.failures.update(report.reasons)
            add_counts(summary, report.items, report.children, report.created, report.updated, report.stopped)
            if report.stopped:
                return True
            if self.progress:
                left = catalog.counts(self.batch_id).get("pending", 0)
                self.progress({"event": "chunk", "processed": summary.items_processed, "pending": left,
                               "known": catalog.total(self.batch_id), "seconds": time.perf_counter() - self.started})

    def _one(self, run_chunk: RunChunk, current: list[Item], upcoming: list[Item]) -> ChunkReport:
        try:
            if self.large and not self.relaxed:
                if self.on_relax:
                    self.on_relax(self.processor.indexer.alias, True)
                self.processor.indexer.relax_refresh()
                self.relaxed = True
            return run_chunk(current, upcoming)
        except IndexUnavailable as exc:
            return ChunkReport(stopped=str(exc))
        except Exception as exc:  # noqa: BLE001 - one bad item must not stop the batch
            try:
                return self.processor.process_isolated(current, exc)  # claimed, none marked done yet
            except IndexUnavailable as unavailable:
                return ChunkReport(stopped=str(unavailable))

    def release(self) -> None:
        """What this worker claimed and did not finish: for the next one."""
        self.processor.catalog.release(self.batch_id, worker=self.worker)

    def finish(self) -> None:
        """Claims given back, refresh back on (or just a refresh); when the cluster is away, the next run's
        start restores it."""
        try:
            self.release()
        finally:
            self._settle_refresh()

    def _settle_refresh(self) -> None:
        processor, summary = self.processor, self.summary
        wait = 5.0 if getattr(summary, "stopped", None) else processor.settings.index_wait_s
        try:
            if self.relaxed:
                restore_refresh(processor.indexer.client, processor.indexer.alias, wait)
                if self.on_relax:
                    self.on_relax(processor.indexer.alias, False)
            else:
                with_backoff(lambda: processor.indexer.client.indices.refresh(index=processor.indexer.alias), wait)
        except IndexUnavailable:
            if hasattr(summary, "notes"):
                summary.notes.append("the index could not be refreshed (Elasticsearch unavailable); "
                                     "the next run restores its refresh")
