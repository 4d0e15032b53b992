"""A generated batch ingested with the catalogue in PostgreSQL and the store in an S3 bucket, end to end.

The pipeline's own steps (register, claim chunks, process) run against the real node, PostgreSQL and s3proxy;
the documents are searchable, the blobs are in the bucket, the custody chain and the audit journal (both in
PostgreSQL) verify against the receipt and the audit index, and an edited custody row is found.
"""

from __future__ import annotations

import os
import subprocess
import sys
import zipfile
from pathlib import Path

import psycopg
import pytest

from evidex.custody.backends import open_audit_journal, open_catalog, open_store
from evidex.custody.receipts import build_receipt, write_receipt
from evidex.node.client import make_client
from evidex.pipeline.batch import BatchSpec, ChunkProcessor, register_batch
from evidex.samples import write_generated_batch
from evidex.search.audit import AuditTrail, custody_anchors, verify_audit
from evidex.search.builder import SearchService
from evidex.search.identity import User
from index_config import ensure_indices

ADMIN = User("root", "local", ("admin",))
FILES = 40


@pytest.mark.slow
def test_ingest_on_postgresql_and_s3(settings, pg_url: str, bucket: str, s3_settings: dict, tmp_path: Path) -> None:
    s = settings.model_copy(update={"catalog_url": pg_url, "store_url": f"s3://{bucket}/evidence",
                                    "ner_enabled": False, "topics_enabled": False, "chunk_size": 15,
                                    **s3_settings})
    source = write_generated_batch(tmp_path / "batch", FILES)
    with zipfile.ZipFile(source / "bundle.zip", "w") as archive:
        archive.writestr("inner/a.txt", "압수물 목록 bundle member alpha\n")
        archive.writestr("inner/b.txt", "second member bravo 두번째\n")
    client = make_client(s)
    ensure_indices(client, s.es_index_prefix)
    store, catalog = open_store(s).ensure(), open_catalog(s)
    spec = BatchSpec(source, "knpa", "C-9", "E-1", submitted_by="clerk")
    info = register_batch(store, catalog, spec)
    assert info.files == FILES + 1 and catalog.counts(info.batch_id) == {"pending": FILES + 1}

    processor = ChunkProcessor(s, store, catalog, client, spec)
    try:
        chunks = 0
        while items := catalog.claim(info.batch_id, s.chunk_size, "worker-1"):
            processor.process(items)
            chunks += 1
    finally:
        processor.close()
    total = FILES + 3
    assert chunks >= 3 and catalog.counts(info.batch_id) == {"ok": total}

    receipt = write_receipt(s.data_dir, build_receipt(catalog, info.batch_id, lambda text: text))
    alias = f"{s.es_index_prefix}-audit"
    trail = AuditTrail(client, alias, s.data_dir / "audit.jsonl", chain=open_audit_journal(s))
    trail.anchor_custody(store.custody.head(), info.batch_id)

    client.indices.refresh(index=f"{s.es_index_prefix}-docs")
    assert client.count(index=f"{s.es_index_prefix}-docs")["count"] == total
    service = SearchService(client, s.es_index_prefix, s.data_dir, s.secret_bytes())
    service.audit = trail  # the searches' audit records go to the PostgreSQL journal too
    assert "doc000007.txt" in {h.path.rsplit("/", 1)[-1] for h in service.search(ADMIN, '"document 000007"').hits}
    assert any("bravo" in h.path or h.path.endswith("b.txt") for h in service.search(ADMIN, "bravo").hits)
    trail.flush()

    assert store.object_count() == total  # every original and both members, in the bucket only once each
    assert not (s.store_dir / "blobs").exists() and not (s.store_dir / "catalog.sqlite").exists()
    assert not (s.store_dir / "custody.jsonl").exists() and not (s.data_dir / "audit.jsonl").exists()
    anchors = custody_anchors(client, alias)
    assert anchors
    checked, problems = store.verify(anchors, [receipt])
    assert (checked, problems) == (total, [])
    events = [r["event"] for r in store.custody.records()]
    assert events == ["batch_received", "items_derived"]
    assert verify_audit(s.data_dir / "audit.jsonl", client, alias, chain=open_audit_journal(s)).problems == []

    env = {**os.environ, "EVIDEX_DATA_DIR": str(s.data_dir), "EVIDEX_CATALOG_URL": pg_url,
           "EVIDEX_STORE_URL": s.store_url, "EVIDEX_S3_ENDPOINT": s.s3_endpoint,
           "EVIDEX_S3_ACCESS_KEY": s.s3_access_key, "EVIDEX_S3_SECRET_KEY": s3_settings["s3_secret_key"]}
    verify = [sys.executable, "-m", "evidex.custody.verify"]
    done = subprocess.run(verify, env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stdout + done.stderr
    assert f"{total} blob(s) re-hashed" in done.stdout and "0 problem(s)" in done.stdout

    with psycopg.connect(pg_url, autocommit=True) as conn:  # someone with the owner's rights edits the log
        conn.execute("SET session_replication_role = replica")
        conn.execute("UPDATE journal SET line = replace(line, '\"files\":41', '\"files\":40') "
                     "WHERE journal='custody' AND seq=0")
    _, problems = store.verify(anchors, [receipt])
    assert any(p.what == "custody journal (PostgreSQL) seq 0" and "keyed hash" in p.reason for p in problems)
    done = subprocess.run(verify, env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 1 and "PROBLEM custody journal (PostgreSQL) seq 0" in done.stdout
    assert s3_settings["s3_secret_key"] not in done.stdout + done.stderr
    catalog.close()
