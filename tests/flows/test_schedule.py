"""Scheduled drop folders end to end: a real Prefect server and worker (``evidex server start``), a deployment per
folder (``evidex schedule add``), files dropped and found searchable with no manual run; content taken once, a file
still being written taken once complete, a paused schedule running nothing, and no process left behind."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from evidex.node.client import make_client
from evidex.pipeline.ledger import RunLedger
from evidex.settings import load_settings

pytestmark = pytest.mark.slow


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _wait(what: str, check, timeout: float = 480.0, every: float = 0.5):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if result := check():
            return result
        time.sleep(every)
    raise AssertionError(f"timed out after {timeout:g} s waiting for {what}")


@pytest.fixture
def world(settings, tmp_path: Path):
    """A data directory whose evidex.toml carries the test's settings, so the worker's runs see the same ones."""
    data = settings.data_dir
    data.mkdir(parents=True, exist_ok=True)
    toml = {"es_dir": str(settings.es_home), "es_local_port": settings.es_local_port,
            "es_index_prefix": settings.es_index_prefix, "hmac_secret": "test-secret", "workers": 1,
            "enrich_workers": 1, "prefect_server_port": _free_port(), "worker_poll_s": 1.0}
    (data / "evidex.toml").write_text("".join(f"{k} = {json.dumps(v)}\n" for k, v in toml.items()))
    env = {k: v for k, v in os.environ.items() if not k.startswith("PREFECT_")}
    env["EVIDEX_DATA_DIR"] = str(data)

    def cli(*args: str, ok: bool = True) -> subprocess.CompletedProcess:
        done = subprocess.run([sys.executable, "-m", "evidex", *args], env=env, capture_output=True, text=True,
                              timeout=300)
        if ok:
            assert done.returncode == 0, done.stdout + done.stderr
        return done

    own = load_settings(data_dir=data)
    try:
        yield own, cli, tmp_path / "drop"
    finally:
        cli("server", "stop", ok=False)


def _hits(settings, word: str) -> int:
    client = make_client(settings)
    index = f"{settings.es_index_prefix}-docs"
    if not client.indices.exists_alias(name=index) and not client.indices.exists(index=index):
        return 0
    client.indices.refresh(index=index)
    return client.count(index=index, query={"match": {"text": word}})["count"]


def _ingests(settings) -> list:
    return [r for r in RunLedger(settings.data_dir).all() if r.kind == "ingest"]


def _evidex_processes(data: Path) -> list[str]:
    found = []
    for proc in Path("/proc").iterdir():
        if proc.name.isdigit():
            try:
                env = (proc / "environ").read_bytes()
            except OSError:
                continue
            if f"EVIDEX_DATA_DIR={data}".encode() in env.split(b"\0"):
                found.append(proc.name)
    return found


def test_schedule_runs_drop_folder(world) -> None:
    settings, cli, drop = world
    drop.mkdir()
    assert "Prefect server" not in cli("schedule", "list", ok=False).stdout  # no server: a one-line refusal
    refused = cli("schedule", "add", str(drop), "--agency", "knpa", "--case", "S-1", "--every", "10", ok=False)
    assert refused.returncode != 0 and "evidex server start" in refused.stderr and "Traceback" not in refused.stderr

    started = cli("server", "start").stdout
    assert "Prefect server running" in started and "worker of pool" in started
    assert "worker" in cli("server", "status").stdout
    bad = cli("schedule", "add", str(drop), "--agency", "knpa", "--case", "S-1", "--cron", "every day", ok=False)
    assert bad.returncode != 0 and "cron" in bad.stderr and "Traceback" not in bad.stderr
    added = cli("schedule", "add", str(drop), "--agency", "knpa", "--case", "S-1", "--every", "6", "--settle", "1",
                "--exhibit-prefix", "D-").stdout
    schedule_id = added.split()[1].rstrip(":")
    twice = cli("schedule", "add", str(drop), "--agency", "knpa", "--case", "S-1", "--every", "6", ok=False)
    assert "already has schedule" in twice.stderr

    (drop / "E-1").mkdir()
    (drop / "E-1" / "memo.txt").write_text("Handover of the Zentorva ledger to the night shift.\n", encoding="utf-8")
    _wait("the dropped memo to be searchable", lambda: _hits(settings, "zentorva"))
    assert [r.name for r in _ingests(settings)] == ["ingest knpa/S-1 D-E-1"]

    # a file still being written (old modification time, as `cp -a` leaves it) is taken once it is complete
    state_files = list((settings.data_dir / "watch").glob("*.json"))
    old = time.time() - 3600
    dump = drop / "E-2.txt"
    dump.write_text("First half of the Qirvanel transcript.\n", encoding="utf-8")
    os.utime(dump, (old, old))
    _wait("a poll to see the half-written file",
          lambda: any("E-2.txt" in json.loads(p.read_text()).get("entries", {}) for p in state_files), every=0.05)
    with dump.open("a", encoding="utf-8") as fh:
        fh.write("Second half: the Morvathil payment list.\n")
    os.utime(dump, (old, old))
    _wait("the completed file to be searchable", lambda: _hits(settings, "morvathil"))
    assert _hits(settings, "qirvanel") == 1
    time.sleep(15)  # more polls: nothing already taken is taken again
    assert sorted(r.name for r in _ingests(settings)) == ["ingest knpa/S-1 D-E-1", "ingest knpa/S-1 D-E-2.txt"]

    listed = json.loads(cli("schedule", "list", "--json").stdout)
    assert [(s["schedule_id"], s["paused"]) for s in listed] == [(schedule_id, False)] and listed[0]["runs"] >= 2
    assert "paused" in cli("schedule", "pause", schedule_id).stdout
    time.sleep(3)
    (drop / "E-3").mkdir()
    (drop / "E-3" / "later.txt").write_text("The Ulvendra memo arrives while paused.\n", encoding="utf-8")
    time.sleep(25)
    assert _hits(settings, "ulvendra") == 0 and len(_ingests(settings)) == 2
    assert json.loads(cli("schedule", "list", "--json").stdout)[0]["paused"] is True
    cli("schedule", "resume", schedule_id)
    _wait("the resumed schedule to take the new folder", lambda: _hits(settings, "ulvendra"))

    assert "removed" in cli("schedule", "remove", schedule_id).stdout
    assert json.loads(cli("schedule", "list", "--json").stdout) == []
    assert "stopped" in cli("server", "stop").stdout
    _wait("no Evidex process of this data directory", lambda: not _evidex_processes(settings.data_dir), timeout=20)
