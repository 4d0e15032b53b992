"""Hancom charts (``VtChart``): the titles, axis titles, series names and category labels of a chart that an HWP
document embeds as an OLE object (``BinData/BIN*.OLE``, a compound file whose ``Contents`` stream is the chart).

The stream is a serialised object tree whose layout Hancom does not publish in full; every text in it (a VtString)
is stored twice, as CP949 and as UTF-16, one after the other: a 2-byte length, the CP949 bytes and their NUL, one
zero byte, the UTF-16 code units and their NUL. A run of bytes that reads the same both ways is taken as one of the
chart's texts; anything else (numbers, colours, fonts' sizes, the class table) cannot read the same twice by
chance. Number formats and bare numbers (``0%``, ``100``) and the font's face name are left out; the values of the
data grid are not read (they are typed numbers in the tree, not texts). The texts keep the chart's own order
(category and series labels first, then the axis and chart titles), each once.
"""

from __future__ import annotations

import struct
from pathlib import Path

from extractors.base import ExtractContext, Extracted, Method, Status

#: A chart's ``Contents`` names its classes in its first bytes; this one is always among them.
MARK = b"VtChart"
#: Longest text taken (bytes of one stored VtString); chart texts are labels and titles.
MAX_TEXT_BYTES = 4000
#: A text preceded by these bytes is the face name inside a VtFont object (its class defined just before).
_FONT_CLASS = b"VtFont\x00"


def is_chart(head: bytes) -> bool:
    """Whether the first bytes of an OLE object's ``Contents`` stream are a Hancom chart's."""
    return MARK in head[:512]


def chart_texts(contents: bytes) -> list[str]:
    """The chart's texts in stream order, each once (see the module docstring)."""
    found: list[str] = []
    seen: set[str] = set()
    fonts: set[str] = set()
    i, end = 0, len(contents) - 4
    while i < end:
        text, size = _dual_string(contents, i)
        if text is None:
            i += 1
            continue
        if contents.rfind(_FONT_CLASS, max(0, i - 32), i) >= 0 or text in fonts:
            fonts.add(text)  # the face name of a font, wherever it appears again
        elif text not in seen and any(ch.isalpha() for ch in text):
            seen.add(text)
            found.append(text)
        i += size
    return [t for t in found if t not in fonts]


def _dual_string(data: bytes, at: int) -> tuple[str | None, int]:
    """The text stored at ``at`` in both encodings, and how many bytes it takes; ``(None, 0)`` if none is."""
    (length,) = struct.unpack_from("<H", data, at)
    if not 4 <= length <= MAX_TEXT_BYTES or at + 2 + length > len(data):
        return None, 0
    body = data[at + 2: at + 2 + length]
    nul = body.find(b"\x00")
    wide = body[nul + 2:] if nul > 0 else b""
    if nul <= 0 or body[nul + 1: nul + 2] != b"\x00" or len(wide) < 4 or len(wide) % 2 or wide[-2:] != b"\x00\x00":
        return None, 0
    try:
        narrow, unicode = body[:nul].decode("cp949"), wide[:-2].decode("utf-16-le")
    except UnicodeDecodeError:
        return None, 0
    if narrow != unicode or not narrow.strip():
        return None, 0
    return " ".join(narrow.split()), 2 + length


def extract_hwp_chart(path: Path, ctx: ExtractContext) -> Extracted:
    """A Hancom chart object (``application/x-hwp-chart``): its texts, one per line."""
    import olefile

    try:
        with olefile.OleFileIO(str(path)) as ole:
            if not ole.exists("Contents"):
                return Extracted.failure(Status.CORRUPT, "chart object without its Contents stream")
            contents = ole.openstream("Contents").read()
    except (OSError, ValueError) as exc:  # olefile raises OSError subclasses for damaged compound files
        return Extracted.failure(Status.CORRUPT, f"chart object unreadable: {exc}")
    if not is_chart(contents):
        return Extracted.failure(Status.UNSUPPORTED, "embedded object is not a Hancom chart")
    texts = chart_texts(contents)
    return Extracted(status=Status.OK, text="\n".join(texts), method=Method.TEXT_LAYER,
                     metadata={"chart_texts": len(texts), "chart_format": "Hancom VtChart (titles and labels)"})
