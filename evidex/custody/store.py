"""Content-addressed evidence store: originals by SHA-256, never modified.

Layout under the store directory::

    blobs/ab/cd/<sha256>     read-only original bytes (written once, via a temporary file and rename)
    manifests/<batch>.json   what a batch delivered: who, when, every file's path, size and hash
    custody.jsonl            the keyed hash-chained custody log (see ``evidex.custody.log``)
    custody.key              the chain's key (0600)
    catalog.sqlite           items (occurrences of blobs) and their processing state

``verify`` re-hashes every blob and cross-checks the chain, the manifests, the catalogue, the stored blobs and the
custody heads kept elsewhere (receipts, the audit index), so a removed last line, a removed manifest or a rewritten
chain is named even when the chain left behind is consistent.

``BlobStore`` holds what every store does the same way (custody events, the checks); ``EvidenceStore`` keeps the
blobs in a directory, ``evidex.custody.store_s3.S3EvidenceStore`` in an S3 bucket under the same names
(``open_store`` in ``evidex.custody.backends`` picks by ``EVIDEX_STORE_URL``). Either may be given the custody log
and the catalogue's batch list of a PostgreSQL catalogue instead of the files next to it.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
import sqlite3
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from evidex.custody.log import Anchor, CustodyLog

READ_CHUNK = 1024 * 1024


def copy_hashing(source: Path, tmp_dir: Path) -> tuple[str, str, int]:
    """Copy ``source`` to a new temporary file in ``tmp_dir`` while hashing it: (its name, SHA-256, size)."""
    tmp_dir.mkdir(parents=True, exist_ok=True)
    digest, size = hashlib.sha256(), 0
    fd, tmp_name = tempfile.mkstemp(dir=tmp_dir, prefix="in-")
    try:
        with os.fdopen(fd, "wb") as out, open(source, "rb") as src:
            while chunk := src.read(READ_CHUNK):
                digest.update(chunk)
                size += len(chunk)
                out.write(chunk)
    except BaseException:
        os.unlink(tmp_name)
        raise
    return tmp_name, digest.hexdigest(), size


@dataclass(frozen=True)
class StoredBlob:
    sha256: str
    size: int
    new: bool


@dataclass(frozen=True)
class StoreProblem:
    """Something in the store that does not prove itself; ``kind`` as in ``ChainProblem`` (or ``unrecorded``)."""

    what: str
    reason: str
    kind: str = "tamper"


def receipt_anchor(path: Path) -> tuple[Anchor | None, dict[str, Any]]:
    """The custody head a receipt file names (``None`` for receipts from before heads), and the receipt."""
    return receipt_anchor_of(path.read_bytes(), f"receipt {path.name}")


def receipt_anchor_of(raw: bytes, where: str) -> tuple[Anchor | None, dict[str, Any]]:
    data = json.loads(raw.decode("utf-8"))
    head = data.get("custody_head") or {}
    if "seq" not in head or "hash" not in head:
        return None, data
    return Anchor(int(head["seq"]), str(head["hash"]), where), data


def hash_file(path: Path) -> tuple[str, int]:
    """SHA-256 and size of a file, streamed."""
    digest = hashlib.sha256()
    size = 0
    with open(path, "rb") as fh:
        while chunk := fh.read(READ_CHUNK):
            digest.update(chunk)
            size += len(chunk)
    return digest.hexdigest(), size


class BlobStore:
    """What every evidence store does the same way; subclasses say where blobs and manifests live.

    ``root`` is always a local directory: temporary work files, and for an object store its read cache.
    """

    root: Path
    custody: Any
    catalogued: Callable[[], set[str]] | None = None
    """The batch ids of the catalogue (default: the SQLite catalogue in ``root``)."""

    # -- where things live (subclasses) -----------------------------------------
    def ensure(self) -> "BlobStore":
        raise NotImplementedError

    def blob_path(self, sha256: str) -> Path:
        """A local file holding the blob (for an object store: a verified copy in its cache)."""
        raise NotImplementedError

    def put(self, source: Path) -> StoredBlob:
        raise NotImplementedError

    def has_blob(self, sha256: str) -> bool:
        raise NotImplementedError

    def blob_digests(self) -> Iterator[tuple[str, str]]:
        """Every stored blob's name and the SHA-256 of its bytes now (streamed)."""
        raise NotImplementedError

    def write_manifest(self, batch_id: str, manifest: dict) -> str:
        raise NotImplementedError

    def manifest_bytes(self, batch_id: str) -> bytes | None:
        raise NotImplementedError

    def manifest_ids(self) -> list[str]:
        raise NotImplementedError

    def read_manifest(self, batch_id: str) -> dict:
        data = self.manifest_bytes(batch_id)
        if data is None:
            raise FileNotFoundError(f"no manifest for batch {batch_id}")
        return json.loads(data)

    @staticmethod
    def manifest_data(manifest: dict) -> bytes:
        return json.dumps(manifest, sort_keys=True, ensure_ascii=False, indent=1).encode()

    # -- receipts: a shared store keeps a copy of each, so every machine checks (and can show) them --------
    def put_receipt(self, batch_id: str, data: bytes) -> None:
        """Keep a copy of a batch receipt with the evidence (the directory store: none, it is on one machine)."""

    def stored_receipts(self) -> Iterator[tuple[str, bytes]]:
        """The receipts this store keeps a copy of: (batch id, bytes)."""
        return iter(())

    def receipt_bytes(self, batch_id: str) -> bytes | None:
        return None

    def custody_events(self, batch_id: str, sha256: str) -> list[dict]:
        """Custody records concerning one original: its batch's receipt and the derivations that produced it."""
        events = []
        for record in self.custody.records():
            if record.get("event") == "batch_received" and record.get("batch_id") == batch_id:
                events.append(record)
            elif record.get("event") == "items_derived" and any(c[1] == sha256 for c in record.get("children", [])):
                events.append({**record, "children": [c for c in record["children"] if c[1] == sha256]})
        return events

    def verify(self, anchors: Iterable[Anchor] = (), receipts: Iterable[Path] = ()) -> tuple[int, list[StoreProblem]]:
        """Re-hash every blob; check the custody chain against ``anchors`` and the heads of ``receipts``, every
        manifest against its custody record, the catalogue's batches, and that every blob is accounted for.

        Returns the number of blobs checked and the problems found (empty: intact).
        """
        problems: list[StoreProblem] = []
        heads = list(anchors)
        given: set[bytes] = set()
        for path in receipts:
            try:
                given.add(path.read_bytes())
                anchor, data = receipt_anchor(path)
            except (OSError, ValueError) as exc:
                problems.append(StoreProblem(f"receipt {path.name}", f"cannot be read: {exc}"))
                continue
            if anchor is not None:
                heads.append(anchor)
            problems += self._check_receipt(path.name, data)
        for batch_id, raw in self.stored_receipts():  # those another machine wrote (a copy checked once)
            if raw in given:
                continue
            try:
                anchor, data = receipt_anchor_of(raw, f"stored receipt {batch_id}")
            except ValueError as exc:
                problems.append(StoreProblem(f"stored receipt {batch_id}", f"cannot be read: {exc}"))
                continue
            if anchor is not None:
                heads.append(anchor)
            problems += self._check_receipt(f"stored receipt {batch_id}", data)
        manifests = {batch_id: self.manifest_bytes(batch_id) or b"" for batch_id in sorted(self.manifest_ids())}
        names: dict[str, list[str]] = {}
        listed: list[tuple[str, str]] = []
        for batch_id, data in manifests.items():
            try:
                files = json.loads(data).get("files", [])
            except ValueError:
                problems.append(StoreProblem(f"manifest {batch_id}", "is not valid JSON"))
                continue
            for entry in files:
                names.setdefault(entry["sha256"], []).append(entry["path"])
                listed.append((entry["path"], entry["sha256"]))
        checked = 0
        stored: set[str] = set()
        for name, sha in self.blob_digests():
            checked += 1
            stored.add(name)
            if sha != name:
                known = ", ".join(names.get(name, [])) or "a derived file"
                problems.append(StoreProblem(known, f"stored original {name} was altered (now {sha})"))
        for problem in self.custody.verify(heads):
            problems.append(StoreProblem(f"{self.custody.label} {problem.line}", problem.reason, problem.kind))
        recorded: dict[str, str] = {}
        derived: set[str] = set()
        for rec in self.custody.records():
            if rec.get("event") == "batch_received":
                recorded[str(rec.get("batch_id"))] = str(rec.get("manifest_sha256"))
            elif rec.get("event") == "items_derived":
                derived.update(str(child[1]) for child in rec.get("children", []) if len(child) > 1)
        for batch_id, data in manifests.items():
            actual = hashlib.sha256(data).hexdigest()
            if recorded.get(batch_id) != actual:
                problems.append(StoreProblem(f"manifest {batch_id}", "differs from the hash in the custody log"))
        for batch_id in sorted(set(recorded) - set(manifests)):
            problems.append(StoreProblem(f"manifest {batch_id}", "is recorded in the custody log but missing"))
        for batch_id in sorted((self.catalogued or self._catalogued_batches)() - set(recorded)):
            problems.append(StoreProblem(f"batch {batch_id}", "is in the catalogue but has no custody record "
                                                              "(its custody lines were removed)"))
        for name, sha in listed:
            if sha not in stored:
                problems.append(StoreProblem(name, f"original {sha} is missing from the store"))
        accounted = {sha for _, sha in listed} | derived
        for name in sorted(stored - accounted):
            problems.append(StoreProblem(f"blob {name}", "is in no manifest and no derivation record "
                                                         "(a custody line was removed)", "unrecorded"))
        return checked, problems

    def _check_receipt(self, name: str, receipt: dict[str, Any]) -> list[StoreProblem]:
        """A receipt's manifest hash and listed originals against what the store holds now."""
        problems = []
        manifest = self.manifest_bytes(str(receipt.get("batch_id")))
        if manifest is None:
            problems.append(StoreProblem(f"receipt {name}", f"names batch {receipt.get('batch_id')}, whose manifest "
                                                            f"is missing"))
        elif hashlib.sha256(manifest).hexdigest() != receipt.get("manifest_sha256"):
            problems.append(StoreProblem(f"receipt {name}", "manifest hash differs from the manifest in the store"))
        for item in receipt.get("items", []):
            sha = item.get("sha256")
            if sha and len(sha) == 64 and not self.has_blob(sha):
                problems.append(StoreProblem(f"receipt {name}", f"original {sha} ({item.get('path')}) is missing "
                                                                f"from the store"))
        return problems

    def _catalogued_batches(self) -> set[str]:
        """The batches of the SQLite catalogue in ``root`` (when no other catalogue was given)."""
        path = self.root / "catalog.sqlite"
        if not path.exists():
            return set()
        conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=30)
        try:
            return {row[0] for row in conn.execute("SELECT batch_id FROM batches")}
        except sqlite3.Error:
            return set()
        finally:
            conn.close()

    def repair_torn_tail(self) -> list[dict[str, Any]]:
        """Record every torn custody line as an event (with the torn bytes' hash); returns the new records."""
        return self.custody.repair_torn()

    def tmp_workdir(self) -> Path:
        (self.root / "tmp").mkdir(parents=True, exist_ok=True)
        return Path(tempfile.mkdtemp(dir=self.root / "tmp", prefix="work-"))

    @staticmethod
    def discard(path: Path) -> None:
        shutil.rmtree(path, ignore_errors=True)


