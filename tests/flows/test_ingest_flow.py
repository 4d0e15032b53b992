"""The walking skeleton end to end: a real batch, a real node, Prefect's local mode."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from evidex.custody.catalog import Catalog
from evidex.node.client import make_client
from evidex.search.identity import User
from evidex.pipeline.batch import BatchSpec
from evidex.samples import write_demo_batch, write_generated_batch
from evidex.search.builder import Filters
from evidex.search.factory import search_service
from evidex.custody.store import EvidenceStore
from flows.runtime import run_ingest

REPO = Path(__file__).resolve().parents[2]
ADMIN = User("root", "local", ("admin",))


def _count(settings, **term) -> int:
    client = make_client(settings)
    query = {"term": term} if term else {"match_all": {}}
    return client.count(index=f"{settings.es_index_prefix}-docs", query=query)["count"]


def test_demo_batch_is_ingested_and_found_in_korean_and_english(settings, tmp_path: Path) -> None:
    batch = write_demo_batch(tmp_path / "batch")
    summary = run_ingest(BatchSpec(batch, "knpa", "C1", "E1"), settings)
    files = len(list(batch.iterdir()))
    assert summary.files == files
    assert sum(summary.statuses.values()) == summary.items_processed >= files
    assert summary.indexed_new == summary.items_processed
    assert _count(settings) == summary.items_processed

    service = search_service(settings)
    korean = service.search(ADMIN, "쿠팡")
    paths = {h.path for h in korean.hits}
    assert "보고서_유출사고.txt" in paths  # text says 쿠팡의 / 쿠팡이, never the bare noun
    assert any("[쿠팡" in s for h in korean.hits for s in h.snippets)
    english = service.search(ADMIN, "complained")
    assert "incident_report.txt" in {h.path for h in english.hits}
    lemma = service.search(ADMIN, "pay")  # the text says "paid"
    assert "incident_report.txt" in {h.path for h in lemma.hits}
    cp949 = service.search(ADMIN, "야간 배송")
    assert "민원_요약_cp949.txt" in {h.path for h in cp949.hits}

    again = run_ingest(BatchSpec(batch, "knpa", "C1", "E1"), settings)
    assert again.indexed_new == 0 and again.items_processed == 0 and again.already_done
    assert _count(settings) == summary.items_processed


def test_access_filter_and_audit(settings, tmp_path: Path) -> None:
    own = write_demo_batch(tmp_path / "own")
    shared = write_demo_batch(tmp_path / "shared")
    (shared / "extra.txt").write_text("쿠팡 공유 문서", encoding="utf-8")
    run_ingest(BatchSpec(own, "knpa", "C1"), settings)
    run_ingest(BatchSpec(shared, "pipc", "C2", shared_with=("moel",)), settings)
    service = search_service(settings)
    npa = service.search(User("kim", "knpa"), "쿠팡", limit=50)
    assert npa.total > 0 and {h.agency for h in npa.hits} == {"knpa"}
    moel = service.search(User("lee", "moel"), "쿠팡", limit=50)
    assert moel.total > 0 and {h.agency for h in moel.hits} == {"pipc"}
    nobody = service.search(User("park", "nts"), "쿠팡")
    assert nobody.total == 0
    hidden = npa.hits[0].doc_id
    with pytest.raises(PermissionError):
        service.get(User("park", "nts"), hidden)
    journal = [line for line in (settings.data_dir / "audit.jsonl").read_text().splitlines()
               if '"custody_anchor"' not in line]  # the ingest flow anchors the custody head in the audit trail
    assert len(journal) == 4
    assert '"action": "view"' in journal[-1] and '"outcome": "denied_or_missing"' in journal[-1]


def test_failed_file_is_indexed_with_status_and_reason(settings, tmp_path: Path) -> None:
    batch = tmp_path / "bad"
    batch.mkdir()
    (batch / "broken.pdf").write_bytes(b"%PDF-1.7\n" + os.urandom(2000))
    (batch / "fine.txt").write_text("정상 문서입니다 normal document", encoding="utf-8")
    summary = run_ingest(BatchSpec(batch, "knpa", "C1"), settings)
    assert summary.items_processed == 2
    result = search_service(settings).search(ADMIN, "", Filters(status="corrupt"))
    assert [h.path for h in result.hits] == ["broken.pdf"]
    assert result.hits[0].reason


def test_verify_names_an_altered_original(settings, tmp_path: Path) -> None:
    batch = write_demo_batch(tmp_path / "batch")
    run_ingest(BatchSpec(batch, "knpa", "C1"), settings)
    store = EvidenceStore(settings.store_dir)
    checked, problems = store.verify()
    assert checked > 0 and problems == []
    target = next(b for b in store.iter_blobs() if b.read_bytes().startswith("쿠팡의".encode()))
    os.chmod(target, 0o644)
    target.write_bytes(target.read_bytes() + b"tampered")
    _, problems = store.verify()
    assert len(problems) == 1 and "보고서_유출사고.txt" in problems[0].what


def _evidex_processes(data_dir: Path) -> list[int]:
    """Live processes started for this data directory (their environment names it)."""
    mark = f"EVIDEX_DATA_DIR={data_dir}".encode()
    found = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit() or int(entry) == os.getpid():
            continue
        try:
            env = Path(f"/proc/{entry}/environ").read_bytes().split(b"\0")
            state = Path(f"/proc/{entry}/stat").read_text().rsplit(")", 1)[1].split()[0]
        except OSError:
            continue
        if mark in env and state not in ("Z", "X"):
            found.append(int(entry))
    return found


def test_killed_ingest_leaves_no_process_and_the_next_run_repairs_and_resumes(settings, tmp_path: Path) -> None:
    import sqlite3

    from evidex.pipeline.ledger import RunLedger

    batch = write_generated_batch(tmp_path / "gen", 240)
    env = {**os.environ, "EVIDEX_DATA_DIR": str(settings.data_dir), "EVIDEX_ES_DIR": str(settings.es_home),
           "EVIDEX_ES_INDEX_PREFIX": settings.es_index_prefix, "EVIDEX_CHUNK_SIZE": "10",
           "EVIDEX_HMAC_SECRET": "test-secret", "EVIDEX_WORKERS": "1",
           "EVIDEX_ENRICH_WORKERS": "2", "EVIDEX_ES_LOCAL_PORT": str(settings.es_local_port)}
    cmd = [sys.executable, "-m", "evidex.cli", "ingest", str(batch), "--agency", "knpa", "--case", "K1"]
    proc = subprocess.Popen(cmd, env=env, cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                            start_new_session=True)
    catalog_path = settings.store_dir / "catalog.sqlite"
    deadline = time.monotonic() + 300
    done = 0
    while time.monotonic() < deadline and proc.poll() is None:
        if catalog_path.exists():
            catalog = Catalog(catalog_path)
            done = catalog.conn.execute("SELECT count(*) FROM items WHERE state='done'").fetchone()[0]
            catalog.close()
            if done >= 30:
                break
        time.sleep(0.2)
    assert proc.poll() is None, "ingest finished before it could be killed: " + proc.stdout.read().decode()[-2000:]
    assert len(_evidex_processes(settings.data_dir)) >= 3  # the run, its workers, Prefect's server…
    os.kill(proc.pid, signal.SIGKILL)  # the main process only: its workers must not outlive it
    proc.wait()
    assert 30 <= done < 240
    deadline = time.monotonic() + 10
    while _evidex_processes(settings.data_dir) and time.monotonic() < deadline:
        time.sleep(0.5)
    assert _evidex_processes(settings.data_dir) == []
    client = make_client(settings)
    index = f"{settings.es_index_prefix}-docs"
    concrete = next(iter(client.indices.get_alias(name=index)))
    left = client.indices.get_settings(index=index)[concrete]["settings"]["index"]
    assert left.get("refresh_interval") == "-1"  # what the killed run left behind
    dead = RunLedger(settings.data_dir).all()[-1]
    assert dead.shown_state() == "crashed" and dead.flow_run_id

    listed = subprocess.run([sys.executable, "-m", "evidex.cli", "runs", "list"], env=env, cwd=REPO,
                            capture_output=True, text=True, timeout=60)
    assert "crashed" in listed.stdout and "ingest knpa/K1" in listed.stdout, listed.stdout + listed.stderr
    finished = subprocess.run(cmd, env=env, cwd=REPO, capture_output=True, text=True, timeout=600)
    assert finished.returncode == 0, finished.stdout + finished.stderr
    assert "Traceback" not in finished.stderr
    restored = client.indices.get_settings(index=index)[concrete]["settings"]["index"]
    assert restored.get("refresh_interval") == "1s"
    assert _count(settings) == 240
    ids = client.search(index=index, size=0, aggs={"paths": {"cardinality": {"field": "path"}}})
    assert ids["aggregations"]["paths"]["value"] == 240
    records = {r.run_id: r for r in RunLedger(settings.data_dir).all()}
    assert records[dead.run_id].state == "crashed"
    db = sqlite3.connect(Path(os.environ["PREFECT_HOME"]) / "prefect.db")
    state = db.execute("SELECT state_type FROM flow_run WHERE id=?", (dead.flow_run_id,)).fetchone()
    db.close()
    assert state is not None and state[0] == "CRASHED"


def test_same_attachment_in_two_mails_is_stored_once_and_shown_under_both(settings, tmp_path: Path) -> None:
    from email.message import EmailMessage

    batch = tmp_path / "mails"
    batch.mkdir()
    attachment = "압수물 목록\n1. 노트북\n2. 외장하드\n".encode("utf-8")
    for n in (1, 2):
        msg = EmailMessage()
        msg["From"], msg["To"], msg["Subject"] = "a@example.org", "b@example.org", f"목록 {n}"
        msg.set_content(f"첨부 확인 바랍니다 ({n})")
        msg.add_attachment(attachment, maintype="text", subtype="plain", filename="압수물_목록.txt")
        (batch / f"mail{n}.eml").write_bytes(bytes(msg))
    summary = run_ingest(BatchSpec(batch, "knpa", "M1"), settings)
    assert summary.children == 2 and summary.items_processed == 4
    client = make_client(settings)
    hits = client.search(index=f"{settings.es_index_prefix}-docs", query={"term": {"name": "압수물_목록.txt"}},
                         size=10)["hits"]["hits"]
    assert len(hits) == 2
    assert len({h["_source"]["sha256"] for h in hits}) == 1
    assert len({h["_source"]["parent_id"] for h in hits}) == 2
    assert {h["_source"]["path"].split("!/")[0] for h in hits} == {"mail1.eml", "mail2.eml"}
    blobs = [b for b in EvidenceStore(settings.store_dir).iter_blobs() if b.name == hits[0]["_source"]["sha256"]]
    assert len(blobs) == 1


def test_prefect_records_no_password_or_key(settings, tmp_path: Path) -> None:
    import uuid

    password = f"pw-{uuid.uuid4().hex}"
    settings = settings.model_copy(update={"hmac_secret": f"key-{uuid.uuid4().hex}"})
    batch = write_demo_batch(tmp_path / "b")
    run_ingest(BatchSpec(batch, "knpa", "S1", passwords=(password,)), settings)
    prefect_home = Path(os.environ["PREFECT_HOME"])
    stored = b"".join(p.read_bytes() for p in prefect_home.rglob("*") if p.is_file())
    assert password.encode() not in stored
    assert settings.secret_bytes() not in stored
