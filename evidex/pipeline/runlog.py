"""Library noise goes to the run log (``<data_dir>/logs/pipeline.log``), not to the analyst's console.

Python warnings of the main process (Pillow, PDF readers, scikit-learn…) are captured into the log. Worker
processes are forked from the forkserver, which inherits the standard error of whoever starts it: starting it
here with standard error pointed at the log sends every worker's warnings and helper output there too.
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import sys
from pathlib import Path

_configured: set[Path] = set()


def log_path(data_dir: Path) -> Path:
    return data_dir / "logs" / "pipeline.log"


def route_library_output(data_dir: Path) -> Path:
    """Send warnings of this process and all output of worker processes to the run log; returns its path."""
    path = log_path(data_dir)
    if path in _configured:
        return path
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    handler = logging.FileHandler(path, encoding="utf-8")
    handler.setFormatter(logging.Formatter("%(asctime)s %(process)d %(name)s %(levelname)s %(message)s"))
    logging.captureWarnings(True)
    warned = logging.getLogger("py.warnings")
    warned.addHandler(handler)
    warned.propagate = False
    _start_forkserver_into(path)
    _configured.add(path)
    return path


def _start_forkserver_into(path: Path) -> None:
    """Start the forkserver (if not yet running) with its standard error on ``path``."""
    from multiprocessing import forkserver

    if getattr(forkserver._forkserver, "_forkserver_pid", None):  # already running: leave it as it is
        return
    multiprocessing.get_context("forkserver")
    sys.stderr.flush()
    saved = os.dup(2)
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
    try:
        os.dup2(fd, 2)
        forkserver.ensure_running()
    finally:
        os.dup2(saved, 2)
        os.close(saved)
        os.close(fd)
