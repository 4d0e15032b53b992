"""Exact distinct counts in bounded memory: keyed hashes spilled to disk in hash-prefix partitions.

Each file's scan appends ``(hash, source)`` records to ``<dir>/<label>/<pp>.bin`` (``pp`` = first hash byte),
buffering at most ``buffer_bytes``. Counting reads one partition of every file at a time (1/256 of the keys),
sorts it and counts distinct hashes, distinct hashes per source, and hashes shared by two sources or two groups
(agencies). Memory is bounded by the largest partition, never by the number of people.
"""

from __future__ import annotations

import shutil
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from evidex.census.values import HASH_BYTES

PARTITIONS = 256
RECORD = np.dtype([("h", f"S{HASH_BYTES}"), ("s", "<u2")])
_VOID = np.dtype(f"V{RECORD.itemsize}")


class HashSpill:
    """Appends one scan's keyed hashes to partition files under ``root`` (one source number per scan).

    ``appender(label)`` gives the bare ``list.append`` a hot loop calls; the loop calls ``maybe_flush`` now and
    then, which writes the buffers once they hold ``buffer_bytes``.
    """

    def __init__(self, root: Path, source: int, buffer_bytes: int = 16 * 1024 * 1024) -> None:
        self.root = root
        self.source = int(source)
        self.limit = max(1, buffer_bytes // RECORD.itemsize)
        self.pending: dict[str, list[bytes]] = {}
        self.written: Counter[str] = Counter()

    def appender(self, label: str) -> Callable[[bytes], None]:
        return self.pending.setdefault(label, []).append

    def add(self, label: str, digest: bytes) -> None:
        self.appender(label)(digest)
        self.maybe_flush()

    def added(self, label: str) -> int:
        """Hashes of ``label`` taken so far (written or buffered)."""
        return self.written[label] + len(self.pending.get(label, ()))

    def maybe_flush(self) -> None:
        if sum(map(len, self.pending.values())) >= self.limit:
            self.flush()

    def flush(self) -> None:
        for label, buffer in self.pending.items():
            if not buffer:
                continue
            records = np.empty(len(buffer), dtype=RECORD)
            records["h"] = np.frombuffer(b"".join(buffer), dtype=f"S{HASH_BYTES}")
            records["s"] = self.source
            first = np.frombuffer(records["h"].tobytes(), dtype=np.uint8)[::HASH_BYTES]
            order = np.argsort(first, kind="stable")
            records, first = records[order], first[order]
            bounds = np.searchsorted(first, np.arange(PARTITIONS + 1))
            folder = self.root / label
            folder.mkdir(parents=True, exist_ok=True)
            for part in np.flatnonzero(np.diff(bounds)):
                with open(folder / f"{part:02x}.bin", "ab") as out:
                    out.write(records[bounds[part] : bounds[part + 1]].tobytes())
            self.written[label] += len(buffer)
            buffer.clear()

    def discard(self) -> None:
        for buffer in self.pending.values():
            buffer.clear()
        shutil.rmtree(self.root, ignore_errors=True)


@dataclass
class Distinct:
    """Distinct keyed hashes of one type: in total, per source, per group, and shared by pairs of them."""

    total: int = 0
    per_source: Counter[int] = field(default_factory=Counter)
    per_group: Counter[str] = field(default_factory=Counter)
    source_pairs: Counter[tuple[int, int]] = field(default_factory=Counter)
    group_pairs: Counter[tuple[str, str]] = field(default_factory=Counter)
    in_several_sources: int = 0


def _pairs(keys: np.ndarray, members: np.ndarray) -> Counter[tuple[int, int]]:
    """For rows sorted by ``keys`` with distinct (key, member), how many keys each pair of members shares."""
    found: Counter[tuple[int, int]] = Counter()
    n = len(keys)
    gap = 1
    while gap < n:
        same = keys[gap:] == keys[:-gap]
        if not same.any():
            break
        a, b = members[:-gap][same], members[gap:][same]
        low, high = np.minimum(a, b).astype(np.int64), np.maximum(a, b).astype(np.int64)
        combined, counts = np.unique(low * 65536 + high, return_counts=True)
        for value, count in zip(combined.tolist(), counts.tolist()):
            found[(value // 65536, value % 65536)] += count
        gap += 1
    return found


def count_distinct(roots: Sequence[Path], label: str, groups: Sequence[str]) -> Distinct:
    """Distinct counts of ``label`` over the spills of several scans; ``groups[source]`` names its group."""
    result = Distinct()
    group_names = sorted(set(groups))
    group_of = np.array([group_names.index(g) for g in groups] or [0], dtype=np.int64)
    for part in range(PARTITIONS):
        pieces = [np.fromfile(path, dtype=RECORD) for root in roots
                  if (path := root / label / f"{part:02x}.bin").is_file()]
        if not pieces:
            continue
        records = np.unique(np.concatenate(pieces).view(_VOID)).view(RECORD)  # sorted, (hash, source) distinct
        hashes, sources = records["h"], records["s"].astype(np.int64)
        new = np.ones(len(hashes), dtype=bool)
        new[1:] = hashes[1:] != hashes[:-1]
        result.total += int(new.sum())
        group_id = np.cumsum(new)
        result.in_several_sources += int(np.count_nonzero(np.bincount(group_id) > 1))
        result.per_source.update(dict(zip(*map(np.ndarray.tolist, np.unique(sources, return_counts=True)))))
        result.source_pairs.update(_pairs(group_id, sources))
        by_group = np.unique(group_id * 4096 + group_of[sources])
        people, owners = by_group // 4096, by_group % 4096
        for owner, count in zip(*map(np.ndarray.tolist, np.unique(owners, return_counts=True))):
            result.per_group[group_names[owner]] += count
        for (a, b), count in _pairs(people, owners).items():
            result.group_pairs[(group_names[a], group_names[b])] += count
    return result


def labels_in(roots: Iterable[Path]) -> list[str]:
    """Every identifier type some scan spilled."""
    return sorted({p.name for root in roots if root.is_dir() for p in root.iterdir()
                   if p.is_dir() and not p.name.startswith("part")})  # part<k>: a worker's own spill
