"""What xlrd does not read from an Excel 97–2003 ``Workbook`` stream: its charts and its pictures.

BIFF8 records are a 2-byte type, a 2-byte length and the body; a record longer than 8,224 bytes goes
on in ``CONTINUE`` records (0x003C). A chart is a substream from a ``BOF`` (0x0809) of type 0x0020 to
its ``EOF`` (0x000A): a chart sheet of its own, or embedded in a worksheet's substream after the
drawing object that places it. Its text is in ``SERIESTEXT`` records (0x100D): the chart title, axis
titles, data labels and the series names typed into the chart (a ``TEXT`` record, 0x1025, opens each
text block). Its cached data follows ``SIINDEX`` records (0x1065): index 2 introduces the category
labels as ``LABEL``/``NUMBER`` cells; index 1 the values (numbers, left out). Series names and
categories that point at cells are already in the sheet's text.

Pictures are in the drawing group (``MSODRAWINGGROUP``, 0x00EB, with its ``CONTINUE`` records), as
OfficeArt BLIP records (``extractors.office.blips``).
"""

from __future__ import annotations

import struct
from collections.abc import Iterator
from dataclasses import dataclass, field

RT_BOF = 0x0809
RT_EOF = 0x000A
RT_CONTINUE = 0x003C
RT_BOUNDSHEET = 0x0085
RT_DRAWING_GROUP = 0x00EB
RT_SERIES_TEXT = 0x100D
RT_TEXT = 0x1025
RT_SERIES = 0x1003
RT_SIINDEX = 0x1065
RT_LABEL = 0x0204
RT_NUMBER = 0x0203
DT_CHART = 0x0020
DT_WORKSHEET = 0x0010
SI_CATEGORIES = 2
#: Charts past this many are counted, not read (bounded work).
MAX_CHARTS = 500


@dataclass
class ChartText:
    """The text of one chart: titles and names, category labels, and where it sits."""

    where: str
    texts: list[str] = field(default_factory=list)
    categories: list[str] = field(default_factory=list)
    series: int = 0

    def lines(self) -> list[str]:
        return list(dict.fromkeys(t for t in [*self.texts, *self.categories] if t.strip()))


def records(stream: bytes) -> Iterator[tuple[int, int, bytes]]:
    """(offset, type, body) of each record; a record cut short ends the walk."""
    pos, end = 0, len(stream)
    while pos + 4 <= end:
        rtype, length = struct.unpack_from("<HH", stream, pos)
        if pos + 4 + length > end:
            return
        yield pos, rtype, stream[pos + 4:pos + 4 + length]
        pos += 4 + length


def drawing_group(stream: bytes) -> bytes:
    """The workbook's drawing group (pictures' store) with its CONTINUE records joined."""
    parts: list[bytes] = []
    joining = False
    for _pos, rtype, body in records(stream):
        if rtype == RT_DRAWING_GROUP:
            parts.append(body)
            joining = True
        elif rtype == RT_CONTINUE and joining:
            parts.append(body)
        else:
            joining = False
    return b"".join(parts)


def sheet_names(stream: bytes) -> dict[int, str]:
    """Stream offset of each sheet's BOF -> its name (from the BOUNDSHEET records)."""
    names: dict[int, str] = {}
    for _pos, rtype, body in records(stream):
        if rtype == RT_BOUNDSHEET and len(body) >= 8:
            (offset,) = struct.unpack_from("<I", body, 0)
            names[offset] = _short_string(body, 6) or ""
        elif rtype == RT_EOF:
            break
    return names


def read_charts(stream: bytes) -> tuple[list[ChartText], int]:
    """The charts of a workbook stream (chart sheets and charts embedded in worksheets), and how many
    there were in all (more than ``MAX_CHARTS`` are counted only)."""
    names = sheet_names(stream)
    charts: list[ChartText] = []
    total = 0
    sheet = ""
    current: ChartText | None = None
    si_index = 0
    depth = 0
    for pos, rtype, body in records(stream):
        if rtype == RT_BOF:
            depth += 1
            kind = struct.unpack_from("<H", body, 2)[0] if len(body) >= 4 else 0
            if pos in names:
                sheet = names[pos]
            if kind == DT_CHART:
                total += 1
                label = f"chart sheet {sheet}" if pos in names else f"chart {total} on sheet {sheet}"
                current = ChartText(label) if total <= MAX_CHARTS else None
                si_index = 0
            continue
        if rtype == RT_EOF:
            depth -= 1
            if current is not None:
                charts.append(current)
                current = None
            continue
        if current is None:
            continue
        if rtype == RT_SERIES_TEXT and len(body) >= 4:
            text = _short_string(body, 2)
            if text:
                current.texts.append(text)
        elif rtype == RT_SERIES:
            current.series += 1
        elif rtype == RT_SIINDEX and len(body) >= 2:
            si_index = struct.unpack_from("<H", body, 0)[0]
        elif si_index == SI_CATEGORIES and rtype == RT_LABEL and len(body) >= 9:
            text = _unicode_string(body, 6)
            if text:
                current.categories.append(text)
        elif si_index == SI_CATEGORIES and rtype == RT_NUMBER and len(body) >= 14:
            value = struct.unpack_from("<d", body, 6)[0]
            current.categories.append(f"{value:g}")
    if current is not None:  # a chart cut short: keep what was read
        charts.append(current)
    return charts, total


def _short_string(body: bytes, pos: int) -> str | None:
    """A ShortXLUnicodeString (1-byte count, flags, characters) at ``pos``."""
    if pos + 2 > len(body):
        return None
    count, flags = body[pos], body[pos + 1]
    return _chars(body, pos + 2, count, flags)


def _unicode_string(body: bytes, pos: int) -> str | None:
    """An XLUnicodeString (2-byte count, flags, characters) at ``pos``."""
    if pos + 3 > len(body):
        return None
    (count,) = struct.unpack_from("<H", body, pos)
    return _chars(body, pos + 3, count, body[pos + 2])


def _chars(body: bytes, pos: int, count: int, flags: int) -> str:
    if flags & 1:
        raw = body[pos:pos + 2 * count]
        text = raw[: len(raw) // 2 * 2].decode("utf-16-le", "replace")
    else:
        text = body[pos:pos + count].decode("latin-1")
    return text.replace("\x00", "").strip()
