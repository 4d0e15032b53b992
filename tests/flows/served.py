"""A Prefect server and worker started as a user would (``evidex server start``) for one test's data directory,
and what the tests that use them look at: hits, ingest runs, processes left behind."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

from evidex.node.client import make_client
from evidex.pipeline.ledger import RunLedger
from evidex.settings import load_settings


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for(what: str, check, timeout: float = 480.0, every: float = 0.5):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if result := check():
            return result
        time.sleep(every)
    raise AssertionError(f"timed out after {timeout:g} s waiting for {what}")


def served_world(settings, tmp_path: Path, **extra):
    """A data directory whose evidex.toml carries the test's settings, so the worker's runs see the same ones;
    yields (settings, cli, drop folder) and stops the server and worker at the end."""
    data = settings.data_dir
    data.mkdir(parents=True, exist_ok=True)
    toml = {"es_dir": str(settings.es_home), "es_local_port": settings.es_local_port,
            "es_index_prefix": settings.es_index_prefix, "hmac_secret": "test-secret", "workers": 1,
            "enrich_workers": 1, "prefect_server_port": free_port(), "worker_poll_s": 1.0, **extra}
    (data / "evidex.toml").write_text("".join(f"{k} = {json.dumps(v)}\n" for k, v in toml.items()))
    env = {k: v for k, v in os.environ.items() if not k.startswith("PREFECT_")}
    env["EVIDEX_DATA_DIR"] = str(data)

    def cli(*args: str, ok: bool = True) -> subprocess.CompletedProcess:
        done = subprocess.run([sys.executable, "-m", "evidex", *args], env=env, capture_output=True, text=True,
                              timeout=300)
        if ok:
            assert done.returncode == 0, done.stdout + done.stderr
        return done

    cli.env = env  # type: ignore[attr-defined]
    own = load_settings(data_dir=data)
    try:
        yield own, cli, tmp_path / "drop"
    finally:
        cli("server", "stop", ok=False)


def hits(settings, word: str) -> int:
    client = make_client(settings)
    index = f"{settings.es_index_prefix}-docs"
    if not client.indices.exists_alias(name=index) and not client.indices.exists(index=index):
        return 0
    client.indices.refresh(index=index)
    return client.count(index=index, query={"match": {"text": word}})["count"]


def ingests(settings) -> list:
    return [r for r in RunLedger(settings.data_dir).all() if r.kind == "ingest"]


def evidex_processes(data: Path) -> list[str]:
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


def flow_run_pids(data: Path) -> dict[str, int]:
    """Flow-run id -> process id of the flow runs (``prefect.engine``) a worker of data directory ``data`` runs."""
    found = {}
    for pid in evidex_processes(data):
        try:
            cmd = Path(f"/proc/{pid}/cmdline").read_bytes()
            env = dict(e.split(b"=", 1) for e in Path(f"/proc/{pid}/environ").read_bytes().split(b"\0") if b"=" in e)
        except OSError:
            continue
        if b"prefect.engine" in cmd and b"PREFECT__FLOW_RUN_ID" in env:
            found[env[b"PREFECT__FLOW_RUN_ID"].decode()] = int(pid)
    return found
