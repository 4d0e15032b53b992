"""RTF: control words stripped, ``\\'hh`` escapes decoded in the document's code page."""

from __future__ import annotations

import re
from pathlib import Path

from extractors.base import CorruptError, ExtractContext, Extracted, Method, Status
from extractors.children import ChildSink
from extractors.office.oleobjects import rtf_objects

_BINARY_GROUPS = re.compile(rb"\{\\\*?\\(?:objdata|pict|bin\d*|datastore|themedata|colorschememapping)\b")


def extract_rtf(path: Path, ctx: ExtractContext) -> Extracted:
    """Plain text of an RTF file (embedded pictures and object data skipped)."""
    from striprtf.striprtf import rtf_to_text

    raw = path.read_bytes()
    if not raw.lstrip().startswith(b"{\\rtf"):
        raise CorruptError("not an RTF document (missing {\\rtf header)")
    sink = ChildSink(ctx)
    rtf_objects(raw, sink)
    raw = _drop_binary_groups(raw)
    try:
        text = rtf_to_text(raw.decode("latin-1"), errors="replace")
    except Exception as exc:
        raise CorruptError(f"RTF unreadable: {type(exc).__name__}: {exc}") from exc
    text = "\n".join(line.rstrip() for line in text.splitlines()).strip()
    return Extracted(status=Status.OK, text=text, method=Method.TEXT_LAYER, metadata=sink.metadata(),
                     children=tuple(sink.children))


def _drop_binary_groups(raw: bytes) -> bytes:
    """Remove picture/object-data groups, which are large hex blobs with no text."""
    out = bytearray()
    pos = 0
    for m in _BINARY_GROUPS.finditer(raw):
        if m.start() < pos:
            continue
        out += raw[pos:m.start()]
        depth, i = 0, m.start()
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
                    i += 1
                    break
            i += 1
        pos = i
    out += raw[pos:]
    return bytes(out)
