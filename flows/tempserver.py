"""Prefect's temporary server for a run with no ``evidex server``, started before anything else.

Prefect's own local mode starts its temporary server when the first flow is called, so its 8 s or more of
start-up (importing the server, opening its database) come after the run has imported Prefect, reached the
cluster and applied the templates. Here the same server (Prefect's API application under uvicorn, made by
``flows.tempapp``; Prefect's database under the data directory) is started as the run's first step and the
run does its own start-up while it boots (a batch's first chunks too: ``flows.headstart``); :func:`await_api`
waits for it just before the flow is called.

One server per process, as in Prefect's local mode: Prefect reads its API address when first imported, so
later runs of the same process use the same server (restarted on the same port if it died). The address is
in ``PREFECT_API_URL`` only until Prefect has read it, so processes started later (a CLI, ``evidex server
start``) do not take this process's temporary server for a server of theirs. It is the run's child: it dies
with the process (``PR_SET_PDEATHSIG``, and the run's guardian), and is stopped at exit.

With ``prefect_linger_s`` > 0 the server is ``flows.tempdaemon``'s instead: a run adopts the one still idling
from an earlier run (its boot skipped), or starts it; it stays up that many seconds after the last run using it
ends normally, and stops at once when a run using it is killed.
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
_home: Path | None = None
"""The PREFECT_HOME of the lingering server this process uses (``prefect_linger_s`` > 0), else None."""
_lease: Path | None = None
_linger_s = 0.0
_booting = False
"""True when this process started a temporary server that had not answered yet at its start."""


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
    global _server, _argv, _log, _url, _home, _linger_s, _booting
    if "PREFECT_API_URL" in os.environ or "prefect" in sys.modules:
        return None
    logs = settings.data_dir / "logs"
    logs.mkdir(parents=True, exist_ok=True, mode=0o700)
    _log = logs / "prefect-temporary.log"
    _linger_s = float(getattr(settings, "prefect_linger_s", 0.0) or 0.0)
    if _linger_s > 0:
        from flows.tempdaemon import home_of

        _home = home_of(settings)
        url = _adopt_or_start(_free_port())
    else:
        port = _free_port()
        url = f"http://127.0.0.1:{port}/api"
        _argv = [sys.executable, "-m", "uvicorn", "--factory", "flows.tempapp:create",
                 "--host", "127.0.0.1", "--port", str(port), "--log-level", "error", "--lifespan", "on"]
        _server = _spawn()
        _booting = True
    os.environ["PREFECT_API_URL"] = url  # read by Prefect when the caller imports it; taken back in await_api
    _url = url
    atexit.register(stop)
    return url


def _adopt_or_start(port: int) -> str:
    """This process's lease on the lingering server of ``_home``: its URL, or a new one's on ``port``."""
    global _lease, _booting
    from flows.tempdaemon import locked, read_state, spawn, take_lease

    assert _home is not None and _log is not None
    with locked(_home):
        _lease = take_lease(_home)
        state = read_state(_home)
        if state is None:
            spawn(_home, port, _linger_s, _log)
            _booting = True
            return f"http://127.0.0.1:{port}/api"
        return str(state["url"])


def booting() -> bool:
    """True when this process has just started a temporary server (the run will wait for its boot)."""
    return _booting


def started_here() -> bool:
    """True when this process's Prefect uses a temporary server started here (it dies with the process)."""
    return _url is not None


def await_api(timeout_s: float = 120.0) -> None:
    """Wait until the temporary server answers (at once when none was started here or it already answers)."""
    global _server
    url = _url
    if not url or (_server is None and _home is None):
        return
    if "prefect" in sys.modules and os.environ.get("PREFECT_API_URL") == url:
        del os.environ["PREFECT_API_URL"]  # Prefect has it; later processes must not inherit it
    if _home is not None:
        _await_lingering(url, timeout_s)
        return
    assert _server is not None
    if _server.poll() is not None:  # it died since an earlier run of this process: same port, same address
        _server = _spawn()
    deadline = time.monotonic() + timeout_s
    while not answers(url, timeout=1.0):
        if _server.poll() is not None:
            raise RuntimeError(f"Prefect's temporary server exited with code {_server.returncode}; see {_log}")
        if time.monotonic() > deadline:
            raise RuntimeError(f"Prefect's temporary server did not answer within {timeout_s:g} s; see {_log}")
        time.sleep(0.05)


def _await_lingering(url: str, timeout_s: float) -> None:
    """Until the lingering server answers; started again on the same port when it went away (stopped, or its
    linger ran out between two runs of this process: Prefect keeps the address it read)."""
    from flows.tempdaemon import read_state

    assert _home is not None
    deadline = time.monotonic() + timeout_s
    restarts = 0
    while not answers(url, timeout=1.0):
        if read_state(_home) is None:
            if restarts >= 2:
                raise RuntimeError(f"Prefect's lingering temporary server keeps exiting; see {_log}")
            restarts += 1
            _adopt_or_start(int(url.rsplit(":", 1)[1].split("/", 1)[0]))
        if time.monotonic() > deadline:
            raise RuntimeError(f"Prefect's temporary server did not answer within {timeout_s:g} s; see {_log}")
        time.sleep(0.05)


def stop() -> None:
    """Stop the temporary server (at exit); a lingering one is only told this process is done with it."""
    global _server, _lease
    if _lease is not None:
        _lease.unlink(missing_ok=True)
        _lease = None
    if _server is None:
        return
    _server.terminate()
    try:
        _server.wait(10)
    except subprocess.TimeoutExpired:
        _server.kill()
        _server.wait()
    _server = None
