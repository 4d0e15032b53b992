"""Test support: small Excel 97–2003 workbooks written record by record (charts and pictures included),
since no installed library writes BIFF charts."""

from __future__ import annotations

import struct
from pathlib import Path

from extractors.office.cfbwrite import compound_file


def record(rtype: int, body: bytes = b"") -> bytes:
    return struct.pack("<HH", rtype, len(body)) + body


def bof(kind: int) -> bytes:
    return record(0x0809, struct.pack("<HHHHII", 0x0600, kind, 0x0DBB, 0x07CC, 0, 0x0006))


def short_string(text: str) -> bytes:
    raw = text.encode("utf-16-le")
    return bytes([len(text), 1]) + raw


def label(row: int, col: int, text: str) -> bytes:
    return record(0x0204, struct.pack("<HHHHB", row, col, 15, len(text), 1) + text.encode("utf-16-le"))


def number(row: int, col: int, value: float) -> bytes:
    return record(0x0203, struct.pack("<HHHd", row, col, 15, value))


def chart(title: str, series: list[str], categories: list[str], values: list[float]) -> bytes:
    """A chart substream: title, literal series names, cached category labels and values."""
    out = bof(0x0020)
    for name in series:
        out += record(0x1003, b"\x00" * 12) + record(0x100D, b"\x00\x00" + short_string(name))
    out += record(0x1025, b"\x00" * 32) + record(0x100D, b"\x00\x00" + short_string(title))
    out += record(0x1065, struct.pack("<H", 2))
    out += b"".join(label(i, 0, c) for i, c in enumerate(categories))
    out += record(0x1065, struct.pack("<H", 1))
    out += b"".join(number(i, 0, v) for i, v in enumerate(values))
    return out + record(0x000A)


def blip_png(png: bytes) -> bytes:
    """An OfficeArt PNG BLIP record (one id) inside a drawing group container."""
    body = b"\x11" * 16 + b"\xff" + png
    blip = struct.pack("<HHI", 0x6E0 << 4, 0xF01E, len(body)) + body
    return struct.pack("<HHI", 0xF, 0xF000, len(blip)) + blip


def split_record(rtype: int, body: bytes) -> bytes:
    """A record over 8,224 bytes goes on in CONTINUE records."""
    chunks = [body[i:i + 8224] for i in range(0, len(body), 8224)] or [b""]
    return record(rtype, chunks[0]) + b"".join(record(0x003C, c) for c in chunks[1:])


def workbook_stream(cells: list[list[str]], charts: list[bytes] = (), chart_sheet: bytes | None = None,
                    pictures: list[bytes] = ()) -> bytes:
    """Globals (code page, drawing group, sheets), one worksheet with ``cells`` and embedded ``charts``,
    and optionally a chart sheet."""
    sheets = [("Data", 0)] + ([("Chart1", 2)] if chart_sheet is not None else [])

    def globals_(offsets: list[int]) -> bytes:
        out = bof(0x0005) + record(0x0042, struct.pack("<H", 1200))
        if pictures:
            out += split_record(0x00EB, b"".join(blip_png(p) for p in pictures))
        for (name, kind), offset in zip(sheets, offsets):
            out += record(0x0085, struct.pack("<IBB", offset, 0, kind) + short_string(name))
        return out + record(0x000A)

    rows = max(len(cells), 1)
    cols = max((len(r) for r in cells), default=1)
    sheet = bof(0x0010) + record(0x0200, struct.pack("<IIHHH", 0, rows, 0, cols, 0))
    sheet += b"".join(label(r, c, text) for r, row in enumerate(cells) for c, text in enumerate(row))
    sheet += b"".join(charts) + record(0x000A)
    head = len(globals_([0] * len(sheets)))
    offsets = [head, head + len(sheet)][: len(sheets)]
    return globals_(offsets) + sheet + (chart_sheet or b"")


def write_xls(target: Path, stream: bytes, extra: dict[tuple[str, ...], bytes] | None = None) -> Path:
    target.write_bytes(compound_file({("Workbook",): stream, **(extra or {})}, {}))
    return target
