"""Hancom charts (``VtChart``): the titles, axis titles, series names and category labels of a chart that an HWP
document embeds as an OLE object (``BinData/BIN*.OLE``, a compound file whose ``Contents`` stream is the chart).

The stream is a serialised object tree whose layout Hancom does not publish in full; every text in it (a VtString)
is stored twice, as CP949 and as UTF-16, one after the other: a 2-byte length, the CP949 bytes and their NUL, one
zero byte, the UTF-16 code units and their NUL. A run of bytes that reads the same both ways is taken as one of the
chart's texts; anything else (numbers, colours, fonts' sizes, the class table) cannot read the same twice by
chance. Number formats and bare numbers (``0%``, ``100``) and the font's face name are left out. The texts keep the
chart's own order (category and series labels first, then the axis and chart titles), each once.

The data grid (``VtDataGrid``) comes first in the tree: numbered values (a 4-byte running number, the class of the
value, the value: a VtString, a 4-byte VtInteger or an 8-byte VtDouble; a class named the first time it is used),
the column labels, then each row's label and its numbers. Where those values follow one another and every row has
as many numbers as there are column labels, the grid is the chart's table (``pages[0].tables``, and tab-separated
rows at the head of the text); otherwise only the texts are given.
"""

from __future__ import annotations

import re
import struct
from pathlib import Path

from extractors.base import ExtractContext, Extracted, Method, Page, Status, Table

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


#: A class named in the stream: its 4-byte number, the name's length with its NUL, the name, version 1.
_CLASS = re.compile(rb"(?s)(.{4})(.{2})(Vt[A-Za-z0-9]{1,40})\x00\x01\x00")
_VALUE_CLASSES = ("VtString", "VtInteger", "VtDouble")
#: How far past the end of one grid value the next one's running number may be (its wrapper's header).
_NEXT_VALUE = 48
#: How far past the data grid's class name its first value may be (the classes named before it).
_FIRST_VALUE = 512


def chart_grid(contents: bytes) -> tuple[tuple[str, ...], ...] | None:
    """The chart's data grid as rows (a header row of column labels after an empty corner, then each row's label
    and numbers), or None when the stream does not read as one (see the module docstring)."""
    classes: dict[int, str] = {}
    for m in _CLASS.finditer(contents):
        name = m.group(3).decode("ascii")
        if name in _VALUE_CLASSES and struct.unpack("<H", m.group(2))[0] == len(name) + 1:
            classes.setdefault(struct.unpack("<I", m.group(1))[0], name)
    start = contents.find(b"VtDataGrid")
    if start < 0 or "VtString" not in classes.values():
        return None
    values: list[str | float] = []
    number = next((k for k in range(64) if _grid_value(contents, start, k, classes, _FIRST_VALUE)), None)
    at, window = start, _FIRST_VALUE
    while number is not None and (found := _grid_value(contents, at, number, classes, window)) is not None:
        value, at = found
        values.append(value)
        number, window = number + 1, _NEXT_VALUE
    return _rows(values)


def _grid_value(data: bytes, at: int, number: int, classes: dict[int, str],
                window: int) -> tuple[str | float, int] | None:
    """The grid value numbered ``number`` within ``window`` bytes of ``at``, and where it ends."""
    key = struct.pack("<I", number)
    hit = data.find(key, at, at + window)
    while hit >= 0 and hit + 8 <= len(data):
        name = classes.get(struct.unpack_from("<I", data, hit + 4)[0])
        if name is not None:
            start = hit + 8
            (length,) = struct.unpack_from("<H", data, start) if start + 2 <= len(data) else (0,)
            if length == len(name) + 1 and data[start + 2: start + 2 + len(name)] == name.encode():
                start += 2 + length + 2  # the class named here, on its first use
            if name == "VtString":
                text, size = _dual_string(data, start) if start + 2 <= len(data) else (None, 0)
                if text is not None:
                    return text, start + size
            elif name == "VtInteger" and start + 4 <= len(data):
                return float(struct.unpack_from("<i", data, start)[0]), start + 4
            elif name == "VtDouble" and start + 8 <= len(data):
                return struct.unpack_from("<d", data, start)[0], start + 8
        hit = data.find(key, hit + 1, at + window)
    return None


def _rows(values: list[str | float]) -> tuple[tuple[str, ...], ...] | None:
    """Column labels, then a label and the same number of numbers per row; None for any other shape."""
    labels: list[str] = []
    while len(labels) < len(values) and isinstance(values[len(labels)], str):
        labels.append(values[len(labels)])  # type: ignore[arg-type]
    columns, rest = labels[:-1], values[len(labels) - 1:]
    if not columns or not rest:
        return None
    rows: list[tuple[str, ...]] = [("", *columns)]
    for k in range(0, len(rest), len(columns) + 1):
        row = rest[k: k + len(columns) + 1]
        if len(row) != len(columns) + 1 or not isinstance(row[0], str) or any(isinstance(v, str) for v in row[1:]):
            return None
        rows.append((row[0], *(_number(v) for v in row[1:])))  # type: ignore[arg-type]
    return tuple(rows) if len(rows) > 1 else None


def _number(value: float) -> str:
    if value != value or value in (float("inf"), float("-inf")):
        return ""
    return str(int(value)) if value.is_integer() and abs(value) < 1e15 else repr(value)


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
            declared = ole.get_size("Contents")
            contents = ole.openstream("Contents").read()
    except (OSError, ValueError) as exc:  # olefile raises OSError subclasses for damaged compound files
        return Extracted.failure(Status.CORRUPT, f"chart object unreadable: {exc}")
    if not is_chart(contents):
        if len(contents) < declared:
            return Extracted.failure(Status.CORRUPT, f"chart object truncated: {len(contents)} of the {declared} "
                                     "bytes of its Contents stream")
        return Extracted.failure(Status.UNSUPPORTED, "embedded object is not a Hancom chart")
    texts = chart_texts(contents)
    grid = chart_grid(contents)
    meta = {"chart_texts": len(texts), "chart_format": "Hancom VtChart"}
    text, pages = "\n".join(texts), ()
    if grid is not None:
        table = Table(grid)
        shown = {cell for row in grid for cell in row}
        text = "\n".join([table.as_text(), *(t for t in texts if t not in shown)])
        meta["chart_grid"] = f"{len(grid) - 1} rows × {len(grid[0]) - 1} columns"
        pages = (Page(1, text, tables=(table,)),)
    if len(contents) < declared:  # what the object holds past the damage is lost, and said so
        return Extracted(status=Status.PARTIAL if text else Status.CORRUPT, text=text, method=Method.TEXT_LAYER,
                         metadata=meta, pages=pages, reason=f"chart object truncated: {len(contents)} of the "
                         f"{declared} bytes of its Contents stream read")
    return Extracted(status=Status.OK, text=text, method=Method.TEXT_LAYER, metadata=meta, pages=pages)
