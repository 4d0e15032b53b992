"""Drop folders: every settled sub-folder (or file) of a watched folder is ingested as one batch.

A sub-folder is settled when nothing in it changed for ``settle_s`` seconds (a clerk may still be copying).
Its signature (every file's path, size and modification time) is remembered after a successful run, so an
unchanged sub-folder costs one directory walk per poll, and a changed one is ingested again, which adds only
what is new.
"""

from __future__ import annotations

import hashlib
import json
import os
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from evidex.pipeline.batch import BatchSpec
from evidex.settings import Settings


@dataclass(frozen=True)
class DropFolder:
    path: Path
    agency: str
    case_id: str
    shared_with: tuple[str, ...] = ()
    settle_s: float = 30.0


def _signature(path: Path) -> tuple[str, float]:
    """A digest of every file's path, size and mtime, and the newest mtime."""
    entries = []
    newest = 0.0
    walker: Iterator[tuple[str, list[str], list[str]]]
    walker = iter([(str(path.parent), [], [path.name])]) if path.is_file() else os.walk(path)
    for root, dirs, files in walker:
        dirs.sort()
        for name in sorted(files):
            try:
                st = os.lstat(os.path.join(root, name))
            except OSError:
                continue
            newest = max(newest, st.st_mtime)
            entries.append(f"{os.path.relpath(os.path.join(root, name), path)}\t{st.st_size}\t{st.st_mtime_ns}")
    return hashlib.sha256("\n".join(entries).encode()).hexdigest(), newest


def poll_once(drop: DropFolder, settings: Settings, run: Callable[[BatchSpec], Any],
              now: float | None = None) -> list[Any]:
    """Ingest every settled, new or changed entry of the drop folder; returns the summaries of what ran."""
    key = hashlib.sha256(str(drop.path.resolve()).encode()).hexdigest()[:16]
    state_path = settings.data_dir / "watch" / f"{key}.json"
    state: dict[str, str] = json.loads(state_path.read_text()) if state_path.exists() else {}
    now = time.time() if now is None else now
    ran = []
    for entry in sorted(drop.path.iterdir()) if drop.path.is_dir() else []:
        if entry.name.startswith("."):
            continue
        signature, newest = _signature(entry)
        if state.get(entry.name) == signature or now - newest < drop.settle_s:
            continue
        spec = BatchSpec(entry.resolve(), drop.agency, drop.case_id, exhibit=entry.name,
                         submitted_by=f"drop:{drop.path}", shared_with=drop.shared_with)
        summary = run(spec)
        ran.append(summary)
        if getattr(summary, "stopped", None):  # stopped half way (cluster away): taken again next poll
            continue
        state[entry.name] = signature
        state_path.parent.mkdir(parents=True, exist_ok=True)
        state_path.write_text(json.dumps(state, ensure_ascii=False))
    return ran
