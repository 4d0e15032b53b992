"""A Prefect server and a worker for Evidex: background processes on loopback, state under the data directory.

``evidex server start`` writes ``<data_dir>/prefect/server.json`` (process id, its start time, port, URL) and
the server's output goes to ``<data_dir>/logs/prefect-server.log``. While it runs, flows started by Evidex use
it instead of Prefect's temporary server (``flows.runtime.configure_prefect``). It also starts a worker of
Evidex's work pool (``worker.json``, ``prefect-worker.log``), which runs the scheduled drop-folder polls, and the enrichment
service (``enricher.json``, ``prefect-enricher.log``: ``evidex.pipeline.enrich_service``), whose workers keep
their models loaded for every batch.
``PREFECT_API_URL`` set by the user wins: then the commands work against that server and only the worker is
started here.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path

from evidex.pipeline.ledger import alive, process_start
from evidex.settings import Settings


@dataclass(frozen=True)
class ServerState:
    running: bool
    url: str | None
    pid: int | None
    external: bool = False
    """True when ``PREFECT_API_URL`` names a server Evidex did not start."""


def _state_path(settings: Settings, name: str = "server") -> Path:
    return settings.prefect_home / f"{name}.json"


def _read(settings: Settings, name: str = "server") -> dict | None:
    try:
        return json.loads(_state_path(settings, name).read_text())
    except (OSError, ValueError):
        return None


def _spawn(settings: Settings, name: str, argv: list[str], env: dict[str, str], extra: dict) -> subprocess.Popen:
    """Start ``argv`` in its own session, output to ``logs/prefect-<name>.log``, state in ``<name>.json``."""
    settings.prefect_home.mkdir(parents=True, exist_ok=True, mode=0o700)
    logs = settings.data_dir / "logs"
    logs.mkdir(parents=True, exist_ok=True, mode=0o700)
    with open(logs / f"prefect-{name}.log", "ab") as out:
        proc = subprocess.Popen(argv, env=env, stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                start_new_session=True)
    tmp = _state_path(settings, name).with_suffix(".tmp")
    tmp.write_text(json.dumps({"pid": proc.pid, "pid_start": process_start(proc.pid), **extra}))
    os.replace(tmp, _state_path(settings, name))
    return proc


def running_api_url(settings: Settings) -> str | None:
    """The API URL of the server ``evidex server start`` runs for this data directory, if it runs."""
    state = _read(settings)
    if state and alive(int(state["pid"]), state.get("pid_start")):
        return str(state["url"])
    return None


def answers(url: str, timeout: float = 2.0) -> bool:
    try:
        with urllib.request.urlopen(f"{url.rstrip('/')}/health", timeout=timeout) as response:
            return response.status == 200
    except OSError:
        return False


def server_status(settings: Settings) -> ServerState:
    external = os.environ.get("PREFECT_API_URL")
    own = running_api_url(settings)
    if external and external != own:
        return ServerState(answers(external), external, None, external=True)
    state = _read(settings)
    if own and state:
        return ServerState(answers(own), own, int(state["pid"]))
    return ServerState(False, None, None)


def server_env(settings: Settings, url: str | None = None) -> dict[str, str]:
    env = {**os.environ, "PREFECT_HOME": str(settings.prefect_home), "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
           "PREFECT_LOGGING_LEVEL": "WARNING"}
    if url:
        env["PREFECT_API_URL"] = url
    return env


def start_server(settings: Settings, timeout_s: float = 180.0) -> ServerState:
    """Start the Prefect server on 127.0.0.1 (once) and wait until it answers."""
    current = server_status(settings)
    if current.running:
        return current
    logs = settings.data_dir / "logs"
    port = settings.prefect_server_port
    url = f"http://127.0.0.1:{port}/api"
    env = server_env(settings)
    env.pop("PREFECT_API_URL", None)
    proc = _spawn(settings, "server", [sys.executable, "-m", "prefect", "server", "start", "--host", "127.0.0.1",
                                       "--port", str(port), "--log-level", "WARNING", "--analytics-off"],
                  env, {"port": port, "url": url})
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"the Prefect server exited with code {proc.returncode}; see {logs / 'prefect-server.log'}")
        if answers(url):
            return ServerState(True, url, proc.pid)
        time.sleep(0.5)
    raise RuntimeError(f"the Prefect server did not answer within {timeout_s:g} s; see {logs / 'prefect-server.log'}")


def worker_running(settings: Settings) -> int | None:
    """The process id of the worker ``start_worker`` started for this data directory, if it runs."""
    state = _read(settings, "worker")
    return int(state["pid"]) if state and alive(int(state["pid"]), state.get("pid_start")) else None


def worker_argv(settings: Settings) -> list[str]:
    return [sys.executable, "-m", "prefect", "worker", "start", "--pool", settings.work_pool, "--type", "process",
            "--limit", str(settings.worker_limit), "--name", f"evidex-{os.uname().nodename}-{os.getpid()}"]


def worker_env(settings: Settings, url: str) -> dict[str, str]:
    env = server_env(settings, url)
    env["PREFECT_WORKER_QUERY_SECONDS"] = f"{settings.worker_poll_s:g}"
    env["PREFECT_WORKER_PREFETCH_SECONDS"] = "2"
    env["EVIDEX_DATA_DIR"] = str(settings.data_dir)
    return env


def start_worker(settings: Settings, url: str) -> int:
    """Start a worker of the work pool in the background (once); its flow runs are its children."""
    if (pid := worker_running(settings)) is not None:
        return pid
    return _spawn(settings, "worker", worker_argv(settings), worker_env(settings, url), {"url": url}).pid


def stop_worker(settings: Settings, timeout_s: float = 20.0) -> bool:
    return _stop(settings, "worker", timeout_s)


def enricher_running(settings: Settings) -> int | None:
    """The process id of the enrichment service ``start_enricher`` started for this data directory, if it runs."""
    state = _read(settings, "enricher")
    return int(state["pid"]) if state and alive(int(state["pid"]), state.get("pid_start")) else None


def start_enricher(settings: Settings, timeout_s: float = 300.0) -> int:
    """Start the enrichment service (``evidex.pipeline.enrich_service``: the models loaded once, kept for every
    batch of this data directory) in the background, once, and wait until it answers."""
    from evidex.pipeline.batch import enrich_config
    from evidex.pipeline.enrich_service import connect

    config = enrich_config(settings)
    if (pid := enricher_running(settings)) is not None and (found := connect(settings, config)) is not None:
        found.close()
        return pid
    stop_enricher(settings)  # one that runs with another configuration (a retrained model, new code)
    env = {**server_env(settings), "EVIDEX_DATA_DIR": str(settings.data_dir)}
    env.pop("PREFECT_API_URL", None)
    proc = _spawn(settings, "enricher", [sys.executable, "-m", "evidex.pipeline.enrich_service"], env, {})
    log = settings.data_dir / "logs" / "prefect-enricher.log"
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"the enrichment service exited with code {proc.returncode}; see {log}")
        if (found := connect(settings, config)) is not None:
            found.close()
            return proc.pid
        time.sleep(0.5)
    raise RuntimeError(f"the enrichment service did not answer within {timeout_s:g} s; see {log}")


def stop_enricher(settings: Settings, timeout_s: float = 20.0) -> bool:
    return _stop(settings, "enricher", timeout_s)


def stop_server(settings: Settings, timeout_s: float = 20.0) -> bool:
    """Stop the worker, the enrichment service and the server ``start_server`` started (whole process groups);
    False when no server ran."""
    stop_worker(settings, timeout_s)
    stop_enricher(settings, timeout_s)
    return _stop(settings, "server", timeout_s)


def _stop(settings: Settings, name: str, timeout_s: float) -> bool:
    state = _read(settings, name)
    if not state or not alive(int(state["pid"]), state.get("pid_start")):
        _state_path(settings, name).unlink(missing_ok=True)
        return False
    pid = int(state["pid"])
    for sig in (signal.SIGTERM, signal.SIGKILL):
        try:
            os.killpg(pid, sig)
        except OSError:
            pass
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline and alive(pid, state.get("pid_start")):
            time.sleep(0.2)
        if not alive(pid, state.get("pid_start")):
            break
    _state_path(settings, name).unlink(missing_ok=True)
    return True
