"""Reindex keeps everything: what a password opened, mail and archive children once each, progress told."""

from __future__ import annotations

import shutil
import zipfile
from pathlib import Path

from evidex.node.client import make_client
from evidex.pipeline.batch import BatchSpec
from flows.runtime import run_ingest, run_reindex

PASSWORDS = ("wrong", "test", "ELXRTQWS", "openpassword")


def _snapshot(settings) -> dict:
    client = make_client(settings)
    alias = f"{settings.es_index_prefix}-docs"
    client.indices.refresh(index=alias)
    body = client.search(index=alias, size=0, aggs={
        "status": {"terms": {"field": "status", "size": 20}},
        "paths": {"cardinality": {"field": "path"}}})
    hits = client.count(index=alias, query={"match": {"text": "Backup4all"}})["count"]
    return {"count": body["hits"]["total"]["value"], "paths": body["aggregations"]["paths"]["value"],
            "statuses": {b["key"]: b["doc_count"] for b in body["aggregations"]["status"]["buckets"]},
            "backup4all": hits}


def test_reindex_rebuilds_password_opened_files_without_the_password_and_no_child_twice(settings, corpus,
                                                                                        tmp_path: Path) -> None:
    batch = tmp_path / "b"
    batch.mkdir()
    shutil.copy(corpus / "pdf/pdfplumber/password-example.pdf", batch / "locked.pdf")
    shutil.copy(corpus / "email/tika/testPST_variousBodyTypes.pst", batch / "mail.pst")
    with zipfile.ZipFile(batch / "members.zip", "w") as zf:
        zf.writestr("a/첫째.txt", "압축 파일 안의 첫 문서")
        zf.writestr("b/second.txt", "second member of the archive")
    first = run_ingest(BatchSpec(batch, "knpa", "R2", passwords=PASSWORDS), settings)
    assert first.children >= 3
    before = _snapshot(settings)
    assert before["backup4all"] >= 1 and before["count"] == before["paths"] == first.items_processed

    events: list[dict] = []
    rebuilt = run_reindex(settings, None, (), progress=events.append)  # no password given again
    assert rebuilt.stopped is None and rebuilt.items_processed == first.items_processed
    assert _snapshot(settings) == before
    assert any(e.get("event") == "chunk" for e in events)
    kept = list((settings.store_dir / "derivatives").rglob("*.bin"))
    assert kept and not any(b"Backup4all" in p.read_bytes() for p in kept)  # kept encrypted
