"""The evidence store in an S3-compatible bucket (``EVIDEX_STORE_URL=s3://bucket/prefix``).

Objects are named as the store directory's files: ``<prefix>/blobs/ab/cd/<sha256>`` and
``<prefix>/manifests/<batch>.json``; a blob is uploaded once (an existing name is never written again) with its
SHA-256 as metadata. Extractors read files, so ``blob_path`` gives a local copy from ``<root>/cache``, fetched once
and checked against its name while it is downloaded: an object altered in the bucket is refused, never read.
``verify`` streams every object and hashes it again. For production, create the bucket with versioning and
object lock (compliance mode, a retention longer than the case) so even the bucket's owner cannot rewrite an
original (see the README, "Scaling out").
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from evidex.custody.log import CustodyLog
from evidex.custody.store import READ_CHUNK, BlobStore, StoredBlob, copy_hashing


SINGLE_PUT = 16 * 1024 * 1024
"""Blobs up to this size are sent in one request; larger ones in parts (multipart upload)."""


class StoreUnavailable(RuntimeError):
    """The bucket cannot be reached or does not exist; the message never carries the secret key."""


class BlobAltered(ValueError):
    """A stored object's bytes no longer hash to its name."""


@dataclass(frozen=True)
class S3Location:
    bucket: str
    prefix: str

    @classmethod
    def parse(cls, url: str) -> "S3Location":
        if not url.startswith("s3://") or not url[5:].split("/", 1)[0]:
            raise ValueError(f"EVIDEX_STORE_URL must look like s3://bucket/prefix, not {url[:80]!r}")
        bucket, _, prefix = url[5:].partition("/")
        return cls(bucket, prefix.strip("/"))

    def key(self, *parts: str) -> str:
        return "/".join([self.prefix, *parts] if self.prefix else parts)


def _missing(exc: Exception) -> bool:
    code = str(getattr(exc, "response", {}).get("Error", {}).get("Code", ""))
    return code in ("404", "NoSuchKey", "NotFound", "NoSuchBucket")


