"""Prefect flow ``ingest_batch``: register → (extract → enrich → index) over chunks of items.

Only orchestration lives here; the steps are in ``evidex.pipeline.batch``. One flow run per batch, one task run per
chunk of items (not per file). Items processed before a crash are marked done in the catalogue, and document
ids are stable, so a re-run resumes where the last one stopped and indexes nothing twice.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from dataclasses import asdict, dataclass, field
from typing import Any

from prefect import flow, task
from prefect.cache_policies import NO_CACHE

from evidex.custody.catalog import Catalog
from evidex.node.client import make_client
from evidex.pipeline.batch import BatchInfo, BatchSpec, ChunkProcessor, ChunkReport, register_batch
from evidex.settings import Settings
from evidex.custody.store import EvidenceStore
from flows.handles import take
from index_config import ensure_indices

Progress = Callable[[dict[str, Any]], None]


@dataclass
class BatchSummary:
    """The receipt of one ingestion run."""

    batch_id: str
    agency: str
    case_id: str
    files: int
    bytes: int
    items_processed: int = 0
    children: int = 0
    statuses: dict[str, int] = field(default_factory=dict)
    failures: dict[str, int] = field(default_factory=dict)
    indexed_new: int = 0
    indexed_updated: int = 0
    already_done: bool = False
    unreadable: list[dict[str, str]] = field(default_factory=list)
    seconds: float = 0.0
    timings: dict[str, float] = field(default_factory=dict)
    receipt: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


@task(name="register-batch", cache_policy=NO_CACHE)
def register_task(store: EvidenceStore, catalog: Catalog, spec: BatchSpec) -> BatchInfo:
    return register_batch(store, catalog, spec)


@task(name="process-chunk", cache_policy=NO_CACHE, retries=1, retry_delay_seconds=2)
def chunk_task(processor: ChunkProcessor, item_ids: list[str], upcoming_ids: list[str]) -> ChunkReport:
    catalog = processor.catalog
    return processor.process(catalog.pending_by_ids(item_ids), catalog.pending_by_ids(upcoming_ids))


def drain_batch(batch_id: str, processor: ChunkProcessor, settings: Settings, summary: BatchSummary,
                timings: Counter, *, large: bool, progress: Progress | None = None) -> Counter:
    """Process a batch's pending items chunk by chunk (one task run per chunk); returns failure reasons."""
    started = time.perf_counter()
    catalog = processor.catalog
    failures: Counter = Counter()
    relaxed = False
    try:
        while True:
            pending = catalog.pending(batch_id, 2 * settings.chunk_size)
            if not pending:
                break
            cut = _chunk_end(pending[: settings.chunk_size], settings.chunk_max_mb * 1024 * 1024)
            current, upcoming = pending[:cut], pending[cut : cut + settings.chunk_size]
            if large and not relaxed:
                processor.indexer.relax_refresh()
                relaxed = True
            t_task = time.perf_counter()
            try:
                report = chunk_task(processor, [i.item_id for i in current], [i.item_id for i in upcoming])
            except Exception as exc:  # noqa: BLE001 - one bad item must not stop the batch
                report = processor.process_isolated(catalog.pending_by_ids([i.item_id for i in current]), exc)
            timings["chunks_wall"] += time.perf_counter() - t_task
            timings.update(report.timings)
            failures.update(report.reasons)
            summary.items_processed += report.items
            summary.children += report.children
            summary.indexed_new += report.created
            summary.indexed_updated += report.updated
            if progress:
                progress({"processed": summary.items_processed, "known": catalog.total(batch_id),
                          "seconds": time.perf_counter() - started})
    finally:
        if relaxed:
            processor.indexer.restore_refresh()
        else:
            processor.indexer.client.indices.refresh(index=processor.indexer.alias)
    return failures


def _chunk_end(items: list, max_bytes: int) -> int:
    """How many of ``items`` fit in one chunk of at most ``max_bytes`` (always at least one)."""
    total = 0
    for n, item in enumerate(items):
        total += item.size
        if n and total > max_bytes:
            return n
    return len(items)


def finish_timings(timings: Counter) -> dict[str, float]:
    """Round the stage timings and add orchestration: chunk wall time not spent in any stage."""
    stage = sum(v for k, v in timings.items() if k not in ("chunks_wall", "register"))
    timings["orchestration"] = max(0.0, timings["chunks_wall"] - stage)
    return {k: round(v, 3) for k, v in timings.items()}


@flow(name="ingest_batch", log_prints=False, persist_result=False)
def ingest_batch(handle: str, agency: str, case_id: str, source: str) -> BatchSummary:
    """Ingest one batch end to end and return its summary.

    ``handle`` names the batch spec, settings and progress callback (``flows.handles``); the other parameters
    only describe the run in Prefect's records.
    """
    spec, settings, progress = take(handle)
    started = time.perf_counter()
    store = EvidenceStore(settings.store_dir).ensure()
    catalog = Catalog(settings.store_dir / "catalog.sqlite")
    client = make_client(settings)
    ensure_indices(client, settings.es_index_prefix)
    t0 = time.perf_counter()
    info = register_task(store, catalog, spec)
    timings: Counter = Counter({"register": time.perf_counter() - t0})
    redact = redactor(settings)
    summary = BatchSummary(info.batch_id, spec.agency, spec.case_id, info.files, info.bytes,
                           unreadable=[{"path": redact(p), "reason": redact(r)} for p, r in info.unreadable])
    failures: Counter = Counter()
    try:
        if catalog.pending(info.batch_id, 1):  # nothing to do on a re-run: no workers, no models
            processor = ChunkProcessor(settings, store, catalog, client, spec)
            try:
                failures = drain_batch(info.batch_id, processor, settings, summary, timings,
                                       large=info.files > 5 * settings.chunk_size, progress=progress)
            finally:
                processor.close()
    finally:
        catalog.close()
    summary.already_done = summary.items_processed == 0 and not info.new
    summary.statuses = dict(catalog_counts(settings, info.batch_id))
    summary.failures = {redact(reason): count for reason, count in failures.items()}
    summary.receipt = str(_write_receipt(settings, info.batch_id, redact))
    if head := store.custody.head():  # the chain's head also where the log's own file cannot rewrite it
        from evidex.search.audit import AuditTrail

        AuditTrail(client, f"{settings.es_index_prefix}-audit", settings.data_dir / "audit.jsonl") \
            .anchor_custody(head, info.batch_id)
    summary.seconds = round(time.perf_counter() - started, 3)
    summary.timings = finish_timings(timings)
    return summary


def _write_receipt(settings: Settings, batch_id: str, redact: Callable[[str], str]) -> Path:
    from evidex.custody.receipts import build_receipt, write_receipt

    catalog = Catalog(settings.store_dir / "catalog.sqlite")
    try:
        return write_receipt(settings.data_dir, build_receipt(catalog, batch_id, redact))
    finally:
        catalog.close()


def redactor(settings: Settings) -> Callable[[str], str]:
    """Masks personal identifiers in text bound for summaries and logs (paths, reasons)."""
    from models.identifiers import find_identifiers, redact_text

    secret = settings.secret_bytes()
    return lambda text: redact_text(text, find_identifiers(text, secret=secret))


def catalog_counts(settings: Settings, batch_id: str) -> dict[str, int]:
    catalog = Catalog(settings.store_dir / "catalog.sqlite")
    try:
        return catalog.counts(batch_id)
    finally:
        catalog.close()
