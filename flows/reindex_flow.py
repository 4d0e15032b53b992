"""Prefect flow ``reindex_from_store``: rebuild index documents from the evidence store.

Elasticsearch is a derived index. This flow re-reads every stored original of the chosen batches (all by
default), re-extracts, re-enriches and re-indexes it, then re-applies analysts' labels. What a batch password
opened comes back from its kept extraction (``evidex.pipeline.derivatives``) without asking for the password;
children (mail messages, archive members) are rebuilt from their own stored blobs, never added twice. When the
shipped index template has a newer version than the index behind the alias, the documents go into a new index
and the alias is swapped at the end, so searches keep working on the old index until the new one is complete;
otherwise documents are replaced in place (same ids), so searches answer throughout.
"""

from __future__ import annotations

import time
from collections import Counter
from dataclasses import asdict, dataclass, field

from prefect import flow

from evidex.custody.backends import open_catalog, open_store
from evidex.pipeline.batch import ChunkProcessor, spec_of_stored_batch
from evidex.pipeline.ledger import RunLedger
from evidex.pipeline.report import BatchSummary, finish_timings, redactor
from flows.handles import take
from flows.ingest_flow import drain_batch, ledger_relax, publish_report, start_run
from index_config import ensure_indices, mark_complete, specs


@dataclass
class ReindexSummary:
    index: str
    previous_index: str
    alias_swapped: bool
    batches: list[str] = field(default_factory=list)
    items_processed: int = 0
    children: int = 0
    failures: dict[str, int] = field(default_factory=dict)
    labels_reapplied: int = 0
    work_reapplied: dict = field(default_factory=dict)
    seconds: float = 0.0
    timings: dict[str, float] = field(default_factory=dict)
    stopped: str | None = None
    notes: list[str] = field(default_factory=list)


def _target_index(client: object, prefix: str) -> tuple[str, str]:
    """(index to fill, index behind the alias now): a new versioned index when the template is newer."""
    current = ensure_indices(client, prefix)[f"{prefix}-docs"]
    wanted = specs()["docs"].index(prefix)
    if wanted != current and not client.indices.exists(index=wanted):  # type: ignore[attr-defined]
        client.indices.create(index=wanted)  # type: ignore[attr-defined]  (template applies the mapping)
    return wanted, current


@flow(name="reindex_from_store", flow_run_name="reindex", persist_result=False)
def reindex_from_store(handle: str, batch_ids: list[str] | None = None) -> ReindexSummary:
    """Rebuild the documents of ``batch_ids`` (every batch when None) from the stored originals.

    ``handle`` names the settings, candidate passwords, progress callback and run record (``flows.handles``).
    """
    settings, passwords, progress, record, client = take(handle)
    started = time.perf_counter()
    start_run(settings, record, client, progress)
    store = open_store(settings).ensure()
    catalog = open_catalog(settings)
    target, previous = _target_index(client, settings.es_index_prefix)
    if batch_ids and target != previous:
        catalog.close()
        raise ValueError(f"the index template moved to {target}: every batch must be rebuilt before the alias "
                         "moves, so run the reindex without choosing batches")
    summary = ReindexSummary(index=target, previous_index=previous, alias_swapped=False)
    timings: Counter = Counter()
    failures: Counter = Counter()
    wanted = set(batch_ids) if batch_ids else None
    on_relax = ledger_relax(RunLedger(settings.data_dir), record)
    try:
        for row in catalog.batches():
            if wanted is not None and row["batch_id"] not in wanted:
                continue
            catalog.reset(row["batch_id"])
            processor = ChunkProcessor(settings, store, catalog, client, spec_of_stored_batch(row, passwords),
                                       index=target, rebuild=True)
            part = BatchSummary(row["batch_id"], row["agency"], row["case_id"], row["files"], row["bytes"])
            try:
                failures.update(drain_batch(row["batch_id"], processor, settings, part, timings,
                                            large=row["files"] > 5 * settings.chunk_size, progress=progress,
                                            on_relax=on_relax))
            finally:
                processor.close()
            summary.batches.append(row["batch_id"])
            summary.items_processed += part.items_processed
            summary.children += part.children
            summary.notes += part.notes
            if part.stopped:
                summary.stopped = part.stopped
                break
    finally:
        catalog.close()
    redact = redactor(settings)
    summary.failures = {redact(reason): count for reason, count in failures.items()}
    if not summary.stopped:
        summary.labels_reapplied = _reapply_labels(settings, client, target)
        from evidex.search.workspace import reapply_work

        summary.work_reapplied = reapply_work(client, target, settings.data_dir)  # tags, notes, stars, shares
        if target != previous:
            alias = f"{settings.es_index_prefix}-docs"
            client.indices.update_aliases(actions=[
                {"remove": {"index": previous, "alias": alias}},
                {"add": {"index": target, "alias": alias, "is_write_index": True}},
            ])
            summary.alias_swapped = True
        elif wanted is None:  # every batch rebuilt in place: every document has the fields added since
            mark_complete(client, target)
    summary.timings = finish_timings(timings)
    summary.seconds = round(time.perf_counter() - started, 3)
    publish_report(f"reindex-{record.run_id.lower()}", record.name, "stopped" if summary.stopped else "completed",
                   asdict(summary))
    return summary


def _reapply_labels(settings: object, client: object, index: str) -> int:
    from evidex.search.labels import read_label_events, replay

    labels = replay(read_label_events(settings.data_dir))  # type: ignore[attr-defined]
    for doc_id, topics in labels.items():
        if client.exists(index=index, id=doc_id):  # type: ignore[attr-defined]
            client.update(index=index, id=doc_id, doc={"labels": sorted(topics)})  # type: ignore[attr-defined]
    client.indices.refresh(index=index)  # type: ignore[attr-defined]
    return len(labels)
