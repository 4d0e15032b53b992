"""The head start of a batch (flows.headstart): chunks processed before Prefect's flow run exists, then handed over,
or abandoned with nothing lost. No Prefect here: the head start runs while Prefect is being imported."""

from __future__ import annotations

import time
from collections import Counter
from pathlib import Path

from evidex.custody.backends import open_catalog
from evidex.node.client import make_client
from evidex.pipeline.batch import BatchSpec
from evidex.pipeline.report import BatchSummary
from evidex.samples import write_generated_batch
from flows.headstart import HeadStart
from flows.runtime import EarlyRegistration, prepare_indices


def _start(settings, tmp_path: Path, files: int):
    settings = settings.model_copy(update={"chunk_size": 3, "ner_enabled": False, "topics_enabled": False})
    spec = BatchSpec(write_generated_batch(tmp_path / "batch", files), "knpa", "C-HS")
    client = make_client(settings)
    prepare_indices(settings, client)
    early = EarlyRegistration(spec, settings)
    head = HeadStart(settings, spec, client, early, None)
    deadline = time.monotonic() + 180
    while head.counts.items_processed < 3 and head.error is None and time.monotonic() < deadline:
        time.sleep(0.2)
    assert head.error is None and head.counts.items_processed >= 3
    return settings, client, early, head


def _docs(settings, client) -> int:
    client.indices.refresh(index=f"{settings.es_index_prefix}-docs")
    return client.count(index=f"{settings.es_index_prefix}-docs")["count"]


def test_handover_goes_on_with_the_same_workers_and_counts_every_item_once(settings, tmp_path: Path) -> None:
    settings, client, early, head = _start(settings, tmp_path, 12)
    info = early.result()
    catalog = open_catalog(settings)
    try:
        summary = BatchSummary(info.batch_id, "knpa", "C-HS", info.files, info.bytes)
        timings: Counter = Counter()
        drain = head.handover(catalog, summary, timings)
        early_items = summary.items_processed
        assert drain is not None and 3 <= early_items <= 12
        assert not catalog.counts(info.batch_id).get("claimed")  # handed over between two chunks
        try:
            drain.run(drain.processor.process)
        finally:
            drain.finish()
            drain.processor.close()
        assert summary.items_processed == 12 and summary.indexed_new == 12
        assert catalog.counts(info.batch_id) == {"ok": 12}
        assert timings["headstart"] > 0 and timings["chunks_wall"] >= timings["headstart"]
        assert any("processed while Prefect started" in note for note in summary.notes)
    finally:
        catalog.close()
    assert _docs(settings, client) == 12


def test_abandoned_head_start_keeps_what_it_did_and_gives_back_its_claims(settings, tmp_path: Path) -> None:
    settings, client, early, head = _start(settings, tmp_path, 20)  # 20 > 5 chunks: refresh is turned off
    head.abandon()
    info = early.result()
    catalog = open_catalog(settings)
    try:
        counts = catalog.counts(info.batch_id)
    finally:
        catalog.close()
    assert not counts.get("claimed")
    done = counts.get("ok", 0)
    assert done >= 3 and done + counts.get("pending", 0) == 20 and set(counts) <= {"ok", "pending"}
    alias = f"{settings.es_index_prefix}-docs"
    for index in client.indices.get_settings(index=alias).values():
        assert index["settings"]["index"].get("refresh_interval") != "-1"  # restored
    assert _docs(settings, client) == done


def test_a_run_with_a_head_start_ingests_every_item_once(settings, tmp_path: Path, monkeypatch) -> None:
    import flows.headstart
    from flows.runtime import run_ingest

    monkeypatch.setattr(flows.headstart, "spare_core", lambda settings: True)  # as on a machine with cores to spare
    settings = settings.model_copy(update={"chunk_size": 3, "ner_enabled": False, "topics_enabled": False})
    summary = run_ingest(BatchSpec(write_generated_batch(tmp_path / "batch", 12), "knpa", "C-HS"), settings)
    assert "workers.headstart" in summary.timings  # the head start ran and the flow took it over
    assert summary.items_processed == 12 and summary.indexed_new == 12 and summary.statuses == {"ok": 12}
    assert summary.pending == 0 and not summary.stopped
    assert _docs(settings, make_client(settings)) == 12
