"""A temporary Prefect server that lingers idle for a while after its last run (``prefect_linger_s`` > 0).

Off by default. With it on, the first run with no Prefect server starts this small daemon (its own session,
so a terminal's Ctrl-C and a run's guardian leave it alone) instead of a child server; the daemon runs
Prefect's API under uvicorn as its own child and writes ``<PREFECT_HOME>/tempserver.json``. Every process that
uses it holds a lease, a file ``tempserver.leases/<pid>-<start>`` that it removes when it exits normally.
The daemon looks at the leases twice a second:

* a lease whose process is gone while the lease is still there is a run that was killed (``kill -9``): the
  daemon stops at once unless another live run holds a lease, so nothing outlives a killed run;
* with no lease left it waits ``prefect_linger_s`` seconds for a new one, then stops.

``evidex server stop`` stops it too (``stop_lingering``). Run as ``python -m flows.tempdaemon HOME PORT
LINGER_S LOG`` it is the daemon itself.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

POLL_S = 0.5


def home_of(settings: Any) -> Path:
    """The PREFECT_HOME whose database the temporary server uses (the environment's, else the data directory's)."""
    return Path(os.environ.get("PREFECT_HOME") or settings.prefect_home)


def state_path(home: Path) -> Path:
    return home / "tempserver.json"


def lease_dir(home: Path) -> Path:
    return home / "tempserver.leases"


@contextlib.contextmanager
def locked(home: Path) -> Iterator[None]:
    """Adopting, starting and stopping the daemon of ``home`` one at a time."""
    home.mkdir(parents=True, exist_ok=True, mode=0o700)
    with open(home / "tempserver.lock", "a") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


def read_state(home: Path) -> dict | None:
    """The daemon's state when it runs, else None."""
    from evidex.pipeline.ledger import alive

    try:
        state = json.loads(state_path(home).read_text())
    except (OSError, ValueError):
        return None
    return state if alive(int(state["pid"]), state.get("pid_start")) else None


def lease_name(pid: int | None = None) -> str:
    from evidex.pipeline.ledger import process_start

    pid = pid or os.getpid()
    return f"{pid}-{process_start(pid)}"


def take_lease(home: Path) -> Path:
    lease_dir(home).mkdir(parents=True, exist_ok=True, mode=0o700)
    path = lease_dir(home) / lease_name()
    path.touch()
    return path


def spawn(home: Path, port: int, linger_s: float, log: Path) -> subprocess.Popen:
    """Start the daemon (call under ``locked``, after taking this process's lease) and note it in its state."""
    from evidex.pipeline.ledger import process_start

    with open(log, "ab") as out:
        proc = subprocess.Popen([sys.executable, "-m", "flows.tempdaemon", str(home), str(port), f"{linger_s:g}",
                                 str(log)], stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                start_new_session=True, close_fds=True)
    tmp = state_path(home).with_suffix(".tmp")
    tmp.write_text(json.dumps({"pid": proc.pid, "pid_start": process_start(proc.pid), "port": port,
                               "url": f"http://127.0.0.1:{port}/api", "linger_s": linger_s}))
    os.replace(tmp, state_path(home))
    return proc


def stop_lingering(home: Path, timeout_s: float = 20.0) -> bool:
    """Stop the lingering temporary server of ``home`` (runs using it lose their server); False when none ran."""
    from evidex.pipeline.ledger import alive

    state = read_state(home)
    if state is None:
        return False
    pid = int(state["pid"])
    for sig in (signal.SIGTERM, signal.SIGKILL):
        with contextlib.suppress(OSError):
            os.kill(pid, sig)
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline and alive(pid, state.get("pid_start")):
            time.sleep(0.1)
        if not alive(pid, state.get("pid_start")):
            break
    state_path(home).unlink(missing_ok=True)
    return True


def _leases(home: Path) -> tuple[list[Path], list[Path]]:
    """(live, dead) leases: a dead one is a process that ended without removing its lease."""
    from evidex.pipeline.ledger import alive

    live, dead = [], []
    for path in lease_dir(home).glob("*-*"):
        pid, _, start = path.name.partition("-")
        (live if pid.isdigit() and alive(int(pid), start or None) else dead).append(path)
    return live, dead


def _forget(home: Path) -> None:
    """Remove the state file if it is this daemon's."""
    try:
        if int(json.loads(state_path(home).read_text())["pid"]) == os.getpid():
            state_path(home).unlink(missing_ok=True)
    except (OSError, ValueError, KeyError):
        pass


def serve(home: Path, port: int, linger_s: float) -> int:
    """The daemon: Prefect's API as a child, stopped when a run is killed or no lease came for ``linger_s``."""
    from evidex.pipeline.lifeline import set_parent_death_signal

    env = {**os.environ, "PREFECT_UI_ENABLED": "0", "PREFECT__SERVER_EPHEMERAL": "1", "PREFECT__SERVER_FINAL": "1"}
    env.pop("PREFECT_API_URL", None)
    server = subprocess.Popen([sys.executable, "-m", "uvicorn", "--factory", "flows.tempapp:create",
                               "--host", "127.0.0.1", "--port", str(port), "--log-level", "error", "--lifespan",
                               "on"], env=env, stdin=subprocess.DEVNULL, preexec_fn=set_parent_death_signal)
    stopping: list[int] = []
    signal.signal(signal.SIGTERM, lambda *_: stopping.append(1))
    idle_since: float | None = None
    try:
        while not stopping and server.poll() is None:
            time.sleep(POLL_S)
            with locked(home):  # a run adopting the daemon takes this lock before its lease
                live, dead = _leases(home)
                for path in dead:
                    path.unlink(missing_ok=True)
                idle_since = None if live else (idle_since or time.monotonic())
                # a run using it was killed (nothing outlives it), or nobody came for linger_s
                if (dead and not live) or (idle_since is not None and time.monotonic() - idle_since > linger_s):
                    _forget(home)  # under the lock: no run adopts a daemon that is going
                    break
        with locked(home):
            _forget(home)
    finally:
        if server.poll() is None:
            server.terminate()
            try:
                server.wait(10)
            except subprocess.TimeoutExpired:
                server.kill()
    return 0


if __name__ == "__main__":
    sys.exit(serve(Path(sys.argv[1]), int(sys.argv[2]), float(sys.argv[3])))
