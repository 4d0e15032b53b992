"""Single compressed streams (GZ, BZ2, XZ): one child, the decompressed file (TAR inside → tar reader)."""

from __future__ import annotations

import bz2
import gzip
import lzma
from pathlib import Path
from typing import Callable, IO

from extractors.archive import archive_result, check_depth
from extractors.archive.tar import extract_tar
from extractors.base import CorruptError, ExtractContext, Extracted
from extractors.children import ChildSink
from extractors.sniff import detect_type

_OPENERS: dict[str, Callable[[Path], IO[bytes]]] = {
    "application/gzip": lambda p: gzip.open(p, "rb"),
    "application/x-bzip2": lambda p: bz2.open(p, "rb"),
    "application/x-xz": lambda p: lzma.open(p, "rb"),
}
_SUFFIXES = {"application/gzip": (".gz", ".tgz"), "application/x-bzip2": (".bz2", ".tbz2"),
             "application/x-xz": (".xz", ".txz")}


def extract_compressed(path: Path, ctx: ExtractContext) -> Extracted:
    """Decompress within the size and ratio limits."""
    check_depth(ctx)
    ctype = detect_type(path, ctx.filename)
    opener = _OPENERS.get(ctype)
    if opener is None:
        raise CorruptError(f"not a GZ/BZ2/XZ stream ({ctype})")
    try:
        with opener(path) as fh:
            head = fh.read(512)
    except (OSError, EOFError, lzma.LZMAError) as exc:
        raise CorruptError(f"damaged {ctype} stream: {exc}") from exc
    if len(head) >= 262 and head[257:262] == b"ustar":
        return extract_tar(path, ctx)
    name = Path(ctx.filename).name if ctx.filename else path.name
    for suffix in _SUFFIXES[ctype]:
        if name.lower().endswith(suffix):
            name = name[: -len(suffix)] + (".tar" if suffix.startswith(".t") else "")
            break
    else:
        name = name + ".out"
    sink = ChildSink(ctx)
    packed = path.stat().st_size

    def chunks():
        with opener(path) as fh:
            while True:
                try:
                    chunk = fh.read(1 << 20)
                except (OSError, EOFError, lzma.LZMAError) as exc:
                    raise CorruptError(f"stream damaged: {exc}") from exc
                if not chunk:
                    return
                yield chunk

    sink.add_stream(name, chunks(), packed_size=packed)
    return archive_result(sink, {"format": ctype.rsplit("/", 1)[-1]}, [name])
