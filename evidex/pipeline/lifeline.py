"""No worker outlives the run that started it.

Two guards:

* ``arm_worker(main_pid)`` runs in every worker initialiser: the kernel kills the worker when its parent dies
  (``PR_SET_PDEATHSIG``), and a watchdog thread ends it when the run's main process is gone (a worker started
  through the forkserver has the forkserver, not the run, as its parent).
* ``start_reaper()`` starts a small guardian process in its own session. It keeps a list of the run's
  descendant processes (re-read every second) and, when the run's process dies without saying goodbye (its
  pipe closes: ``kill -9``), kills every one of them with its process group: extraction workers, which put
  themselves in their own groups, helpers such as tesseract, the forkserver and Prefect's temporary server.
  The local Elasticsearch node and anything in another session are left alone.

Run as ``python -m evidex.pipeline.lifeline PID`` it is the guardian itself.
"""

from __future__ import annotations

import atexit
import ctypes
import os
import select
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

PR_SET_PDEATHSIG = 1
POLL_S = 1.0
SPARED = (b"org.elasticsearch", b"elasticsearch")

_reaper: subprocess.Popen | None = None


def set_parent_death_signal(sig: int = signal.SIGKILL) -> bool:
    """Ask the kernel to send ``sig`` to this process when its parent dies (Linux); False where unsupported."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        return libc.prctl(PR_SET_PDEATHSIG, int(sig), 0, 0, 0) == 0
    except (OSError, AttributeError):
        return False


def _stat(pid: int) -> tuple[int, str, int, int] | None:
    """(parent pid, start time, session id, process group) of ``pid``; None when gone or a zombie."""
    try:
        raw = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    fields = raw[raw.rindex(")") + 2 :].split()
    if fields[0] in ("Z", "X"):
        return None
    return int(fields[1]), fields[19], int(fields[3]), int(fields[2])


def _watch_main(main_pid: int, started: str | None) -> None:
    while True:
        time.sleep(POLL_S)
        now = _stat(main_pid)
        if now is None or (started is not None and now[1] != started):
            os._exit(70)


def arm_worker(main_pid: int) -> None:
    """In a worker process: die with the parent, and with the run's main process ``main_pid``."""
    set_parent_death_signal()
    main = _stat(main_pid)
    if main is None:
        os._exit(70)
    threading.Thread(target=_watch_main, args=(main_pid, main[1]), name="evidex-lifeline", daemon=True).start()


def start_reaper() -> None:
    """Start the guardian for this process (once); it says goodbye and leaves at a normal exit."""
    global _reaper
    if _reaper is not None and _reaper.poll() is None:
        return
    _reaper = subprocess.Popen(
        [sys.executable, "-m", "evidex.pipeline.lifeline", str(os.getpid())],
        stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True,
        close_fds=True,
    )
    atexit.register(stop_reaper)


def stop_reaper() -> None:
    """Tell the guardian the run ended normally."""
    global _reaper
    if _reaper is None:
        return
    try:
        assert _reaper.stdin is not None
        _reaper.stdin.write(b"bye\n")
        _reaper.stdin.close()
        _reaper.wait(5)
    except (OSError, ValueError, subprocess.TimeoutExpired):
        pass
    _reaper = None


def descendants(root: int) -> dict[int, tuple[str, int, int]]:
    """Every live descendant of ``root``: pid → (start time, session, process group)."""
    table: dict[int, tuple[int, str, int, int]] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit() and (info := _stat(int(entry))) is not None:
            table[int(entry)] = info
    found: dict[int, tuple[str, int, int]] = {}
    frontier = [root]
    while frontier:
        parent = frontier.pop()
        for pid, (ppid, start, sid, pgid) in table.items():
            if ppid == parent and pid not in found:
                found[pid] = (start, sid, pgid)
                frontier.append(pid)
    return found


def _spared(pid: int) -> bool:
    try:
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return True
    return any(mark in cmdline for mark in SPARED)


def _reap(known: dict[int, tuple[str, int, int]], session: int) -> None:
    me = os.getpid()
    for pid, (start, sid, pgid) in known.items():
        now = _stat(pid)
        if pid == me or now is None or now[1] != start or sid != session or _spared(pid):
            continue
        if pgid == pid:  # a group leader (extraction workers are): its helpers go with it
            try:
                os.killpg(pgid, signal.SIGKILL)
            except OSError:
                pass
        try:
            os.kill(pid, signal.SIGKILL)
        except OSError:
            pass


def guard(main_pid: int) -> None:
    """The guardian's loop: watch ``main_pid`` and its descendants until goodbye or its death."""
    main = _stat(main_pid)
    if main is None:
        return
    session = main[2]
    known: dict[int, tuple[str, int, int]] = {}
    stdin = sys.stdin.buffer
    while True:
        ready, _, _ = select.select([stdin], [], [], POLL_S)
        if ready:
            line = stdin.readline()
            if line.strip() == b"bye":
                return
            if not line:  # the pipe closed without goodbye: the run's process died
                break
        now = _stat(main_pid)
        if now is None or now[1] != main[1]:
            break
        for pid, info in descendants(main_pid).items():
            known[pid] = info
        known = {pid: info for pid, info in known.items() if (s := _stat(pid)) is not None and s[1] == info[0]}
    for _ in range(3):  # a process may still be forking: look again briefly
        for pid, info in descendants(main_pid).items():
            known.setdefault(pid, info)
        for pid in list(known):
            for child, info in descendants(pid).items():
                known.setdefault(child, info)
        _reap(known, session)
        time.sleep(0.2)


if __name__ == "__main__":
    guard(int(sys.argv[1]))
