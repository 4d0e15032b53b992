"""Prefect flow ``ingest_batch``: register → (extract → enrich → index) over chunks of items.

Only orchestration lives here; the steps are in ``evidex.pipeline``. One flow run per batch, named after it
(``ingest knpa/C-2025-01 E-7``), one task run per chunk of items (not per file). Items processed before a crash
are marked done in the catalogue, and document ids are stable, so a re-run resumes where the last one stopped
and indexes nothing twice. When Elasticsearch goes away, a chunk waits for it with backoff; past the budget
the run stops with a summary and the remaining items stay pending.
"""

from __future__ import annotations

import contextvars
import threading
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

from prefect import flow, task
from prefect.cache_policies import NO_CACHE

from evidex.custody.backends import open_audit_journal, open_catalog, open_store
from evidex.custody.catalog import Item, ItemCatalog
from evidex.custody.store import BlobStore
from evidex.pipeline.backoff import IndexUnavailable, is_unavailable, with_backoff
from evidex.pipeline.batch import BatchInfo, BatchSpec, ChunkProcessor, ChunkReport, register_batch
from evidex.pipeline.drain import Drain, OnRelax, Progress, ledger_relax
from evidex.pipeline.ledger import RunLedger, RunRecord
from evidex.pipeline.report import BatchSummary, catalog_counts, finish_timings, markdown_report, redactor, run_name
from evidex.settings import Settings
from flows.handles import take
from flows.recovery import recover_stale_runs
from index_config import ensure_indices

__all__ = ["BatchSummary", "catalog_counts", "drain_batch", "finish_timings", "ingest_batch", "ledger_relax",
           "redactor"]


@task(name="register-batch", cache_policy=NO_CACHE)
def register_task(store: BlobStore, catalog: ItemCatalog, spec: BatchSpec, early: Any = None) -> BatchInfo:
    """Hash, store and queue the batch; ``early``: a registration already under way (``flows.runtime``)."""
    return early.result() if early is not None else register_batch(store, catalog, spec)


@task(name="process-chunk", cache_policy=NO_CACHE, retries=1, retry_delay_seconds=2)
def chunk_task(processor: ChunkProcessor, items: list[Item], upcoming: list[Item]) -> ChunkReport:
    """One chunk of items this worker claimed (``upcoming``: the next pending ones, a hint for read-ahead)."""
    try:
        return processor.process(items, upcoming)
    except IndexUnavailable as exc:  # not a task failure to retry: the flow stops the batch with a summary
        return ChunkReport(stopped=str(exc))


def _pending(catalog: ItemCatalog, batch_id: str) -> int:
    return catalog.counts(batch_id).get("pending", 0)


def drain_batch(batch_id: str, processor: ChunkProcessor, settings: Settings, summary: Any,
                timings: Counter, *, large: bool, progress: Progress | None = None,
                on_relax: OnRelax | None = None, settled: Callable[[], bool] | None = None,
                worker: str | None = None, drain: Drain | None = None) -> Counter:
    """Claim a batch's pending items chunk by chunk and process them, one task run per chunk (the loop is
    ``evidex.pipeline.drain.Drain``: its docstring says what ``summary``, ``on_relax`` and ``settled`` get);
    returns failure reasons. ``drain``: a loop already under way (``flows.headstart``), continued here."""
    drain = drain or Drain(batch_id, processor, settings, summary, timings, large=large, progress=progress,
                           on_relax=on_relax, settled=settled, worker=worker)
    drain.settled = settled
    try:
        if not summary.stopped:
            drain.run(lambda items, upcoming: chunk_task(drain.processor, items, upcoming))
    finally:
        drain.finish()
    return drain.failures


def start_run(settings: Settings, record: RunRecord, client: Any, progress: Progress | None,
              indices: bool = True) -> None:
    """Templates applied (``indices``: not when the caller did, before a head start may have turned the
    refresh off), killed runs put right, this run's Prefect id noted in its record."""
    from prefect.runtime import flow_run

    ledger = RunLedger(settings.data_dir)
    record.flow_run_id = str(flow_run.id) if flow_run.id else None
    ledger.save(record)
    on_wait = (lambda s, why: progress({"event": "waiting", "retry_in": s, "reason": why})) if progress else None
    if indices:
        with_backoff(lambda: ensure_indices(client, settings.es_index_prefix, shards=settings.es_shards,
                                           replicas=settings.es_replicas), settings.index_wait_s, on_wait)
    recover_stale_runs(ledger, client)


def publish_report(key: str, name: str, state: str, report: dict[str, Any]) -> None:
    """The run report as a Prefect markdown artifact (masked text and counts only)."""
    from prefect.artifacts import create_markdown_artifact

    try:
        create_markdown_artifact(key=key, markdown=markdown_report(name, state, report), description=name)
    except Exception:  # noqa: BLE001 - the report is also in the run ledger and printed
        pass


def _name_of_run() -> str:
    from prefect.runtime import flow_run

    p = flow_run.parameters
    return run_name("ingest", p.get("agency", "?"), p.get("case_id", "?"), p.get("exhibit") or None)


