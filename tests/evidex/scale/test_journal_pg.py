"""The custody log and the audit journal as keyed chains in PostgreSQL: one chain for every machine, tamper seen."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import psycopg
import pytest

from evidex.custody.backends import open_audit_journal, open_catalog, open_store
from evidex.custody.chain import Anchor
from evidex.custody.journal_pg import ChainKeyError
from evidex.settings import load_settings

APPEND = """
import sys
from evidex.custody.backends import open_store
from evidex.settings import load_settings
store = open_store(load_settings())
for n in range(40):
    store.custody.append("items_derived", batch_id=sys.argv[1], n=n)
"""


def _settings(pg_url: str, data: Path):
    return load_settings(data_dir=data, catalog_url=pg_url)


def _as_admin(pg_url: str, sql: str, args: tuple = ()) -> None:
    """What someone with the database owner's rights could do: bypass the append-only triggers."""
    with psycopg.connect(pg_url, autocommit=True) as conn:
        conn.execute("SET session_replication_role = replica")
        conn.execute(sql, args)


def test_machines_append_to_one_chain(pg_url: str, tmp_path: Path) -> None:
    first = _settings(pg_url, tmp_path / "m1")
    store = open_store(first)
    store.custody.append("batch_received", batch_id="b0")
    second = tmp_path / "m2" / "store"
    second.mkdir(parents=True)
    (second / "custody.key").write_bytes((first.store_dir / "custody.key").read_bytes())  # the key is copied
    import os

    procs = [subprocess.Popen([sys.executable, "-c", APPEND, f"b{n}"],
                              env={**os.environ, "EVIDEX_DATA_DIR": str(tmp_path / f"m{n}"),
                                   "EVIDEX_CATALOG_URL": pg_url}) for n in (1, 2)]
    assert [p.wait(120) for p in procs] == [0, 0]
    report = store.custody.check()
    assert report.problems == [] and report.records == 81 and report.head.seq == 80
    assert {r["batch_id"] for r in store.custody.records()} == {"b0", "b1", "b2"}


def test_a_machine_with_another_or_no_key_refuses_to_append(pg_url: str, tmp_path: Path) -> None:
    open_store(_settings(pg_url, tmp_path / "m1")).custody.append("batch_received", batch_id="b0")
    stranger = open_store(_settings(pg_url, tmp_path / "m2"))
    with pytest.raises(ChainKeyError, match="no chain key"):
        stranger.custody.append("batch_received", batch_id="b1")
    (tmp_path / "m2" / "store").mkdir(parents=True, exist_ok=True)
    (tmp_path / "m2" / "store" / "custody.key").write_text("11" * 32)
    with pytest.raises(ChainKeyError, match="not the key"):
        stranger.custody.append("batch_received", batch_id="b1")
    assert open_store(_settings(pg_url, tmp_path / "m1")).custody.verify() == []


def test_rows_cannot_be_changed_through_the_application_role(pg_url: str, tmp_path: Path) -> None:
    open_store(_settings(pg_url, tmp_path)).custody.append("batch_received", batch_id="b0")
    with psycopg.connect(pg_url, autocommit=True) as conn:
        for sql in ("UPDATE journal SET line = line", "DELETE FROM journal", "TRUNCATE journal"):
            with pytest.raises(psycopg.errors.RaiseException, match="append-only"):
                conn.execute(sql)


def test_edited_removed_and_truncated_records_are_found(pg_url: str, tmp_path: Path) -> None:
    settings = _settings(pg_url, tmp_path)
    log = open_store(settings).custody
    records = [log.append("batch_received", batch_id=f"b{n}", files=n) for n in range(6)]
    head = Anchor(records[-1]["seq"], records[-1]["hash"], "receipt b5")
    assert log.verify([head]) == []

    edited = json.loads(json.dumps(records[2]))
    edited["files"] = 99
    _as_admin(pg_url, "UPDATE journal SET line=%s WHERE journal='custody' AND seq=2",
              (json.dumps(edited, sort_keys=True, separators=(",", ":")),))
    problems = log.verify([head])
    assert [(p.line, "keyed hash" in p.reason) for p in problems] == [(2, True)]

    _as_admin(pg_url, "DELETE FROM journal WHERE journal='custody' AND seq=4")
    assert any(p.line == 5 and "link to the previous record" in p.reason for p in log.verify([head]))

    _as_admin(pg_url, "DELETE FROM journal WHERE journal='custody' AND seq=5")  # the end: a shorter valid chain
    assert any("records were removed from its end" in p.reason for p in log.verify([head]))


def test_store_verify_names_the_table_and_the_audit_journal_is_there_too(pg_url: str, tmp_path: Path) -> None:
    settings = _settings(pg_url, tmp_path)
    store = open_store(settings).ensure()
    source = tmp_path / "memo.txt"
    source.write_text("memo")
    blob = store.put(source)
    sha = store.write_manifest("b1", {"batch_id": "b1", "files": [{"path": "memo.txt", "sha256": blob.sha256}]})
    store.custody.append("batch_received", batch_id="b1", manifest_sha256=sha)
    catalog = open_catalog(settings)
    catalog.add_batch(batch_id="b1", agency="knpa", case_id="C", received_at="2026-12-01")
    catalog.add_batch(batch_id="b2", agency="knpa", case_id="C", received_at="2026-12-01")
    checked, problems = store.verify()
    assert checked == 1
    assert [(p.what, p.reason[:30]) for p in problems] == [("batch b2", "is in the catalogue but has no")]

    audit = open_audit_journal(settings)
    audit.append({"action": "search", "user": "kim", "query": "쿠팡"})
    audit.append({"action": "view", "user": "kim"})
    assert audit.verify().problems == [] and audit.head().seq == 1
    assert (settings.data_dir / "audit.key").exists() and not (settings.data_dir / "audit.jsonl").exists()
    _as_admin(pg_url, "UPDATE journal SET line=replace(line, 'kim', 'lee') WHERE journal='audit' AND seq=0")
    assert [p.line for p in audit.verify().problems] == [0]
