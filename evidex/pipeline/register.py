"""Registering a batch, free of Prefect: list and hash its files, store them, write the manifest, queue items.

``batch_key`` names a batch from its listing without storing anything, so a re-run of a finished batch is
recognised from the catalogue before any orchestration starts.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime, timezone
from functools import partial
from pathlib import Path
from typing import Any

from evidex.custody.catalog import Item, ItemCatalog, item_id_for
from evidex.custody.store import BlobStore, hash_file


UNREAD = ""
"""The ``sha256`` of an item whose file could not be read into the store (nothing to extract)."""


@dataclass(frozen=True)
class BatchSpec:
    """What a clerk hands over: a path and its manifest fields."""

    source: Path
    agency: str
    case_id: str
    exhibit: str | None = None
    submitted_by: str | None = None
    passwords: tuple[str, ...] = ()
    shared_with: tuple[str, ...] = ()
    ocr_languages: str | None = None


def spec_of_stored_batch(row: dict[str, Any], passwords: tuple[str, ...] = ()) -> BatchSpec:
    """The spec a stored batch was ingested with (passwords are never stored: give them again)."""
    return BatchSpec(
        source=Path(row["source"] or "."), agency=row["agency"], case_id=row["case_id"], exhibit=row["exhibit"],
        submitted_by=row["submitted_by"], passwords=passwords,
        shared_with=tuple(json.loads(row.get("shared_with") or "[]")), ocr_languages=row.get("ocr_languages"),
    )


@dataclass(frozen=True)
class BatchInfo:
    batch_id: str
    files: int
    bytes: int
    new: bool
    unreadable: tuple[tuple[str, str], ...] = ()


def readable_name(name: str) -> tuple[str, str | None]:
    """A file name as text, and its raw bytes (hex) when they were not UTF-8.

    Names from Korean Windows machines are often CP949 bytes, which Python keeps as lone surrogates; they are
    decoded as CP949 when that works, else with replacement characters, and the raw bytes are kept.
    """
    try:
        name.encode("utf-8")
        return name, None
    except UnicodeEncodeError:
        raw = os.fsencode(name)
    try:
        text = raw.decode("cp949")
    except UnicodeDecodeError:
        text = raw.decode("utf-8", "replace")
    return text, raw.hex()


def _walk(source: Path) -> list[tuple[Path, str]]:
    """Every regular file under ``source`` with its path relative to the upload, sorted; links not followed."""
    if source.is_file():
        return [(source, source.name)]
    found: list[tuple[Path, str]] = []
    for root, dirs, files in os.walk(source, followlinks=False):
        dirs.sort()
        for name in sorted(files):
            path = Path(root) / name
            found.append((path, path.relative_to(source).as_posix()))
    return found


Hasher = Callable[[Path], tuple[str, int]]
HASH_THREADS = 8
"""Threads that hash and store a batch's files (``list_batch``), ``HASH_WINDOW`` files at a time."""
HASH_WINDOW = 512


@dataclass(frozen=True)
class Listing:
    """The files of an upload with their hashes, and the batch id they name."""

    batch_id: str
    source_name: str
    entries: tuple[dict[str, Any], ...]
    unreadable: tuple[tuple[str, str], ...]

    @property
    def bytes(self) -> int:
        return sum(e["size"] for e in self.entries)


def _hashed(hasher: Hasher, path: Path) -> tuple[str, int] | OSError:
    try:
        return hasher(path)
    except OSError as exc:
        return exc


