"""TAR archives (plain, gzip, bzip2, xz), streamed member by member."""

from __future__ import annotations

import tarfile
from pathlib import Path

from extractors.archive import archive_result, check_depth
from extractors.archive.names import decode_name
from extractors.base import CorruptError, ExtractContext, Extracted, Status
from extractors.children import ChildSink, read_chunks


def extract_tar(path: Path, ctx: ExtractContext) -> Extracted:
    """Regular members as children; links and devices recorded as skipped."""
    check_depth(ctx)
    limits = ctx.limits
    packed = max(path.stat().st_size, 1)
    sink = ChildSink(ctx)
    listing: list[str] = []
    try:
        tf = tarfile.open(path, mode="r:*")
    except (tarfile.TarError, EOFError, OSError) as exc:
        raise CorruptError(f"damaged TAR archive: {exc}") from exc
    with tf:
        try:
            for member in tf:
                if member.isdir():
                    continue
                name = member_name(member)
                listing.append(name)
                if member.issym() or member.islnk():
                    sink.skip(name, Status.UNSUPPORTED, f"link to {member.linkname!r}; links are not followed")
                    continue
                if not member.isfile():
                    sink.skip(name, Status.UNSUPPORTED, "device, FIFO or other special entry")
                    continue
                if sink.total + member.size > limits.archive_max_total_bytes:
                    sink.skip(name, Status.TOO_LARGE,
                              f"expanded size would pass {limits.archive_max_total_bytes} bytes")
                    continue
                if sink.total + member.size > limits.archive_max_ratio * packed and member.size > (1 << 20):
                    sink.skip(name, Status.TOO_LARGE, f"expansion would pass {limits.archive_max_ratio:g}:1")
                    continue
                fh = tf.extractfile(member)
                if fh is None:
                    continue
                with fh:
                    sink.add_stream(name, read_chunks(fh))
        except (tarfile.TarError, EOFError, OSError) as exc:
            sink.skip("(rest of archive)", Status.CORRUPT, f"archive damaged after {len(listing)} members: {exc}")
    return archive_result(sink, {"format": "tar"}, listing)


def member_name(member: tarfile.TarInfo) -> str:
    """The member's name; bytes that are not UTF-8 (tarfile keeps them as surrogate escapes) are read in the most
    plausible code page (``extractors.archive.names``)."""
    name = member.name
    if not any(0xDC80 <= ord(ch) <= 0xDCFF for ch in name):
        return name
    return decode_name(name.encode("utf-8", "surrogateescape"))
