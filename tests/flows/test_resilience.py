"""Nothing lost: unreadable files, runs killed before a folder changed, chunks that fail as a whole."""

from __future__ import annotations

import os
from pathlib import Path

from evidex.custody.catalog import Catalog
from evidex.node.client import make_client
from evidex.search.identity import User
from evidex.pipeline.batch import BatchSpec, ChunkProcessor, register_batch
from evidex.samples import write_demo_batch
from evidex.search.builder import Filters
from evidex.search.factory import search_service
from evidex.custody.store import EvidenceStore
from flows.runtime import run_ingest
from index_config import ensure_indices

ADMIN = User("root", "local", ("admin",))


def test_a_link_in_the_upload_is_a_document_with_its_reason(settings, tmp_path: Path) -> None:
    batch = write_demo_batch(tmp_path / "b")
    os.symlink("/etc/hostname", batch / "link-to-host-file")
    summary = run_ingest(BatchSpec(batch, "knpa", "U1"), settings)
    assert summary.unreadable and summary.unreadable[0]["path"] == "link-to-host-file"
    errors = search_service(settings).search(ADMIN, "", Filters(status="error"))
    assert [h.path for h in errors.hits] == ["link-to-host-file"]
    assert "not followed" in errors.hits[0].reason


def test_items_left_pending_are_taken_over_when_the_folder_changed(settings, tmp_path: Path) -> None:
    batch = write_demo_batch(tmp_path / "b")
    store = EvidenceStore(settings.store_dir).ensure()
    catalog = Catalog(settings.store_dir / "catalog.sqlite")
    first = register_batch(store, catalog, BatchSpec(batch, "knpa", "U2"))  # "killed" before any processing
    catalog.close()
    (batch / "added-later.txt").write_text("나중에 추가된 문서", encoding="utf-8")
    summary = run_ingest(BatchSpec(batch, "knpa", "U2"), settings)
    assert summary.batch_id != first.batch_id
    assert summary.items_processed == first.files + 1
    assert make_client(settings).count(index=f"{settings.es_index_prefix}-docs")["count"] == first.files + 1


def test_a_chunk_that_fails_whole_is_processed_item_by_item(settings, tmp_path: Path) -> None:
    batch = write_demo_batch(tmp_path / "b")
    store = EvidenceStore(settings.store_dir).ensure()
    catalog = Catalog(settings.store_dir / "catalog.sqlite")
    client = make_client(settings)
    ensure_indices(client, settings.es_index_prefix)
    spec = BatchSpec(batch, "knpa", "U3")
    info = register_batch(store, catalog, spec)
    processor = ChunkProcessor(settings, store, catalog, client, spec)
    try:
        report = processor.process_isolated(catalog.pending(info.batch_id, 100), RuntimeError("simulated"))
    finally:
        processor.close()
    assert report.items == info.files and report.statuses["ok"] == info.files
    assert catalog.pending(info.batch_id, 100) == []
    catalog.close()


def test_cp949_file_names_from_windows_are_read_as_korean(settings, tmp_path: Path) -> None:
    batch = tmp_path / "win"
    batch.mkdir()
    raw = "김철수_진술서.txt".encode("cp949")
    with open(os.path.join(os.fsencode(batch), raw), "wb") as fh:
        fh.write("진술 내용".encode("utf-8"))
    with open(os.path.join(os.fsencode(batch), b"\xff\xfe-broken.txt"), "wb") as fh:
        fh.write(b"neither utf-8 nor cp949 name")
    summary = run_ingest(BatchSpec(batch, "knpa", "U4"), settings)
    assert summary.items_processed == 2 and summary.statuses == {"ok": 2}
    paths = {h.path for h in search_service(settings).search(ADMIN, "", limit=10).hits}
    assert "김철수_진술서.txt" in paths
    assert any(p.endswith("-broken.txt") for p in paths)
    manifest = EvidenceStore(settings.store_dir).read_manifest(summary.batch_id)
    assert {e.get("path_bytes") for e in manifest["files"]} >= {raw.hex()}
