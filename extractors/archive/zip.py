"""ZIP archives, including member names in CP949 (Korean Windows) and other code pages, and password-protected
members."""

from __future__ import annotations

import stat
import zipfile
import zlib
from pathlib import Path

from extractors.archive import archive_result, check_depth
from extractors.archive.names import decode_name
from extractors.base import CorruptError, ExtractContext, Extracted, Status
from extractors.children import ChildSink, read_chunks

_UTF8_FLAG = 0x800
_ENCRYPTED_FLAG = 0x1


def member_name(info: zipfile.ZipInfo) -> str:
    """The member's name: UTF-8 when flagged, else the most plausible reading of its bytes (CP949, UTF-8, GBK,
    Shift-JIS, Big5, CP437, CP866: ``extractors.archive.names``), recovered from zipfile's CP437 guess."""
    if info.flag_bits & _UTF8_FLAG:
        return info.filename
    try:
        raw = info.filename.encode("cp437")
    except UnicodeEncodeError:
        return info.filename
    return decode_name(raw)


def extract_zip(path: Path, ctx: ExtractContext) -> Extracted:
    """Every regular member as a child, within the archive limits."""
    check_depth(ctx)
    try:
        zf = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, EOFError, ValueError, NotImplementedError, OSError) as exc:
        return _salvage(path, ctx, exc)
    sink = ChildSink(ctx)
    listing: list[str] = []
    limits = ctx.limits
    with zf:
        infos = zf.infolist()
        for info in infos:
            name = member_name(info)
            if info.is_dir():
                continue
            listing.append(name)
            mode = info.external_attr >> 16
            if stat.S_ISLNK(mode):
                sink.skip(name, Status.UNSUPPORTED, "symbolic link; links are not followed")
                continue
            if mode and not stat.S_ISREG(mode) and stat.S_IFMT(mode):
                sink.skip(name, Status.UNSUPPORTED, "not a regular file")
                continue
            if info.file_size > (1 << 20) and info.file_size > limits.archive_max_ratio * max(info.compress_size, 1):
                sink.skip(name, Status.TOO_LARGE,
                          f"declared expansion {info.file_size}/{info.compress_size} bytes passes "
                          f"{limits.archive_max_ratio:g}:1")
                continue
            if sink.total + info.file_size > limits.archive_max_total_bytes:
                sink.skip(name, Status.TOO_LARGE, f"expanded size would pass {limits.archive_max_total_bytes} bytes")
                continue
            password = None
            if info.flag_bits & _ENCRYPTED_FLAG:
                password = _find_password(zf, info, ctx.passwords)
                if password is None:
                    sink.skip(name, Status.ENCRYPTED, "password-protected member; no batch password opened it")
                    continue
            try:
                with zf.open(info, pwd=password) as fh:
                    sink.add_stream(name, read_chunks(fh), packed_size=info.compress_size)
            except (zipfile.BadZipFile, zlib.error, EOFError, OSError, NotImplementedError, RuntimeError) as exc:
                sink.skip(name, Status.CORRUPT, f"member unreadable: {exc}")
    return archive_result(sink, {"format": "zip"}, listing)


def _find_password(zf: zipfile.ZipFile, info: zipfile.ZipInfo, passwords: tuple[str, ...]) -> bytes | None:
    for candidate in passwords:
        for pwd in (candidate.encode("utf-8"), candidate.encode("cp949", "ignore")):
            try:
                with zf.open(info, pwd=pwd) as fh:  # read through: only the CRC proves the password
                    while fh.read(1 << 20):
                        pass
                return pwd
            except (RuntimeError, zipfile.BadZipFile, zlib.error):
                continue
            except NotImplementedError:
                return None
    return None


def _salvage(path: Path, ctx: ExtractContext, error: Exception) -> Extracted:
    """Members that survive in a truncated ZIP, read from local headers (status ``partial``)."""
    import dataclasses

    from extractors.archive.salvage import salvage_members

    members = salvage_members(path, ctx.limits.archive_max_total_bytes, ctx.limits.archive_max_members)
    if not members:
        raise CorruptError(f"damaged ZIP archive: {error}")
    sink = ChildSink(ctx)
    for name, data in members:
        sink.add_bytes(name, data)
    result = archive_result(sink, {"format": "zip", "salvaged": True}, [n for n, _ in members])
    return dataclasses.replace(
        result, status=Status.PARTIAL,
        reason=f"damaged ZIP archive ({error}); {len(members)} members recovered from local headers",
    )
