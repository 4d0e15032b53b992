"""Test-only extractors that misbehave on purpose (loaded into pool workers by import path)."""

from __future__ import annotations

import time
from pathlib import Path

from extractors.base import ExtractContext, Extracted, Status
from extractors.registry import PRIORITY_FORMAT, Registration


def extract_slow(path: Path, ctx: ExtractContext) -> Extracted:
    """Never finishes (sleeps far past any time limit)."""
    time.sleep(3600)
    return Extracted(status=Status.OK, text="unreachable")


def extract_hog(path: Path, ctx: ExtractContext) -> Extracted:
    """Allocates memory until the worker's limit stops it."""
    blocks = []
    while True:
        blocks.append(bytearray(64 * 1024 * 1024))


def extract_crash(path: Path, ctx: ExtractContext) -> Extracted:
    """Kills its own process, as a segfaulting parser would."""
    import os
    import signal

    os.kill(os.getpid(), signal.SIGSEGV)
    return Extracted(status=Status.OK)


HOSTILE = (
    Registration("test-slow", (), ("evidexslow",), PRIORITY_FORMAT, "hostile_extractors:extract_slow"),
    Registration("test-hog", (), ("evidexhog",), PRIORITY_FORMAT, "hostile_extractors:extract_hog"),
    Registration("test-crash", (), ("evidexcrash",), PRIORITY_FORMAT, "hostile_extractors:extract_crash"),
)
