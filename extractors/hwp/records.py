"""HWP 5 binary records and the text of ``HWPTAG_PARA_TEXT`` records.

A record header is one little-endian 32-bit word: tag id (10 bits), nesting level
(10 bits), size (12 bits; 0xFFF means a 32-bit size follows).
"""

from __future__ import annotations

import struct
from dataclasses import dataclass
from typing import Iterator

HWPTAG_BEGIN = 0x10
TAG_DISTRIBUTE_DOC_DATA = HWPTAG_BEGIN + 12
TAG_PARA_HEADER = HWPTAG_BEGIN + 50
TAG_PARA_TEXT = HWPTAG_BEGIN + 51
TAG_CTRL_HEADER = HWPTAG_BEGIN + 55
TAG_LIST_HEADER = HWPTAG_BEGIN + 56
TAG_EQEDIT = HWPTAG_BEGIN + 72

#: Control characters that occupy 8 UTF-16 units (the code, 6 units of data, the code again).
_WIDE_CONTROLS = frozenset({1, 2, 3, 4, 5, 6, 7, 8, 9, 11, 12, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23})
_CHAR_MAP = {9: "\t", 10: "\n", 13: "", 24: "-", 30: " ", 31: " "}


@dataclass(frozen=True)
class Record:
    tag: int
    level: int
    payload: bytes


def iter_records(data: bytes) -> Iterator[Record]:
    """Records of one stream; stops quietly at a truncated record."""
    pos, end = 0, len(data)
    while pos + 4 <= end:
        (header,) = struct.unpack_from("<I", data, pos)
        pos += 4
        tag, level, size = header & 0x3FF, (header >> 10) & 0x3FF, header >> 20
        if size == 0xFFF:
            if pos + 4 > end:
                return
            (size,) = struct.unpack_from("<I", data, pos)
            pos += 4
        if pos + size > end:
            return
        yield Record(tag, level, data[pos:pos + size])
        pos += size


def para_text(payload: bytes) -> str:
    """Visible text of a PARA_TEXT record: controls dropped, tabs and line breaks kept."""
    units = struct.unpack(f"<{len(payload) // 2}H", payload[: len(payload) // 2 * 2])
    out: list[str] = []
    i, n = 0, len(units)
    while i < n:
        code = units[i]
        if code < 32:
            if code in _CHAR_MAP:
                out.append(_CHAR_MAP[code])
            i += 8 if code in _WIDE_CONTROLS else 1
            continue
        out.append(chr(code))
        i += 1
    text = "".join(out)
    if any(0xD800 <= ord(c) <= 0xDFFF for c in text):
        text = text.encode("utf-16", "surrogatepass").decode("utf-16", "replace")
    return text


def equation_script(payload: bytes) -> str:
    """The script of an equation (e.g. ``y = SIGMA (x^{2}+2x+1)``) from an EQEDIT record."""
    if len(payload) < 6:
        return ""
    (length,) = struct.unpack_from("<H", payload, 4)
    return payload[6:6 + 2 * length].decode("utf-16-le", "replace").strip()
