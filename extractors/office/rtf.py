"""RTF: control words stripped, ``\\'hh`` escapes decoded in the document's code page; PNG and JPEG
pictures (``{\\pict \\pngblip|\\jpegblip … hex}``) OCR'd (``extractors.pictures``)."""

from __future__ import annotations

import re
from pathlib import Path

from extractors.base import CorruptError, ExtractContext, Extracted, Method, Status
from extractors.children import ChildSink
from extractors.office.oleobjects import rtf_objects
from extractors.pictures import PictureOcr

_PICT = re.compile(rb"\{\\pict\b")
_BITMAP_BLIP = re.compile(rb"\\(?:pngblip|jpegblip)\b")
_CONTROL = re.compile(rb"\\[a-zA-Z]+-?\d* ?|\{\\\*\\blipuid [0-9a-fA-F ]*\}|[{}]")
_NOT_HEX = re.compile(rb"[^0-9a-fA-F]")
_BINARY_GROUPS = re.compile(rb"\{\\\*?\\(?:objdata|pict|bin\d*|datastore|themedata|colorschememapping)\b")


def extract_rtf(path: Path, ctx: ExtractContext) -> Extracted:
    """Plain text of an RTF file (embedded pictures and object data skipped)."""
    from striprtf.striprtf import rtf_to_text

    raw = path.read_bytes()
    if not raw.lstrip().startswith(b"{\\rtf"):
        raise CorruptError("not an RTF document (missing {\\rtf header)")
    sink = ChildSink(ctx)
    rtf_objects(raw, sink)
    pictures = PictureOcr(ctx)
    _pictures(raw, pictures)
    raw = _drop_binary_groups(raw)
    try:
        text = rtf_to_text(raw.decode("latin-1"), errors="replace")
    except Exception as exc:
        raise CorruptError(f"RTF unreadable: {type(exc).__name__}: {exc}") from exc
    text = "\n".join(line.rstrip() for line in text.splitlines()).strip()
    return pictures.finish(Extracted(status=Status.OK, text=text, method=Method.TEXT_LAYER,
                                     metadata=sink.metadata(), children=tuple(sink.children)))


def _pictures(raw: bytes, pictures: PictureOcr) -> None:
    """Offer the PNG and JPEG pictures of ``{\\pict …}`` groups (hex data) to ``pictures``."""
    if not pictures.enabled:
        return
    for number, m in enumerate(_PICT.finditer(raw), start=1):
        group = raw[m.start():_group_end(raw, m.start())]
        if not _BITMAP_BLIP.search(group[:400]):
            continue  # metafiles (\\wmetafile, \\emfblip): vector, and the copies older readers get
        digits = _NOT_HEX.sub(b"", _CONTROL.sub(b" ", group))
        try:
            pictures.offer(f"pict-{number}", bytes.fromhex(digits[: len(digits) // 2 * 2].decode("ascii")))
        except ValueError:
            pictures.skipped["unreadable image data"] += 1


def _drop_binary_groups(raw: bytes) -> bytes:
    """Remove picture/object-data groups, which are large hex blobs with no text."""
    out = bytearray()
    pos = 0
    for m in _BINARY_GROUPS.finditer(raw):
        if m.start() < pos:
            continue
        out += raw[pos:m.start()]
        pos = _group_end(raw, m.start())
    out += raw[pos:]
    return bytes(out)


def _group_end(raw: bytes, start: int) -> int:
    """The offset just past the group opened by the brace at ``start`` (the end of the data if unclosed)."""
    depth, i = 0, start
    while i < len(raw):
        ch = raw[i]
        if ch == 0x5C:  # backslash escapes the next byte
            i += 2
            continue
        if ch == 0x7B:
            depth += 1
        elif ch == 0x7D:
            depth -= 1
            if depth == 0:
                return i + 1
        i += 1
    return i
