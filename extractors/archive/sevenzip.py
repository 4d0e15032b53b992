"""7z archives via py7zr, written through capped writers (declared sizes checked first)."""

from __future__ import annotations

from pathlib import Path

from extractors.archive import archive_result, check_depth
from extractors.base import CorruptError, EncryptedError, ExtractContext, Extracted, Status, TooLargeError
from extractors.children import ChildSink


def extract_7z(path: Path, ctx: ExtractContext) -> Extracted:
    """Regular members as children; links skipped; passwords from the batch tried."""
    import py7zr
    from py7zr.exceptions import Bad7zFile, PasswordRequired

    check_depth(ctx)
    limits = ctx.limits
    packed = max(path.stat().st_size, 1)
    archive = None
    for password in (None, *ctx.passwords):
        try:
            candidate = py7zr.SevenZipFile(path, mode="r", password=password)
            if password is None and candidate.needs_password():
                candidate.close()
                continue
            if password is not None and candidate.testzip() is not None:
                candidate.close()  # wrong password: members fail their CRC
                continue
            archive = candidate
            break
        except (PasswordRequired, Bad7zFile, EOFError, OSError, ValueError, LookupError) as exc:
            if isinstance(exc, Bad7zFile):
                raise CorruptError(f"damaged 7z archive: {exc}") from exc
            continue
        except Exception:
            continue
    if archive is None:
        raise EncryptedError("7z archive is password-protected; no batch password opened it")
    sink = ChildSink(ctx)
    listing: list[str] = []
    with archive:
        entries = [e for e in archive.list() if not e.is_directory]
        wanted: list[str] = []
        total = 0
        for e in entries:
            listing.append(e.filename)
            size = e.uncompressed or 0
            if getattr(e, "is_symlink", False):
                sink.skip(e.filename, Status.UNSUPPORTED, "symbolic link; links are not followed")
                continue
            if total + size > limits.archive_max_total_bytes or total + size > limits.archive_max_ratio * packed and size > (1 << 20):
                sink.skip(e.filename, Status.TOO_LARGE,
                          f"declared size would pass the limits ({limits.archive_max_total_bytes} bytes, "
                          f"{limits.archive_max_ratio:g}:1)")
                continue
            total += size
            wanted.append(e.filename)
        if wanted:
            try:
                data = _read_capped(archive, wanted, limits.archive_max_total_bytes)
            except TooLargeError:
                raise
            except Exception as exc:  # py7zr raises many types on damaged or mis-keyed data
                raise CorruptError(f"7z members unreadable: {type(exc).__name__}: {exc}") from exc
            for name in wanted:
                if name in data:
                    sink.add_bytes(name, data[name])
    return archive_result(sink, {"format": "7z"}, listing)


def _read_capped(archive, names: list[str], cap: int) -> dict[str, bytes]:
    from py7zr.io import Py7zIO, WriterFactory

    written = {"total": 0}

    class CappedBuffer(Py7zIO):
        def __init__(self, name: str) -> None:
            self.name = name
            self.buf = bytearray()

        def write(self, s: bytes | bytearray) -> int:
            written["total"] += len(s)
            if written["total"] > cap:
                raise TooLargeError(f"7z members expand past {cap} bytes")
            self.buf += s
            return len(s)

        def read(self, size: int | None = None) -> bytes:
            return bytes(self.buf)

        def seek(self, offset: int, whence: int = 0) -> int:
            return 0

        def flush(self) -> None:
            return None

        def size(self) -> int:
            return len(self.buf)

    buffers: dict[str, CappedBuffer] = {}

    class Factory(WriterFactory):
        def create(self, filename: str) -> Py7zIO:
            buffers[filename] = CappedBuffer(filename)
            return buffers[filename]

    archive.reset()
    archive.extract(targets=names, factory=Factory())
    return {name: bytes(b.buf) for name, b in buffers.items()}
