"""Batch receipts with an S3 store: a copy in the bucket, checked by every machine's verify and fetched by any."""

from __future__ import annotations

import json
from pathlib import Path

from evidex.custody.backends import open_catalog, open_store
from evidex.custody.receipts import build_receipt, local_receipt, write_receipt
from evidex.pipeline.batch import BatchSpec, register_batch
from evidex.settings import load_settings


def test_a_receipt_written_on_one_machine_is_checked_and_shown_on_another(pg_url: str, bucket: str,
                                                                         s3_settings: dict, tmp_path: Path) -> None:
    def machine(name: str):
        return load_settings(data_dir=tmp_path / name, catalog_url=pg_url, store_url=f"s3://{bucket}/ev",
                             hmac_secret="test-secret", **s3_settings)

    first, second = machine("m1"), machine("m2")
    source = tmp_path / "batch"
    source.mkdir()
    (source / "memo.txt").write_text("압수 메모 seized memo", encoding="utf-8")
    store, catalog = open_store(first).ensure(), open_catalog(first)
    info = register_batch(store, catalog, BatchSpec(source, "knpa", "C1", "E1"))
    path = write_receipt(first.data_dir, build_receipt(catalog, info.batch_id, lambda t: t), store)
    assert [b for b, _ in store.stored_receipts()] == [info.batch_id]

    (second.store_dir / "custody.key").parent.mkdir(parents=True)  # the chain's key, copied as the README says
    (second.store_dir / "custody.key").write_bytes((first.store_dir / "custody.key").read_bytes())
    other = open_store(second).ensure()
    shown = local_receipt(second.data_dir, info.batch_id, other)
    assert shown is not None and shown.read_bytes() == path.read_bytes()
    assert local_receipt(second.data_dir, "no-such-batch", other) is None
    shown.unlink()
    assert other.verify()[1] == []  # nothing local: the bucket's copy is checked

    forged = json.loads(path.read_text(encoding="utf-8"))
    forged["custody_head"]["hash"] = "0" * 64
    other.put_receipt(info.batch_id, json.dumps(forged).encode())
    _, problems = other.verify()
    assert any(f"stored receipt {info.batch_id}" in p.what + p.reason for p in problems), problems
    catalog.close()
