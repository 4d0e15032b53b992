"""A Prefect server for Evidex: started on loopback as a background process, state under the data directory.

``evidex server start`` writes ``<data_dir>/prefect/server.json`` (process id, its start time, port, URL) and
the server's output goes to ``<data_dir>/logs/prefect-server.log``. While it runs, flows started by Evidex use
it instead of Prefect's temporary server (``flows.runtime.configure_prefect``). ``PREFECT_API_URL`` set by the
user wins: then the commands work against that server.
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


def _state_path(settings: Settings) -> Path:
    return settings.prefect_home / "server.json"


def _read(settings: Settings) -> dict | None:
    try:
        return json.loads(_state_path(settings).read_text())
    except (OSError, ValueError):
        return None


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


def start_server(settings: Settings, timeout_s: float = 90.0) -> ServerState:
    """Start the Prefect server on 127.0.0.1 (once) and wait until it answers."""
    current = server_status(settings)
    if current.running:
        return current
    settings.prefect_home.mkdir(parents=True, exist_ok=True, mode=0o700)
    logs = settings.data_dir / "logs"
    logs.mkdir(parents=True, exist_ok=True, mode=0o700)
    port = settings.prefect_server_port
    url = f"http://127.0.0.1:{port}/api"
    env = server_env(settings)
    env.pop("PREFECT_API_URL", None)
    with open(logs / "prefect-server.log", "ab") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "prefect", "server", "start", "--host", "127.0.0.1", "--port", str(port),
             "--log-level", "WARNING", "--analytics-off"],
            env=env, stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, start_new_session=True,
        )
    tmp = _state_path(settings).with_suffix(".tmp")
    tmp.write_text(json.dumps({"pid": proc.pid, "pid_start": process_start(proc.pid), "port": port, "url": url}))
    os.replace(tmp, _state_path(settings))
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"the Prefect server exited with code {proc.returncode}; see {logs / 'prefect-server.log'}")
        if answers(url):
            return ServerState(True, url, proc.pid)
        time.sleep(0.5)
    raise RuntimeError(f"the Prefect server did not answer within {timeout_s:g} s; see {logs / 'prefect-server.log'}")


def stop_server(settings: Settings, timeout_s: float = 20.0) -> bool:
    """Stop the server ``start_server`` started (its whole process group); False when none ran."""
    state = _read(settings)
    if not state or not alive(int(state["pid"]), state.get("pid_start")):
        _state_path(settings).unlink(missing_ok=True)
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
    _state_path(settings).unlink(missing_ok=True)
    return True
