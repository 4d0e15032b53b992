"""A batch's first chunks, processed while Prefect starts; the flow run takes the loop over between two chunks.

Importing Prefect, booting its temporary server (≈ 8 s of CPU when no ``evidex server`` runs) and creating the
flow run take seconds in which the batch would wait. So once the batch is registered (``EarlyRegistration``),
a thread of the run starts the extraction and enrichment workers and claims and processes chunks exactly as
the flow does (``evidex.pipeline.drain``; no Prefect here: importing it would wait on the import under way),
until the flow's body calls :meth:`HeadStart.handover`: the chunk in flight is finished, and the flow goes on
with the same workers, as task runs. Its counts, stages and failures join the flow's summary, with a note of
how many items were processed before the flow run started.

Only where a core is spare beside the enrichment workers (:func:`spare_core`; on 2 busy cores it did not
shorten the batch), or where the enrichment service enriches the batch (:func:`wanted`). Nothing is lost if
Prefect never comes up: each processed item is marked done in the catalogue and indexed,
:meth:`HeadStart.abandon` gives back the claims and restores the index refresh, and a re-run resumes. Not
used when a killed run must be put right first (its recovery runs in the flow), nor for a spread batch.
"""

from __future__ import annotations

import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from evidex.settings import Settings


@dataclass
class EarlyCounts:
    """What the head start did, added to the flow's summary at the handover."""

    items_processed: int = 0
    children: int = 0
    indexed_new: int = 0
    indexed_updated: int = 0
    stopped: str | None = None
    notes: list[str] = field(default_factory=list)