def list_batch(spec: BatchSpec, hasher: Hasher) -> Listing:
    """Walk the upload, hash each file with ``hasher`` (which may also store it) and name the batch.

    The files are hashed (and stored) by ``HASH_THREADS`` threads, in the listing's order: creating a file and
    its fan-out folders in the store waits on the disk far more than on the CPU (300 small files stored in
    0.35 s by one thread, 0.08 s by eight, on this machine's ext4)."""
    entries: list[dict[str, Any]] = []
    unreadable: list[tuple[str, str]] = []
    files: list[tuple[Path, str, str | None]] = []
    order: dict[str, int] = {}  # unreadable files in the listing's order
    for path, raw_rel in _walk(spec.source):
        rel, raw_hex = readable_name(raw_rel)
        order[rel] = len(order)
        if path.is_symlink() or not path.is_file():
            unreadable.append((rel, "not a regular file (link or device); not followed"))
            continue
        files.append((path, rel, raw_hex))
    with ThreadPoolExecutor(max_workers=max(1, min(HASH_THREADS, len(files))),
                            thread_name_prefix="evidex-hash") as pool:
        hashed = partial(_hashed, hasher)
        # a window at a time: a million-file upload does not hold a million futures
        results = (got for k in range(0, len(files), HASH_WINDOW)
                   for got in pool.map(hashed, [path for path, _, _ in files[k : k + HASH_WINDOW]]))
        for (_, rel, raw_hex), got in zip(files, results):
            if isinstance(got, OSError):
                unreadable.append((rel, f"could not be read: {got.strerror or got}"))
                continue
            sha, size = got
            entry: dict[str, Any] = {"path": rel, "size": size, "sha256": sha}
            if raw_hex:
                entry["path_bytes"] = raw_hex
            entries.append(entry)
    unreadable.sort(key=lambda u: order[u[0]])
    listing = "\n".join(f"{e['path']}\t{e['sha256']}" for e in entries)
    source_name = readable_name(str(spec.source.resolve()))[0]
    key = "\x00".join([spec.agency, spec.case_id, spec.exhibit or "", source_name, listing])
    return Listing(hashlib.sha256(key.encode()).hexdigest()[:24], source_name, tuple(entries), tuple(unreadable))


def batch_key(spec: BatchSpec) -> Listing:
    """The listing and batch id of ``spec`` from hashing alone (nothing stored, nothing recorded)."""
    return list_batch(spec, hash_file)


def register_batch(store: BlobStore, catalog: ItemCatalog, spec: BatchSpec) -> BatchInfo:
    """Hash and store every file, write the manifest and the custody record, and queue the items."""
    store.ensure()

    def put(path: Path) -> tuple[str, int]:
        blob = store.put(path)
        return blob.sha256, blob.size

    listed = list_batch(spec, put)
    batch_id, source_name = listed.batch_id, listed.source_name
    entries, unreadable = list(listed.entries), list(listed.unreadable)
    known = catalog.batch(batch_id)
    total = sum(e["size"] for e in entries)
    if known is None:
        manifest = {
            "batch_id": batch_id,
            "agency": spec.agency,
            "case_id": spec.case_id,
            "exhibit": spec.exhibit,
            "submitted_by": spec.submitted_by,
            "received_at": datetime.now(timezone.utc).isoformat(),
            "source": source_name,
            "files": entries,
            "unreadable": [{"path": p, "reason": r} for p, r in unreadable],
            "shared_with": list(spec.shared_with),
            "hash_algorithm": "sha256",
        }
        manifest_sha = store.write_manifest(batch_id, manifest)
        store.custody.append(
            "batch_received", batch_id=batch_id, agency=spec.agency, case_id=spec.case_id,
            exhibit=spec.exhibit, submitted_by=spec.submitted_by, files=len(entries), bytes=total,
            manifest_sha256=manifest_sha,
        )
        roots = [
            Item(
                item_id=(iid := item_id_for(spec.agency, spec.case_id, spec.exhibit, None, e["path"], e["sha256"])),
                batch_id=batch_id, sha256=e["sha256"], size=e["size"], path=e["path"],
                name=Path(e["path"]).name, parent_id=None, root_id=iid, depth=0,
                agency=spec.agency, case_id=spec.case_id, exhibit=spec.exhibit,
            )
            for e in entries
        ]
        # Files that could not be read still become documents (status error, with the reason).
        roots += [
            Item(
                item_id=(iid := item_id_for(spec.agency, spec.case_id, spec.exhibit, None, rel, UNREAD)),
                batch_id=batch_id, sha256=UNREAD, size=0, path=rel, name=Path(rel).name, parent_id=None,
                root_id=iid, depth=0, agency=spec.agency, case_id=spec.case_id, exhibit=spec.exhibit, reason=why,
            )
            for rel, why in unreadable
        ]
        catalog.add_items(roots)
        catalog.adopt_pending(batch_id, [r.item_id for r in roots])
        catalog.add_batch(
            batch_id=batch_id, agency=spec.agency, case_id=spec.case_id, exhibit=spec.exhibit,
            submitted_by=spec.submitted_by, received_at=manifest["received_at"], source=manifest["source"],
            manifest_sha256=manifest_sha, files=len(entries), bytes=total,
            shared_with=json.dumps(list(spec.shared_with)), ocr_languages=spec.ocr_languages,
        )
    return BatchInfo(batch_id, len(entries), total, known is None, tuple(unreadable))
