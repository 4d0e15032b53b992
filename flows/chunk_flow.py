"""Prefect flow ``ingest-chunks``: a helper of one batch's ingest, run by a worker of the work pool on any machine.

The batch was registered once by the run that owns it (``ingest_batch``); this flow claims chunks of its pending
items from the shared catalogue and processes them until nothing is left, exactly as the owner does: claims are
atomic, so no item is processed twice. Its settings are the worker machine's own (``EVIDEX_*`` and its
``evidex.toml``): the same catalogue, store, cluster and index prefix as the owner's. Its counts are a Prefect
artifact the owner adds to the run report. Batches given passwords are never spread (passwords stay in the
owner's process).
"""

from __future__ import annotations

import time
from collections import Counter
from typing import Any

from prefect import flow


def _name() -> str:
    from prefect.runtime import flow_run

    return f"chunks {flow_run.parameters.get('batch_id', '?')}"


@flow(name="ingest-chunks", flow_run_name=_name, log_prints=False, persist_result=False)
def ingest_chunks(batch_id: str) -> dict[str, Any]:
    """Claim and process chunks of ``batch_id`` until none is left; returns (and publishes) this helper's counts."""
    from prefect.runtime import flow_run

    from evidex.custody.backends import open_catalog, open_store
    from evidex.pipeline.batch import ChunkProcessor
    from evidex.pipeline.register import spec_of_stored_batch
    from evidex.pipeline.report import BatchSummary
    from evidex.settings import load_settings
    from flows.ingest_flow import drain_batch
    from flows.runtime import configure_prefect, wait_for_cluster

    started = time.perf_counter()
    settings = load_settings()
    configure_prefect(settings)
    client = wait_for_cluster(settings)
    store = open_store(settings).ensure()
    catalog = open_catalog(settings)
    row = catalog.batch(batch_id)
    if row is None:
        raise LookupError(f"batch {batch_id} is not in this worker's catalogue: check EVIDEX_CATALOG_URL")
    spec = spec_of_stored_batch(row)
    summary = BatchSummary(batch_id, spec.agency, spec.case_id, 0, 0)
    timings: Counter = Counter()
    processor = ChunkProcessor(settings, store, catalog, client, spec)
    try:
        failures = drain_batch(batch_id, processor, settings, summary, timings, large=False,
                               worker=f"run:{flow_run.id}")
    finally:
        processor.close()
        catalog.close()
    report = {"worker": f"run:{flow_run.id}", "items_processed": summary.items_processed,
              "children": summary.children, "indexed_new": summary.indexed_new,
              "indexed_updated": summary.indexed_updated, "failed": sum(failures.values()),
              "stopped": summary.stopped or "", "seconds": round(time.perf_counter() - started, 3)}
    from prefect.artifacts import create_table_artifact

    create_table_artifact(key=f"chunks-{batch_id}", table=[report], description=f"helper of batch {batch_id}")
    return report
