"""The evidence store in an S3 bucket (s3proxy with its filesystem backend): the directory store's contract."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from evidex.custody.backends import open_store
from evidex.custody.store_s3 import BlobAltered, S3EvidenceStore, StoreUnavailable
from evidex.settings import load_settings

from .conftest import s3_client  # noqa: TID252


@pytest.fixture(params=["directory", "s3"])
def store(request, tmp_path: Path):
    overrides: dict = {"data_dir": tmp_path / "data"}
    if request.param == "s3":
        bucket = request.getfixturevalue("bucket")
        overrides.update(request.getfixturevalue("s3_settings"), store_url=f"s3://{bucket}/ev")
    return open_store(load_settings(**overrides)).ensure()


def test_put_is_content_addressed_once(store, tmp_path: Path) -> None:
    a, b = tmp_path / "a.txt", tmp_path / "b.txt"
    a.write_bytes("같은 내용 same bytes".encode())
    b.write_bytes("같은 내용 same bytes".encode())
    first, second = store.put(a), store.put(b)
    sha = hashlib.sha256(a.read_bytes()).hexdigest()
    assert first.sha256 == second.sha256 == sha and first.new and not second.new
    assert store.has_blob(sha) and not store.has_blob("00" * 32)
    assert store.blob_path(sha).read_bytes() == a.read_bytes()
    assert [name for name, _ in store.blob_digests()] == [sha]


def test_manifests_are_written_once_and_verify_is_clean(store, tmp_path: Path) -> None:
    source = tmp_path / "memo.txt"
    source.write_text("memo")
    blob = store.put(source)
    manifest = {"batch_id": "b1", "files": [{"path": "memo.txt", "sha256": blob.sha256, "size": 4}]}
    digest = store.write_manifest("b1", manifest)
    assert store.write_manifest("b1", {**manifest, "files": []}) == digest  # never rewritten
    assert store.read_manifest("b1") == manifest and store.manifest_ids() == ["b1"]
    store.custody.append("batch_received", batch_id="b1", manifest_sha256=digest)
    assert store.verify() == (1, [])


def test_an_object_altered_in_the_bucket_is_refused_and_reported(tmp_path: Path, bucket: str, s3_server,
                                                                 s3_settings: dict) -> None:
    settings = load_settings(data_dir=tmp_path / "m1", store_url=f"s3://{bucket}/ev", **s3_settings)
    store = open_store(settings).ensure()
    assert isinstance(store, S3EvidenceStore) and "secret" not in repr(store).lower()
    assert s3_settings["s3_secret_key"] not in repr(store) + repr(settings)
    source = tmp_path / "memo.txt"
    source.write_text("original words")
    blob = store.put(source)
    digest = store.write_manifest("b1", {"files": [{"path": "memo.txt", "sha256": blob.sha256}]})
    store.custody.append("batch_received", batch_id="b1", manifest_sha256=digest)
    key = f"ev/blobs/{blob.sha256[:2]}/{blob.sha256[2:4]}/{blob.sha256}"
    assert s3_client(s3_server).head_object(Bucket=bucket, Key=key)["Metadata"]["sha256"] == blob.sha256
    s3_client(s3_server).put_object(Bucket=bucket, Key=key, Body=b"altered words")
    _, problems = store.verify()
    assert [p.what for p in problems] == ["memo.txt"] and "was altered" in problems[0].reason
    other = open_store(load_settings(data_dir=tmp_path / "m2", store_url=f"s3://{bucket}/ev", **s3_settings))
    with pytest.raises(BlobAltered):  # another machine, no cached copy: the download is checked
        other.ensure().blob_path(blob.sha256)


def test_a_missing_bucket_is_one_message(tmp_path: Path, s3_settings: dict) -> None:
    settings = load_settings(data_dir=tmp_path, store_url="s3://evidex-no-such-bucket/x", **s3_settings)
    with pytest.raises(StoreUnavailable, match="does not exist"):
        open_store(settings).ensure()
    with pytest.raises(ValueError, match="s3://bucket/prefix"):
        open_store(load_settings(data_dir=tmp_path, store_url="/srv/evidence"))