class EvidenceStore(BlobStore):
    """Stores originals once by content in a directory and answers where each one lives."""

    def __init__(self, root: Path, *, custody: Any = None, catalogued: Callable[[], set[str]] | None = None) -> None:
        self.root = root
        self.blobs = root / "blobs"
        self.manifests = root / "manifests"
        self.custody = custody if custody is not None else CustodyLog(root / "custody.jsonl")
        self.catalogued = catalogued

    def ensure(self) -> "EvidenceStore":
        self.root.mkdir(parents=True, exist_ok=True)
        os.chmod(self.root, 0o700)  # originals are read through the application only
        for path in (self.blobs, self.manifests, self.root / "tmp"):
            path.mkdir(parents=True, exist_ok=True)
        return self

    def blob_path(self, sha256: str) -> Path:
        return self.blobs / sha256[:2] / sha256[2:4] / sha256

    def has_blob(self, sha256: str) -> bool:
        return self.blob_path(sha256).exists()

    def put(self, source: Path) -> StoredBlob:
        """Copy ``source`` into the store while hashing it; keep the existing copy if already stored."""
        tmp_name, sha, size = copy_hashing(source, self.root / "tmp")
        try:
            target = self.blob_path(sha)
            if target.exists():
                os.unlink(tmp_name)
                return StoredBlob(sha, size, new=False)
            target.parent.mkdir(parents=True, exist_ok=True)
            os.chmod(tmp_name, 0o444)
            os.replace(tmp_name, target)
            return StoredBlob(sha, size, new=True)
        except BaseException:
            if os.path.exists(tmp_name):
                os.unlink(tmp_name)
            raise

    def iter_blobs(self) -> Iterator[Path]:
        if self.blobs.exists():
            yield from (p for p in self.blobs.rglob("*") if p.is_file())

    def blob_digests(self) -> Iterator[tuple[str, str]]:
        for path in self.iter_blobs():
            yield path.name, hash_file(path)[0]

    def write_manifest(self, batch_id: str, manifest: dict) -> str:
        """Write a batch manifest once; returns the SHA-256 of its canonical bytes."""
        path = self.manifests / f"{batch_id}.json"
        if not path.exists():
            tmp = path.with_suffix(".tmp")
            tmp.write_bytes(self.manifest_data(manifest))
            os.chmod(tmp, 0o444)
            os.replace(tmp, path)
        return hashlib.sha256(path.read_bytes()).hexdigest()

    def manifest_bytes(self, batch_id: str) -> bytes | None:
        path = self.manifests / f"{batch_id}.json"
        return path.read_bytes() if path.is_file() else None

    def manifest_ids(self) -> list[str]:
        return [p.stem for p in self.manifests.glob("*.json")] if self.manifests.exists() else []
