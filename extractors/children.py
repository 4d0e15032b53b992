"""Writing embedded files (archive members, attachments, embedded objects) under ``ctx.tmp_dir``.

Children are written under names the sink chooses, never under the member path, so a
member path can never escape the temporary directory; the (normalised) path inside the
parent is kept in ``Child.inner_path``.
"""

from __future__ import annotations

import os
import posixpath
import re
import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO, Iterable

from extractors.base import Child, ExtractContext, Status, TooLargeError

_CHUNK = 1 << 20
_UNSAFE = re.compile(r"[^\w.\-가-힣]+")


def safe_inner_path(name: str) -> tuple[str, bool]:
    """Normalise a member path: forward slashes, no drive, no leading '/', no '..'.

    Returns ``(path, changed)``; ``changed`` is True when the original tried to escape.
    """
    raw = name.replace("\\", "/")
    stripped = re.sub(r"^[A-Za-z]:", "", raw).lstrip("/")
    parts = [p for p in stripped.split("/") if p not in ("", ".")]
    clean = [p for p in parts if p != ".."]
    path = posixpath.join(*clean) if clean else "_unnamed"
    changed = stripped != raw or len(clean) != len(parts)
    return path, changed


@dataclass(frozen=True)
class Skipped:
    """A member that was not written, and why."""

    inner_path: str
    status: Status
    reason: str

    def as_dict(self) -> dict[str, str]:
        return {"inner_path": self.inner_path, "status": self.status.value, "reason": self.reason}


@dataclass
class ChildSink:
    """Collects children of one file, enforcing member-count and total-size limits."""

    ctx: ExtractContext
    max_members: int | None = None
    max_total: int | None = None
    children: list[Child] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    total: int = 0
    _dir: Path | None = None

    def __post_init__(self) -> None:
        if self.max_members is None:
            self.max_members = self.ctx.limits.archive_max_members
        if self.max_total is None:
            self.max_total = self.ctx.limits.archive_max_total_bytes

    @property
    def directory(self) -> Path:
        if self._dir is None:
            self.ctx.tmp_dir.mkdir(parents=True, exist_ok=True)
            self._dir = Path(tempfile.mkdtemp(prefix="x-", dir=self.ctx.tmp_dir))
        return self._dir

    def full(self) -> bool:
        return len(self.children) >= (self.max_members or 0)

    def _target(self, inner_path: str) -> Path:
        base = _UNSAFE.sub("_", posixpath.basename(inner_path))[-80:] or "member"
        return self.directory / f"{len(self.children) + len(self.skipped):06d}_{base}"

    def add_bytes(self, inner_path: str, data: bytes, name: str | None = None) -> Child | None:
        """Write one child from memory."""
        return self.add_stream(inner_path, [data], name=name)

    def add_stream(
        self, inner_path: str, chunks: Iterable[bytes], name: str | None = None,
        packed_size: int | None = None,
    ) -> Child | None:
        """Write one child from chunks; stop at the total-size or expansion-ratio limit.

        Returns the child, or None when it was skipped (recorded in ``skipped``).
        """
        clean, changed = safe_inner_path(inner_path)
        if changed:
            self.warnings.append(f"member path {inner_path!r} tried to leave the archive; stored as {clean!r}")
        if self.full():
            self.skipped.append(Skipped(clean, Status.TOO_LARGE, f"more than {self.max_members} members"))
            return None
        target = self._target(clean)
        limits = self.ctx.limits
        written = 0
        try:
            with open(target, "wb") as out:
                for chunk in chunks:
                    written += len(chunk)
                    if self.total + written > (self.max_total or 0):
                        raise TooLargeError(f"expanded size passed the {self.max_total} byte limit")
                    if packed_size is not None and written > _CHUNK and written > limits.archive_max_ratio * max(packed_size, 1):
                        raise TooLargeError(
                            f"expansion ratio passed {limits.archive_max_ratio:g}:1 (packed {packed_size} bytes)"
                        )
                    out.write(chunk)
        except TooLargeError as exc:
            target.unlink(missing_ok=True)
            self.skipped.append(Skipped(clean, Status.TOO_LARGE, exc.reason))
            return None
        self.total += written
        child = Child(path=target, name=name or posixpath.basename(clean), inner_path=clean)
        self.children.append(child)
        return child

    def adopt_file(self, inner_path: str, source: Path, name: str | None = None) -> Child | None:
        """Take over a file a helper tool wrote (moved, not copied), within the same limits."""
        clean, _ = safe_inner_path(inner_path)
        size = source.stat().st_size
        if self.full():
            self.skipped.append(Skipped(clean, Status.TOO_LARGE, f"more than {self.max_members} members"))
            return None
        if self.total + size > (self.max_total or 0):
            self.skipped.append(Skipped(clean, Status.TOO_LARGE, f"expanded size passed the {self.max_total} byte limit"))
            return None
        target = self._target(clean)
        try:
            os.replace(source, target)
        except OSError:
            shutil.copyfile(source, target)
        self.total += size
        child = Child(path=target, name=name or posixpath.basename(clean), inner_path=clean)
        self.children.append(child)
        return child

    def skip(self, inner_path: str, status: Status, reason: str) -> None:
        """Record a member that is deliberately not written (link, device, encrypted…)."""
        self.skipped.append(Skipped(safe_inner_path(inner_path)[0], status, reason))

    def metadata(self) -> dict[str, object]:
        """Metadata entries describing skipped members and warnings (empty when none)."""
        meta: dict[str, object] = {}
        if self.skipped:
            meta["skipped"] = [s.as_dict() for s in self.skipped]
        if self.warnings:
            meta["warnings"] = list(self.warnings)
        return meta


def read_chunks(fh: BinaryIO, size: int = _CHUNK) -> Iterable[bytes]:
    """Yield a stream's content in chunks."""
    while True:
        chunk = fh.read(size)
        if not chunk:
            return
        yield chunk