class HeadStart:
    """The thread that drains a batch until the flow run takes over (or the run gives up)."""

    def __init__(self, settings: Settings, spec: Any, client: Any, early: Any, warm: Any, progress: Any = None,
                 on_relax: Any = None) -> None:
        self.settings, self.spec, self.client, self.early, self.warm = settings, spec, client, early, warm
        self.progress, self.on_relax = progress, on_relax
        self.counts = EarlyCounts()
        self.timings: Counter = Counter()
        self.drain: Any = None
        self.workers_s = 0.0
        self.asked: float | None = None
        self.done_at: float | None = None
        self.error: BaseException | None = None
        self._stop = threading.Event()
        self._abandoned = False
        self._catalog: Any = None
        self._thread = threading.Thread(target=self._run, name="evidex-headstart", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        from evidex.custody.backends import open_catalog, open_store
        from evidex.pipeline.batch import ChunkProcessor
        from evidex.pipeline.drain import Drain

        try:
            self.early.wait()
            info = self.early.info
            if info is None or self._stop.is_set():  # registration failed: the flow's register task says why
                return
            store = open_store(self.settings).ensure()
            self._catalog = open_catalog(self.settings)  # its own: a SQLite connection stays in its thread
            self._catalog.release(info.batch_id)  # claims a killed run left behind: this run owns the batch
            if not self._catalog.pending(info.batch_id, 1):
                return
            t = time.perf_counter()
            processor = ChunkProcessor(self.settings, store, self._catalog, self.client, self.spec,
                                       text_workers=self.warm.take() if self.warm else None)
            self.workers_s = time.perf_counter() - t
            self.drain = Drain(info.batch_id, processor, self.settings, self.counts, self.timings,
                               large=info.files > 5 * self.settings.chunk_size, progress=self.progress,
                               on_relax=self.on_relax)
            self.drain.run(processor.process, stop=self._stop.is_set)
            self._stop.wait()  # the batch may be done already: the flow still takes the workers and the counts
            self.done_at = time.perf_counter()
            if self._abandoned:
                self._close_drain()
            else:
                self.drain.release()  # between two chunks: nothing is claimed; the flow claims from here on
        except BaseException as exc:  # noqa: BLE001 - the flow goes on without the head start
            self.error = exc
            self._close_drain()
        finally:
            self.done_at = self.done_at or time.perf_counter()
            if self._catalog is not None:  # in this thread: a SQLite connection is closed where it was opened
                self._catalog.close()
                self._catalog = None

    def _close_drain(self) -> None:
        """The loop ended badly or was abandoned: claims back, refresh restored, workers stopped (in this
        thread, whose catalogue the loop uses)."""
        if self.drain is None:
            return
        drain, self.drain = self.drain, None
        try:
            drain.finish()
        finally:
            drain.processor.close()

    def handover(self, catalog: Any, summary: Any, timings: Counter) -> Any:
        """Stop after the chunk in flight and give the loop to the caller (the flow's thread, using its own
        ``catalog``): the ``Drain`` with the workers, or None when the head start processed nothing or failed
        (the flow then starts its own workers). Its counts and timings are added to ``summary`` and ``timings``."""
        from evidex.pipeline.drain import add_counts

        self.asked = time.perf_counter()
        self._stop.set()
        self._thread.join()
        counts = self.counts
        add_counts(summary, counts.items_processed, counts.children, counts.indexed_new, counts.indexed_updated,
                   counts.stopped)
        summary.notes.extend(counts.notes)
        timings.update(self.timings)
        timings["headstart"] = self.hidden()
        timings["workers.headstart"] = self.workers_s
        # how fast its chunks went beside Prefect's start, against the flow's (bench_ingest compares them)
        timings["headstart.items"] = counts.items_processed
        timings["headstart.chunks_wall"] = self.timings.get("chunks_wall", 0.0)
        if self.error is not None:
            summary.notes.append(f"the head start stopped ({type(self.error).__name__}); the flow run went on")
        if counts.items_processed:
            summary.notes.append(f"{counts.items_processed} item(s) processed while Prefect started, before the "
                                 "flow run took over")
        drain = self.drain
        if drain is None:
            return None
        drain.processor.catalog = catalog  # the head start's own was closed in its thread
        drain.summary, drain.timings = summary, timings
        self.drain = None
        return drain

    def hidden(self) -> float:
        """Chunk time that ran while the run was starting (before the handover was asked): the start-up's
        time that was not waiting."""
        if self.asked is None:
            return 0.0
        in_flight = max(0.0, (self.done_at or self.asked) - self.asked)
        return max(0.0, self.timings.get("chunks_wall", 0.0) - in_flight)

    def abandon(self, wait: bool = True) -> None:
        """The run failed before its flow took over: stop after the chunk in flight (``wait``), give back the
        claims and restore refresh; what was processed stays done (a re-run resumes)."""
        self._abandoned = True
        self._stop.set()
        if wait:
            self._thread.join()


def spare_core(settings: Settings) -> bool:
    """A core free beside the enrichment workers and the run's own process, for Prefect's start.

    Measured on 2 busy cores (``bench_ingest --files 300``, three pairs with and without a server): the head
    start took the fixed cost from 26-28 s to 2-4 s without a server and from 5-10 s to 2-3 s with one, but
    the walls were no shorter (89.0 -> 86.4 s and 73.3 -> 84.1 s on average, within the machine's noise):
    Prefect's start took its CPU beside the first chunk instead of before it. So, as for ``WarmWorkers``,
    only where a core is spare."""
    import os

    return (os.cpu_count() or 1) > max(1, settings.enrich_workers) + 1


def wanted(settings: Settings, served: bool = False) -> bool:
    """A head start where a core is spare for it or the enrichment service enriches the batch (``served``), no
    killed run must be put right first (its recovery runs in the flow) and the batch is not spread.

    With the service, the chunks' enrichment runs in its processes, models loaded, while this process imports
    Prefect. Measured on 2 cores (``bench_ingest --files 300 --with-server``, eight pairs alternated, load 1-2):
    batch wall 11.9 s on average with the head start against 12.9 s without (shorter in 6 of 8 pairs), end to
    end 62 % of the slowest stage's throughput against 50 %."""
    from evidex.pipeline.ledger import RunLedger

    return ((served or spare_core(settings)) and settings.spread_workers <= 0
            and not RunLedger(settings.data_dir).stale())
