"""Test-only extractor whose module takes seconds to import (as a worker's imports do on a busy machine)."""

from __future__ import annotations

import multiprocessing
import time
from pathlib import Path

from extractors.base import ExtractContext, Extracted, Status
from extractors.registry import PRIORITY_FORMAT, Registration

IMPORT_S = 4.0
if multiprocessing.parent_process() is not None:  # in a pool worker, not in the test that names it
    time.sleep(IMPORT_S)


def extract_quick(path: Path, ctx: ExtractContext) -> Extracted:
    """Reads the file at once."""
    return Extracted(status=Status.OK, text=path.read_text())


SLOW_START = (
    Registration("test-slowstart", (), ("evidexquick",), PRIORITY_FORMAT, "slowstart_extractors:extract_quick"),
)