@flow(name="ingest_batch", flow_run_name=_name_of_run, log_prints=False, persist_result=False)
def ingest_batch(handle: str, agency: str, case_id: str, source: str, exhibit: str = "") -> BatchSummary:
    """Ingest one batch end to end and return its summary.

    ``handle`` names the batch spec, settings, progress callback and run record (``flows.handles``); the other
    parameters (identifiers masked) only describe the run in Prefect's records.
    """
    spec, settings, progress, record, client, warm, early, head = take(handle)
    started = time.perf_counter()
    timings: Counter = Counter()
    start_run(settings, record, client, progress, indices=False)  # flows.runtime.run_ingest applied them
    store = open_store(settings).ensure()
    catalog = open_catalog(settings)
    t0 = time.perf_counter()
    timings["startup"] = t0 - started
    info = register_task(store, catalog, spec, early)
    timings["register"] = early.seconds if early is not None else time.perf_counter() - t0
    redact = redactor(settings)
    summary = BatchSummary(info.batch_id, spec.agency, spec.case_id, info.files, info.bytes,
                           unreadable=[{"path": redact(p), "reason": redact(r)} for p, r in info.unreadable],
                           exhibit=exhibit or None, run_id=record.run_id)
    record.batch_id = info.batch_id
    failures: Counter = Counter()
    try:
        # the chunks processed while Prefect started: the chunk in flight is finished, its workers taken over
        drain = head.handover(catalog, summary, timings) if head is not None else None
        if drain is None:
            catalog.release(info.batch_id)  # claims a killed run left behind: this run owns the batch now
        if drain is not None or catalog.pending(info.batch_id, 1):  # a re-run with nothing to do: no workers
            from flows.spread import start_spread

            spread = start_spread(settings, info.batch_id, catalog, spec)  # helpers load while this one does
            t1 = time.perf_counter()
            processor = drain.processor if drain is not None else ChunkProcessor(
                settings, store, catalog, client, spec, text_workers=warm.take() if warm else None)
            timings["workers"] = time.perf_counter() - t1
            try:
                failures = drain_batch(info.batch_id, processor, settings, summary, timings,
                                       large=info.files > 5 * settings.chunk_size, progress=progress,
                                       on_relax=ledger_relax(RunLedger(settings.data_dir), record),
                                       settled=spread.settled if spread and spread.runs else None, drain=drain)
            finally:
                processor.close()
            if spread is not None:
                summary.helpers = spread.collect(summary) if spread.runs else []
                summary.notes.extend(spread.notes)
        summary.pending = _pending(catalog, info.batch_id)
    finally:
        catalog.close()
    t_end = time.perf_counter()
    summary.already_done = summary.items_processed == 0 and not info.new
    xref = None
    if not summary.stopped and not summary.already_done:  # the batch's values in the cross-reference
        from flows.xref_flow import hand_to_pool, refresh_after_batch

        t = time.perf_counter()
        summary.xref_run = hand_to_pool(settings, [info.batch_id])  # a run of the pool: the receipt won't wait
        timings["finish.xref_handoff"] = time.perf_counter() - t

        def counted() -> None:
            t = time.perf_counter()
            refresh_after_batch(settings, client, info.batch_id, summary.notes)
            timings["finish.xref"] = time.perf_counter() - t

        if summary.xref_run is None:  # no server or no worker: counted here, alongside the receipt
            xref = _alongside(counted)
    summary.statuses = {k: v for k, v in catalog_counts(settings, info.batch_id).items() if k != "pending"}
    summary.failures = {redact(reason): count for reason, count in failures.items()}
    summary.receipt = str(_write_receipt(settings, info.batch_id, redact, store))
    _anchor_custody(settings, client, store, info.batch_id, summary)
    if xref is not None:
        xref.join()
    timings["finish"] = time.perf_counter() - t_end
    summary.seconds = round(time.perf_counter() - started, 3)
    summary.timings = finish_timings(timings)
    t = time.perf_counter()
    publish_report(f"ingest-{info.batch_id}", record.name, "stopped" if summary.stopped else "completed",
                   summary.as_dict())
    summary.timings["prefect_start.report"] = round(time.perf_counter() - t, 3)  # outside the body's seconds
    return summary


def _alongside(fn: Callable[..., None], *args: Any) -> threading.Thread:
    """``fn(*args)`` in a thread (in this flow run's context) while
    the receipt is written and the custody head anchored; joined before the run ends."""
    context = contextvars.copy_context()
    thread = threading.Thread(target=context.run, args=(fn, *args), name="evidex-after-batch", daemon=True)
    thread.start()
    return thread


def _anchor_custody(settings: Settings, client: Any, store: BlobStore, batch_id: str, summary: Any) -> None:
    """The custody chain's head also where the log's own file cannot rewrite it (skipped while ES is away)."""
    if not (head := store.custody.head()):
        return
    if summary.stopped:  # the audit sender would wait for the cluster again: `evidex verify` anchors later
        summary.notes.append("custody head not anchored in the audit index (Elasticsearch unavailable)")
        return
    from evidex.search.audit import AuditTrail

    trail = AuditTrail(client, f"{settings.es_index_prefix}-audit", settings.data_dir / "audit.jsonl",
                       chain=open_audit_journal(settings) if settings.catalog_url else None)
    try:
        trail.anchor_custody(head, batch_id)
    except Exception as exc:  # noqa: BLE001 - the receipt carries the head; `evidex verify` re-anchors
        if not is_unavailable(exc):
            raise
        summary.notes.append("custody head not anchored in the audit index (Elasticsearch unavailable)")


def _write_receipt(settings: Settings, batch_id: str, redact: Callable[[str], str], store: BlobStore) -> Path:
    """``<data_dir>/receipts/<batch>.json``, and a copy in a shared (S3) store for every machine's verify."""
    from evidex.custody.receipts import build_receipt, write_receipt

    catalog = open_catalog(settings)
    try:
        return write_receipt(settings.data_dir, build_receipt(catalog, batch_id, redact), store)
    finally:
        catalog.close()
