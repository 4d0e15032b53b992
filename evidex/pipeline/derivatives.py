"""What a batch password opened, kept so a reindex rebuilds it without asking for the password again.

Passwords are never stored. Instead, for every file of a batch given passwords, the extraction (text, pages,
metadata; not the temporary child files, which are stored as blobs of their own) is kept under
``<store>/derivatives/``, encrypted and authenticated with the data directory's derivative key
(``<data_dir>/derivatives.key``, 0600, Fernet: AES-128-CBC with HMAC-SHA256). A reindex that meets such a file
encrypted again uses the kept extraction. Anyone holding the data directory (and so the key) can read these
texts, as they can read the index; keep the data directory as private as the evidence store.
"""

from __future__ import annotations

import dataclasses
import os
import pickle
from pathlib import Path

from cryptography.fernet import Fernet, InvalidToken

from extractors.base import Extracted, Status

KEPT_STATUSES = (Status.OK, Status.PARTIAL)


def _derivative_key(data_dir: Path) -> bytes:
    """The data directory's derivative key, generated once (atomically, 0600)."""
    path = data_dir / "derivatives.key"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f".derivatives.{os.getpid()}.tmp")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "wb") as fh:
            fh.write(Fernet.generate_key())
        try:
            os.link(tmp, path)  # a concurrent process either wins or sees the whole key
        except FileExistsError:
            pass
        finally:
            tmp.unlink()
    return path.read_bytes().strip()


class DerivativeStore:
    """Encrypted extractions of stored blobs, by SHA-256."""

    def __init__(self, store_root: Path, data_dir: Path) -> None:
        self.root = store_root / "derivatives"
        self._fernet = Fernet(_derivative_key(data_dir))

    def _path(self, sha256: str) -> Path:
        return self.root / sha256[:2] / f"{sha256}.bin"

    def keep(self, sha256: str, extracted: Extracted) -> bool:
        """Keep ``extracted`` for the blob ``sha256`` (only readable results); True when written."""
        if extracted.status not in KEPT_STATUSES or not sha256:
            return False
        plain = dataclasses.replace(extracted, children=())
        token = self._fernet.encrypt(pickle.dumps(plain, protocol=pickle.HIGHEST_PROTOCOL))
        path = self._path(sha256)
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "wb") as fh:
            fh.write(token)
        os.replace(tmp, path)
        return True

    def load(self, sha256: str) -> Extracted | None:
        """The kept extraction of ``sha256``; None when none was kept or it fails authentication."""
        path = self._path(sha256)
        try:
            token = path.read_bytes()
        except OSError:
            return None
        try:
            plain = self._fernet.decrypt(token)
        except InvalidToken:
            return None  # written with another key, or altered: never trusted
        value = pickle.loads(plain)  # noqa: S301 - authenticated above: written by this deployment only
        return value if isinstance(value, Extracted) else None

    def prefer(self, sha256: str, fresh: Extracted) -> Extracted:
        """``fresh``, unless it came out encrypted or less readable than what a password once opened."""
        if fresh.status is Status.OK:
            return fresh
        kept = self.load(sha256)
        if kept is None:
            return fresh
        if fresh.status is Status.ENCRYPTED or kept.status is Status.OK:
            return kept
        return fresh