class S3EvidenceStore(BlobStore):
    """Originals in a bucket; ``root`` is the local directory for the read cache and work files."""

    def __init__(self, url: str, root: Path, *, endpoint: str = "", region: str = "us-east-1", access_key: str = "",
                 secret_key: str = "", custody: Any = None, catalogued: Callable[[], set[str]] | None = None) -> None:
        self.location = S3Location.parse(url)
        self.url = url
        self.root = root
        self.cache = root / "cache"
        self.custody = custody if custody is not None else CustodyLog(root / "custody.jsonl")
        self.catalogued = catalogued
        self._options = {"endpoint": endpoint, "region": region, "access_key": access_key, "secret_key": secret_key}
        self._client: tuple[int, Any] | None = None

    def __repr__(self) -> str:
        return f"S3EvidenceStore({self.url!r}, endpoint={self._options['endpoint']!r})"

    @property
    def client(self) -> Any:
        """One boto3 client per process (a forked worker makes its own)."""
        if self._client is None or self._client[0] != os.getpid():
            import boto3
            from botocore.config import Config

            opts = self._options
            config = Config(request_checksum_calculation="when_required", response_checksum_validation="when_required",
                            retries={"max_attempts": 6, "mode": "standard"},
                            s3={"addressing_style": "path"} if opts["endpoint"] else {})
            keys = {"aws_access_key_id": opts["access_key"], "aws_secret_access_key": opts["secret_key"]} \
                if opts["access_key"] else {}
            client = boto3.client("s3", endpoint_url=opts["endpoint"] or None, region_name=opts["region"],
                                  config=config, **keys)
            self._client = (os.getpid(), client)
        return self._client[1]

    def ensure(self) -> "S3EvidenceStore":
        for path in (self.root, self.cache, self.root / "tmp"):
            path.mkdir(parents=True, exist_ok=True)
        os.chmod(self.root, 0o700)
        try:
            self.client.head_bucket(Bucket=self.location.bucket)
        except Exception as exc:  # noqa: BLE001 - every failure becomes one message without credentials
            if _missing(exc):
                raise StoreUnavailable(f"bucket {self.location.bucket} does not exist (create it with versioning "
                                       f"and object lock, see the README)") from exc
            raise StoreUnavailable(f"evidence store {self.url} cannot be reached: {type(exc).__name__}") from exc
        return self

    # -- blobs -------------------------------------------------------------------
    def _blob_key(self, sha256: str) -> str:
        return self.location.key("blobs", sha256[:2], sha256[2:4], sha256)

    def _cached(self, sha256: str) -> Path:
        return self.cache / sha256[:2] / sha256[2:4] / sha256

    def has_blob(self, sha256: str) -> bool:
        try:
            self.client.head_object(Bucket=self.location.bucket, Key=self._blob_key(sha256))
            return True
        except Exception as exc:  # noqa: BLE001
            if _missing(exc):
                return False
            raise

    def put(self, source: Path) -> StoredBlob:
        """Copy ``source`` aside while hashing it, upload it unless the bucket has it, keep it as the cached copy."""
        tmp_name, sha, size = copy_hashing(source, self.root / "tmp")
        try:
            new = not self.has_blob(sha)
            if new and size <= SINGLE_PUT:
                with open(tmp_name, "rb") as body:
                    self.client.put_object(Bucket=self.location.bucket, Key=self._blob_key(sha), Body=body,
                                           Metadata={"sha256": sha})
            elif new:  # in parts, several at once
                self.client.upload_file(tmp_name, self.location.bucket, self._blob_key(sha),
                                        ExtraArgs={"Metadata": {"sha256": sha}})
            self._keep(tmp_name, sha)
            return StoredBlob(sha, size, new=new)
        finally:
            if os.path.exists(tmp_name):
                os.unlink(tmp_name)

    def _keep(self, tmp_name: str, sha256: str) -> Path:
        target = self._cached(sha256)
        if not target.exists():
            target.parent.mkdir(parents=True, exist_ok=True)
            os.chmod(tmp_name, 0o444)
            os.replace(tmp_name, target)
        return target

    def blob_path(self, sha256: str) -> Path:
        """The cached copy, downloaded and checked first if this machine has none."""
        target = self._cached(sha256)
        if target.exists():
            return target
        (self.root / "tmp").mkdir(parents=True, exist_ok=True)
        fd, tmp_name = tempfile.mkstemp(dir=self.root / "tmp", prefix="get-")
        try:
            digest = hashlib.sha256()
            with os.fdopen(fd, "wb") as out:
                body = self.client.get_object(Bucket=self.location.bucket, Key=self._blob_key(sha256))["Body"]
                while chunk := body.read(READ_CHUNK):
                    digest.update(chunk)
                    out.write(chunk)
            if digest.hexdigest() != sha256:
                raise BlobAltered(f"stored original {sha256} was altered in the bucket (now {digest.hexdigest()})")
            return self._keep(tmp_name, sha256)
        finally:
            if os.path.exists(tmp_name):
                os.unlink(tmp_name)

    def _keys(self, *parts: str) -> Iterator[str]:
        prefix = self.location.key(*parts) + "/"
        for page in self.client.get_paginator("list_objects_v2").paginate(Bucket=self.location.bucket,
                                                                           Prefix=prefix):
            for obj in page.get("Contents", []):
                if not str(obj["Key"]).endswith("/"):  # folder markers some servers list (s3proxy's filesystem)
                    yield str(obj["Key"])

    def blob_digests(self) -> Iterator[tuple[str, str]]:
        """Every object under ``blobs/``, streamed from the bucket and hashed again (the cache is not trusted)."""
        for key in self._keys("blobs"):
            digest = hashlib.sha256()
            body = self.client.get_object(Bucket=self.location.bucket, Key=key)["Body"]
            while chunk := body.read(READ_CHUNK):
                digest.update(chunk)
            yield key.rsplit("/", 1)[-1], digest.hexdigest()

    def object_count(self) -> int:
        """How many blobs the bucket holds."""
        return sum(1 for _ in self._keys("blobs"))

    # -- manifests ---------------------------------------------------------------
    def _manifest_key(self, batch_id: str) -> str:
        return self.location.key("manifests", f"{batch_id}.json")

    def write_manifest(self, batch_id: str, manifest: dict) -> str:
        """Write a batch manifest once; returns the SHA-256 of the stored bytes."""
        stored = self.manifest_bytes(batch_id)
        if stored is None:
            stored = self.manifest_data(manifest)
            self.client.put_object(Bucket=self.location.bucket, Key=self._manifest_key(batch_id), Body=stored,
                                   ContentType="application/json",
                                   Metadata={"sha256": hashlib.sha256(stored).hexdigest()})
        return hashlib.sha256(stored).hexdigest()

    def _object_or_none(self, key: str) -> bytes | None:
        """The object's bytes, or None when the bucket has no such key."""
        try:
            return bytes(self.client.get_object(Bucket=self.location.bucket, Key=key)["Body"].read())
        except Exception as exc:  # noqa: BLE001
            if _missing(exc):
                return None
            raise

    def manifest_bytes(self, batch_id: str) -> bytes | None:
        return self._object_or_none(self._manifest_key(batch_id))

    def manifest_ids(self) -> list[str]:
        return [k.rsplit("/", 1)[-1][: -len(".json")] for k in self._keys("manifests") if k.endswith(".json")]

    # -- receipts ----------------------------------------------------------------
    def _receipt_key(self, batch_id: str) -> str:
        return self.location.key("receipts", f"{batch_id}.json")

    def put_receipt(self, batch_id: str, data: bytes) -> None:
        """A copy of the receipt next to the manifests (a later one, e.g. after a resumed run, is a new version)."""
        self.client.put_object(Bucket=self.location.bucket, Key=self._receipt_key(batch_id), Body=data,
                               ContentType="application/json", Metadata={"sha256": hashlib.sha256(data).hexdigest()})

    def receipt_bytes(self, batch_id: str) -> bytes | None:
        return self._object_or_none(self._receipt_key(batch_id))

    def stored_receipts(self) -> Iterator[tuple[str, bytes]]:
        for key in self._keys("receipts"):
            if key.endswith(".json"):
                batch_id = key.rsplit("/", 1)[-1][: -len(".json")]
                if (data := self.receipt_bytes(batch_id)) is not None:
                    yield batch_id, data
