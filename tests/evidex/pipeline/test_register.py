"""Listing and storing a batch (``evidex.pipeline.register``): the files are hashed and stored by several
threads, yet the listing, the batch id and the reasons for unreadable files come out in the upload's order, as
one thread would give them; every stored blob holds its file's bytes."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import pytest

from evidex.custody.backends import open_catalog, open_store
from evidex.custody.store import hash_file
from evidex.pipeline import register
from evidex.pipeline.register import BatchSpec, batch_key, list_batch, register_batch
from evidex.settings import load_settings


def _upload(root: Path, files: int = 120) -> list[Path]:
    paths = []
    for i in range(files):
        path = root / f"d{i % 7}" / f"file-{i:03d}.txt"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(f"evidence {i} ".encode() * (1 + i % 13))
        paths.append(path)
    (root / "d0" / "link.txt").symlink_to(paths[5])
    return paths


def _one_thread(spec: BatchSpec, broken: set[str]) -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
    """What the listing is, file by file in walk order (the expected result)."""
    entries, unreadable = [], []
    for dirpath, dirs, names in os.walk(spec.source):
        dirs.sort()
        for name in sorted(names):
            path = Path(dirpath) / name
            rel = path.relative_to(spec.source).as_posix()
            if path.is_symlink():
                unreadable.append((rel, "not a regular file (link or device); not followed"))
            elif rel in broken:
                unreadable.append((rel, "could not be read: denied"))
            else:
                entries.append((rel, hashlib.sha256(path.read_bytes()).hexdigest()))
    return entries, unreadable


def test_listing_in_upload_order_with_failures_in_place(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(register, "HASH_WINDOW", 7)  # several windows of files
    _upload(tmp_path / "up")
    spec = BatchSpec(tmp_path / "up", "knpa", "C-1")
    broken = {"d3/file-010.txt", "d6/file-118.txt"}

    def hasher(path: Path) -> tuple[str, int]:
        if path.relative_to(spec.source).as_posix() in broken:
            raise PermissionError(13, "denied")
        return hash_file(path)

    listing = list_batch(spec, hasher)
    entries, unreadable = _one_thread(spec, broken)
    assert [(e["path"], e["sha256"]) for e in listing.entries] == entries
    assert list(listing.unreadable) == unreadable
    assert len(entries) == 118 and len(unreadable) == 3
    # the batch id does not depend on which thread finished first
    assert batch_key(spec).batch_id == batch_key(spec).batch_id
    assert list_batch(spec, hash_file).batch_id != listing.batch_id  # the broken files are not in it


def test_register_stores_every_file(tmp_path: Path) -> None:
    paths = _upload(tmp_path / "up")
    settings = load_settings(data_dir=tmp_path / "data", hmac_secret="register-test")
    store, catalog = open_store(settings).ensure(), open_catalog(settings)
    try:
        info = register_batch(store, catalog, BatchSpec(tmp_path / "up", "knpa", "C-1"))
        assert info.files == len(paths) and info.new
        assert info.batch_id == batch_key(BatchSpec(tmp_path / "up", "knpa", "C-1")).batch_id
        for path in paths:
            sha = hashlib.sha256(path.read_bytes()).hexdigest()
            assert store.blob_path(sha).read_bytes() == path.read_bytes()
        assert len(catalog.pending(info.batch_id, 1000)) == len(paths) + 1  # and the link, as an error
    finally:
        catalog.close()


if __name__ == "__main__":
    pytest.main([__file__])
