"""Faults survived: Elasticsearch away or stopped during a run; waits with backoff, then a summary, never a traceback.

The node-stopping test runs its own node (own home and port): the session's node is shared with other tests.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest

from evidex.custody.catalog import Catalog
from evidex.node.client import make_client
from evidex.node.local import LocalNode, _free_port
from evidex.pipeline.backoff import IndexUnavailable, with_backoff
from evidex.samples import write_generated_batch
from evidex.settings import load_settings

REPO = Path(__file__).resolve().parents[2]


def test_an_unreachable_cluster_is_waited_for_then_named(tmp_path: Path) -> None:
    from elasticsearch import Elasticsearch

    client = Elasticsearch(f"http://127.0.0.1:{_free_port()}", request_timeout=2, max_retries=0)
    waits: list[float] = []
    started = time.monotonic()
    with pytest.raises(IndexUnavailable, match="unavailable for"):
        with_backoff(lambda: client.cluster.health(), 3.5, lambda s, why: waits.append(s))
    assert waits == [1.0, 2.0] and 3.0 <= time.monotonic() - started < 6.0


def test_an_ingest_with_no_cluster_ends_in_one_line(tmp_path: Path) -> None:
    batch = write_generated_batch(tmp_path / "b", 3)
    env = {**os.environ, "EVIDEX_DATA_DIR": str(tmp_path / "data"), "EVIDEX_ES_URL": f"http://127.0.0.1:{_free_port()}",
           "EVIDEX_INDEX_WAIT_S": "2", "EVIDEX_HMAC_SECRET": "t"}
    done = subprocess.run([sys.executable, "-m", "evidex.cli", "ingest", str(batch), "--agency", "knpa", "--case",
                           "F0"], env=env, cwd=REPO, capture_output=True, text=True, timeout=120)
    assert done.returncode == 1 and "Traceback" not in done.stderr, done.stderr
    assert "unavailable" in done.stderr and len(done.stderr.strip().splitlines()) <= 3


def _done(catalog_path: Path, case: str) -> int:
    if not catalog_path.exists():
        return 0
    catalog = Catalog(catalog_path)
    try:
        return catalog.conn.execute("SELECT count(*) FROM items WHERE state='done' AND case_id=?",
                                    (case,)).fetchone()[0]
    finally:
        catalog.close()


def _wait_done(proc: subprocess.Popen, catalog_path: Path, case: str, at_least: int) -> None:
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline and proc.poll() is None and _done(catalog_path, case) < at_least:
        time.sleep(0.2)
    if proc.poll() is not None:
        out, err = proc.communicate()
        raise AssertionError(f"the ingest ended before the node could be stopped: {out[-1500:]} {err[-3000:]}")


@pytest.mark.slow
def test_node_stopped_during_a_run(tmp_path: Path) -> None:
    # its own node home where the node's service user can reach it (pytest's tmp_path is private to root)
    home = REPO / ".test-data" / f"fault-es-{uuid.uuid4().hex[:8]}"
    own = load_settings(data_dir=tmp_path / "data", es_dir=home, es_local_port=_free_port(),
                        es_heap="512m", es_index_prefix="fault", hmac_secret="t")
    node = LocalNode(own)
    try:
        node.start()
    except Exception:
        shutil.rmtree(home, ignore_errors=True)
        raise
    env = {**os.environ, "EVIDEX_DATA_DIR": str(own.data_dir), "EVIDEX_ES_DIR": str(own.es_home),
           "EVIDEX_ES_LOCAL_PORT": str(own.es_local_port), "EVIDEX_ES_INDEX_PREFIX": "fault",
           "EVIDEX_HMAC_SECRET": "t", "EVIDEX_CHUNK_SIZE": "10", "EVIDEX_WORKERS": "1", "EVIDEX_ENRICH_WORKERS": "1",
           "EVIDEX_NER_ENABLED": "false", "EVIDEX_INDEX_WAIT_S": "150"}
    catalog_path = own.store_dir / "catalog.sqlite"
    try:
        # 1. stopped, then started again 20 s later: the run waits, completes, nothing lost or doubled
        batch = write_generated_batch(tmp_path / "one", 120)
        cmd = [sys.executable, "-m", "evidex.cli", "ingest", str(batch), "--agency", "knpa", "--case", "F1"]
        proc = subprocess.Popen(cmd, env=env, cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        _wait_done(proc, catalog_path, "F1", 20)
        node.stop()
        time.sleep(20)
        node.start()
        out, err = proc.communicate(timeout=600)
        assert proc.returncode == 0, out + err
        assert "Traceback" not in err and "Elasticsearch unavailable" in err
        client = make_client(own)
        client.indices.refresh(index="fault-docs")
        assert client.count(index="fault-docs", query={"term": {"case_id": "F1"}})["count"] == 120
        paths = client.search(index="fault-docs", size=0, query={"term": {"case_id": "F1"}},
                              aggs={"p": {"cardinality": {"field": "path"}}})
        assert paths["aggregations"]["p"]["value"] == 120

        # 2. `evidex es stop` during an ingest: the run waits its budget, then a summary and exit 3
        other = write_generated_batch(tmp_path / "two", 120, seed=3)
        short = {**env, "EVIDEX_INDEX_WAIT_S": "4"}
        cmd = [sys.executable, "-m", "evidex.cli", "ingest", str(other), "--agency", "knpa", "--case", "F2"]
        proc = subprocess.Popen(cmd, env=short, cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        _wait_done(proc, catalog_path, "F2", 20)
        stop = subprocess.run([sys.executable, "-m", "evidex.cli", "es", "stop"], env=env, cwd=REPO,
                              capture_output=True, text=True, timeout=120)
        assert stop.returncode == 0, stop.stdout + stop.stderr
        out, err = proc.communicate(timeout=300)
        assert proc.returncode == 3, out + err
        assert "Traceback" not in out + err
        assert "STOPPED" in out and "left pending" in out
    finally:
        node.stop()
        shutil.rmtree(home, ignore_errors=True)
