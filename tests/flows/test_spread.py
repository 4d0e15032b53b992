"""One batch over several workers: the owner of the ingest and two helper runs of the work pool claim chunks from
one catalogue; a helper killed half way loses nothing (its claims are given back and processed by the others);
every item is processed once, every document indexed once, the custody chain verifies, the receipt is whole."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from evidex.node.client import make_client
from evidex.samples import write_generated_batch
from tests.flows.served import evidex_processes, flow_run_pids, served_world, wait_for

pytestmark = pytest.mark.slow

FILES = 240


@pytest.fixture
def world(settings, tmp_path: Path):
    yield from served_world(settings, tmp_path, chunk_size=4, worker_limit=3)


def _claims(catalog: Path) -> dict[str, int]:
    try:
        with sqlite3.connect(catalog, timeout=30) as conn:
            return dict(conn.execute("SELECT claimed_by, count(*) FROM items WHERE state='claimed' GROUP BY 1"))
    except sqlite3.Error:
        return {}


def test_one_batch_many_workers(world, tmp_path: Path) -> None:
    settings, cli, _ = world
    batch = write_generated_batch(tmp_path / "batch", FILES)
    cli("server", "start")
    owner = subprocess.Popen([sys.executable, "-m", "evidex", "ingest", str(batch), "--agency", "knpa",
                              "--case", "S-2", "--spread", "2", "--json"], env=cli.env, stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, text=True)
    catalog = settings.store_dir / "catalog.sqlite"

    def helper_holding_claims():
        held = _claims(catalog)
        for run_id, pid in flow_run_pids(settings.data_dir).items():
            if held.get(f"run:{run_id}"):
                return run_id, pid
        return None if owner.poll() is None else ("owner finished first", 0)

    run_id, pid = wait_for("a helper run holding claims", helper_holding_claims, every=0.2)
    assert pid, "the owner processed the whole batch before any helper claimed a chunk"
    os.kill(pid, signal.SIGKILL)  # a helper dies half way, holding its claims
    out, err = owner.communicate(timeout=1200)
    assert owner.returncode == 0, err[-3000:]
    summary = json.loads(out)

    with sqlite3.connect(catalog) as conn:
        states = dict(conn.execute("SELECT state, count(*) FROM items GROUP BY 1"))
        total = conn.execute("SELECT count(*) FROM items").fetchone()[0]
    assert states == {"done": total} and total >= FILES
    assert sum(summary["statuses"].values()) == total
    client = make_client(settings)
    index = f"{settings.es_index_prefix}-docs"
    client.indices.refresh(index=index)
    assert client.count(index=index)["count"] == total  # every document once (stable ids)
    helpers = summary["helpers"]
    assert helpers and all(h["worker"] != f"run:{run_id}" for h in helpers)  # the killed one reported nothing
    # what the killed helper finished before it died is done in the catalogue but missing from the counts
    assert total // 2 < summary["items_processed"] <= total
    receipt = json.loads(Path(summary["receipt"]).read_text(encoding="utf-8"))
    assert len([i for i in receipt["items"] if i["sha256"]]) >= FILES
    verified = cli("verify", ok=False)
    assert verified.returncode == 0, verified.stdout + verified.stderr
    cli("server", "stop")
    wait_for("no Evidex process of this data directory", lambda: not evidex_processes(settings.data_dir), timeout=30)
