"""A lingering temporary Prefect server (``prefect_linger_s``): the next run adopts it instead of booting one,
it stops once idle for its linger, and at once when the run using it is killed."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from flows.serverctl import answers
from flows.tempdaemon import read_state

pytestmark = pytest.mark.slow

REPO = Path(__file__).resolve().parents[2]
RUN = """
import os, sys, time
from evidex.settings import load_settings
from flows.runtime import configure_prefect
from flows import tempserver
settings = load_settings(data_dir=sys.argv[1], prefect_linger_s=float(sys.argv[2]))
configure_prefect(settings, early=True)
url = os.environ["PREFECT_API_URL"]
if sys.argv[3] == "wait":
    tempserver.await_api()
print(url, flush=True)
if sys.argv[3] == "hold":
    time.sleep(600)
"""


def _run(data: Path, home: Path, linger: float, mode: str) -> subprocess.Popen:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PREFECT_")}
    env.update(PREFECT_HOME=str(home), EVIDEX_DATA_DIR=str(data))
    return subprocess.Popen([sys.executable, "-c", RUN, str(data), str(linger), mode], env=env, cwd=REPO,
                            stdout=subprocess.PIPE, text=True)


def _until(check, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return True
        time.sleep(0.2)
    return check()


def test_a_lingering_server_is_adopted_expires_and_dies_with_a_killed_run(tmp_path: Path) -> None:
    data, home = tmp_path / "data", tmp_path / "prefect"
    first = _run(data, home, 8, "wait")
    url = first.communicate(timeout=300)[0].strip()
    assert first.returncode == 0 and answers(url)  # its run ended: the server lingers
    daemon = read_state(home)
    assert daemon and daemon["url"] == url

    second = _run(data, home, 8, "wait")
    started = time.monotonic()
    assert second.communicate(timeout=120)[0].strip() == url  # adopted: no boot of its own
    assert time.monotonic() - started < 60 and read_state(home)["pid"] == daemon["pid"]
    assert not list((home / "tempserver.leases").iterdir())  # both runs said goodbye

    assert _until(lambda: read_state(home) is None, 60)  # idle past its linger: gone
    assert _until(lambda: not answers(url), 10)  # its server process goes a moment after the daemon

    held = _run(data, home, 300, "hold")
    assert held.stdout.readline().strip().startswith("http://127.0.0.1:")
    state = read_state(home)
    assert state and json.loads((home / "tempserver.json").read_text())["pid"] == state["pid"]
    os.kill(held.pid, signal.SIGKILL)  # the run using it is killed: nothing outlives it
    held.wait()
    assert _until(lambda: read_state(home) is None, 10)
