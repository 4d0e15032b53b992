"""Prefect's temporary server for a run with no ``evidex server``, started before anything else.

Prefect's own local mode starts its temporary server when the first flow is called, so its 8 s or more of
start-up (importing the server, opening its database) come after the run has imported Prefect, reached the
cluster and applied the templates. Here the same server (Prefect's API application under uvicorn, Prefect's
database under the data directory) is started as the run's first step and the run does its own start-up
while it boots; :func:`await_api` waits for it just before the flow is called.

One server per process, as in Prefect's local mode: Prefect reads its API address when first imported, so
later runs of the same process use the same server (restarted on the same port if it died). The address is
in ``PREFECT_API_URL`` only until Prefect has read it, so processes started later (a CLI, ``evidex server
start``) do not take this process's temporary server for a server of theirs. It is the run's child: it dies
with the process (``PR_SET_PDEATHSIG``, and the run's guardian), and is stopped at exit.
"""

from __future__ import annotations

import atexit
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

from evidex.settings import Settings
from flows.serverctl import answers

_url: str | None = None
_server: subprocess.Popen | None = None
_argv: list[str] = []
_log: Path | None = None


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _die_with_parent() -> None:
    from evidex.pipeline.lifeline import set_parent_death_signal

    set_parent_death_signal()


def _spawn() -> subprocess.Popen:
    assert _log is not None
    env = {**os.environ, "PREFECT_UI_ENABLED": "0", "PREFECT__SERVER_EPHEMERAL": "1", "PREFECT__SERVER_FINAL": "1"}
    env.pop("PREFECT_API_URL", None)
    with open(_log, "ab") as out:
        return subprocess.Popen(_argv, env=env, stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                preexec_fn=_die_with_parent, close_fds=True)


def start_early(settings: Settings) -> str | None:
    """Start the temporary server now and point Prefect at it; its API URL, or None when Prefect already has
    one (``PREFECT_API_URL``, ``evidex server``) or was imported before this (it keeps what it read then)."""
    global _server, _argv, _log, _url
    if "PREFECT_API_URL" in os.environ or "prefect" in sys.modules:
        return None
    port = _free_port()
    url = f"http://127.0.0.1:{port}/api"
    logs = settings.data_dir / "logs"
    logs.mkdir(parents=True, exist_ok=True, mode=0o700)
    _log = logs / "prefect-temporary.log"
    _argv = [sys.executable, "-m", "uvicorn", "--factory", "prefect.server.api.server:create_app",
             "--host", "127.0.0.1", "--port", str(port), "--log-level", "error", "--lifespan", "on"]
    _server = _spawn()
    os.environ["PREFECT_API_URL"] = url  # read by Prefect when the caller imports it; taken back in await_api
    _url = url
    atexit.register(stop)
    return url


def await_api(timeout_s: float = 120.0) -> None:
    """Wait until the temporary server answers (at once when none was started here or it already answers)."""
    global _server
    url = _url
    if not url or _server is None:
        return
    if "prefect" in sys.modules and os.environ.get("PREFECT_API_URL") == url:
        del os.environ["PREFECT_API_URL"]  # Prefect has it; later processes must not inherit it
    if _server.poll() is not None:  # it died since an earlier run of this process: same port, same address
        _server = _spawn()
    deadline = time.monotonic() + timeout_s
    while not answers(url, timeout=1.0):
        if _server.poll() is not None:
            raise RuntimeError(f"Prefect's temporary server exited with code {_server.returncode}; see {_log}")
        if time.monotonic() > deadline:
            raise RuntimeError(f"Prefect's temporary server did not answer within {timeout_s:g} s; see {_log}")
        time.sleep(0.05)


def stop() -> None:
    """Stop the temporary server (at exit)."""
    global _server
    if _server is None:
        return
    _server.terminate()
    try:
        _server.wait(10)
    except subprocess.TimeoutExpired:
        _server.kill()
        _server.wait()
    _server = None
