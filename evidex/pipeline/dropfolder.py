"""Drop folders: every settled sub-folder (or file) of a watched folder is ingested as one batch.

An entry is *settled* when two polls in a row saw the same files (path, size, modification time) and nothing in it
changed for ``settle_s`` seconds: a clerk may still be copying, and a copy that keeps the source's modification
times (``cp -a``) is still caught growing between polls.

An entry is *new or changed* by content: after a successful run the SHA-256 of every file it held is remembered,
so a touched, renamed or re-copied file whose bytes were already taken starts no run. Only files whose size or
modification time moved are hashed again, so an unchanged drop folder costs one directory walk per poll.
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
    exhibit_prefix: str = ""
    """Exhibit of each batch: this prefix and the entry's name."""


def _files(path: Path) -> Iterator[tuple[str, os.stat_result]]:
    walker: Iterator[tuple[str, list[str], list[str]]]
    walker = iter([(str(path.parent), [], [path.name])]) if path.is_file() else os.walk(path)
    for root, dirs, files in walker:
        dirs.sort()
        for name in sorted(files):
            full = os.path.join(root, name)
            try:
                st = os.lstat(full)
            except OSError:
                continue
            yield full, st


def _stats(path: Path) -> tuple[dict[str, list[int]], float]:
    """Every file of the entry as ``relative path -> [size, mtime_ns]``, and the newest modification time."""
    stats: dict[str, list[int]] = {}
    newest = 0.0
    for full, st in _files(path):
        newest = max(newest, st.st_mtime)
        stats[os.path.relpath(full, path) if path.is_dir() else path.name] = [st.st_size, st.st_mtime_ns]
    return stats, newest


def _sha256(path: Path) -> str | None:
    digest = hashlib.sha256()
    try:
        with path.open("rb") as fh:
            while block := fh.read(1 << 20):
                digest.update(block)
    except OSError:
        return None
    return digest.hexdigest()


class DropState:
    """What one drop folder's polls remember, in ``<data_dir>/watch/<key>.json``."""

    def __init__(self, settings: Settings, folder: Path) -> None:
        key = hashlib.sha256(str(folder.resolve()).encode()).hexdigest()[:16]
        self.path = settings.data_dir / "watch" / f"{key}.json"
        try:
            data = json.loads(self.path.read_text())
        except (OSError, ValueError):
            data = {}
        if data and "entries" not in data:  # the first format: entry name -> signature only
            data = {}
        self.entries: dict[str, dict[str, Any]] = data.get("entries", {})
        self.taken: set[str] = set(data.get("taken", []))

    def save(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.path.with_suffix(".tmp")
        tmp.write_text(json.dumps({"entries": self.entries, "taken": sorted(self.taken)}, ensure_ascii=False))
        os.replace(tmp, self.path)


@dataclass
class Decision:
    name: str
    action: str
    """``run`` | ``unchanged`` | ``settling`` | ``seen`` (every file's content was taken already)"""
    hashes: dict[str, str]


def _decide(entry: Path, state: DropState, settle_s: float, now: float) -> Decision:
    stats, newest = _stats(entry)
    known = state.entries.get(entry.name, {})
    if known.get("done") == stats:
        return Decision(entry.name, "unchanged", {})
    if known.get("seen") != stats or now - newest < settle_s:
        state.entries[entry.name] = {**known, "seen": stats}
        return Decision(entry.name, "settling", {})
    old_stats, old_hashes = known.get("done") or {}, known.get("hashes") or {}
    hashes: dict[str, str] = {}
    for rel, stat in stats.items():
        if old_stats.get(rel) == stat and rel in old_hashes:
            hashes[rel] = old_hashes[rel]
        elif (digest := _sha256(entry / rel if entry.is_dir() else entry)) is not None:
            hashes[rel] = digest
    if hashes and all(h in state.taken for h in hashes.values()):
        state.entries[entry.name] = {"seen": stats, "done": stats, "hashes": hashes}
        return Decision(entry.name, "seen", hashes)
    return Decision(entry.name, "run", hashes)


def poll_once(drop: DropFolder, settings: Settings, run: Callable[[BatchSpec], Any],
              now: float | None = None, decisions: list[Decision] | None = None) -> list[Any]:
    """Ingest every settled, new or changed entry of the drop folder; returns the summaries of what ran.

    ``decisions``, when given, receives what was decided for every entry (for the run report)."""
    state = DropState(settings, drop.path)
    now = time.time() if now is None else now
    ran = []
    for entry in sorted(drop.path.iterdir()) if drop.path.is_dir() else []:
        if entry.name.startswith("."):
            continue
        decision = _decide(entry, state, drop.settle_s, now)
        if decisions is not None:
            decisions.append(decision)
        if decision.action != "run":
            continue
        state.save()  # what this poll saw survives a run that kills the process
        spec = BatchSpec(entry.resolve(), drop.agency, drop.case_id, exhibit=drop.exhibit_prefix + entry.name,
                         submitted_by=f"drop:{drop.path}", shared_with=drop.shared_with)
        summary = run(spec)
        ran.append(summary)
        if getattr(summary, "stopped", None):  # stopped half way (cluster away): taken again next poll
            continue
        stats = state.entries[entry.name]["seen"]
        state.entries[entry.name] = {"seen": stats, "done": stats, "hashes": decision.hashes}
        state.taken.update(decision.hashes.values())
    state.save()
    return ran
