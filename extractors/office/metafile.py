"""Text drawn in Windows metafiles (EMF, WMF): the vector pictures that Office pastes charts, diagrams
and drawings as. Their text is in drawing records, not pixels, so it is read exactly instead of OCR'd.

EMF records are a 4-byte type and a 4-byte size; ``EMR_EXTTEXTOUTW`` (84, UTF-16) and
``EMR_EXTTEXTOUTA`` (83, 8-bit) carry a reference point, a character count and the string's offset in
the record. WMF records are a 4-byte size in 16-bit words and a 2-byte function; ``META_TEXTOUT``
(0x0521) and ``META_EXTTEXTOUT`` (0x0A32) carry 8-bit strings in the character set of the font last
created (``META_CREATEFONTINDIRECT``, 0x02FB: Hangul is code page 949). Fragments on one baseline are
joined by spaces, baselines by line breaks. EMF+ records (GDI+ text in comments) are not read; EMF+
files written as "dual" carry the same text in plain EMF records too.
"""

from __future__ import annotations

import struct

#: Records past this many are not read (bounded work on huge drawings).
MAX_RECORDS = 200_000
#: Fragments whose baselines differ by at most this (logical units) are on one line.
_SAME_LINE = 4
#: LOGFONT character sets -> Python codecs.
_CHARSETS = {0: "cp1252", 129: "cp949", 130: "johab", 128: "cp932", 134: "gbk", 136: "cp950", 161: "cp1253",
             162: "cp1254", 177: "cp1255", 178: "cp1256", 186: "cp1257", 204: "cp1251", 238: "cp1250", 222: "cp874"}


def metafile_text(data: bytes) -> str:
    """The text drawn by an EMF or WMF picture ('' when it draws none or is not one)."""
    try:
        if data[:4] == b"\x01\x00\x00\x00" and data[40:44] == b" EMF":
            return _joined(_emf_fragments(data))
        return _joined(_wmf_fragments(data))
    except (struct.error, ValueError):
        return ""


def _emf_fragments(data: bytes) -> list[tuple[int, str]]:
    out: list[tuple[int, str]] = []
    pos = 0
    for _ in range(MAX_RECORDS):
        if pos + 8 > len(data):
            break
        rtype, size = struct.unpack_from("<II", data, pos)
        if size < 8 or pos + size > len(data):
            break
        if rtype in (83, 84) and size >= 76:
            y = struct.unpack_from("<i", data, pos + 40)[0]
            count, offset = struct.unpack_from("<II", data, pos + 44)
            width = 2 if rtype == 84 else 1
            raw = data[pos + offset:pos + offset + count * width]
            text = raw.decode("utf-16-le" if width == 2 else "cp1252", "replace")
            out.append((y, text))
        elif rtype == 14:  # EMR_EOF
            break
        pos += size
    return out


def _wmf_fragments(data: bytes) -> list[tuple[int, str]]:
    pos = 22 if data[:4] == b"\xd7\xcd\xc6\x9a" else 0
    kind, header_words = struct.unpack_from("<HH", data, pos)
    if kind not in (1, 2) or header_words != 9:
        return []
    pos += 18
    codec = "cp1252"
    out: list[tuple[int, str]] = []
    for _ in range(MAX_RECORDS):
        if pos + 6 > len(data):
            break
        words, function = struct.unpack_from("<IH", data, pos)
        if words < 3 or pos + 2 * words > len(data) or function == 0:
            break
        params = data[pos + 6:pos + 2 * words]
        if function == 0x02FB and len(params) >= 14:
            codec = _CHARSETS.get(params[13], codec)
        elif function == 0x0521 and len(params) >= 2:
            (length,) = struct.unpack_from("<H", params, 0)
            text = params[2:2 + length]
            y_at = 2 + length + (length & 1)
            y = struct.unpack_from("<h", params, y_at)[0] if y_at + 2 <= len(params) else 0
            out.append((y, text.decode(codec, "replace")))
        elif function == 0x0A32 and len(params) >= 8:
            y, _x, length, options = struct.unpack_from("<hhHH", params, 0)
            start = 8 + (8 if options & 0x0006 else 0)
            out.append((y, params[start:start + length].decode(codec, "replace")))
        pos += 2 * words
    return out


def _joined(fragments: list[tuple[int, str]]) -> str:
    lines: list[list[str]] = []
    last: int | None = None
    for y, text in fragments:
        text = "".join(ch for ch in text if ch.isprintable()).strip()
        if not text:
            continue
        if last is not None and abs(y - last) <= _SAME_LINE and lines:
            lines[-1].append(text)
        else:
            lines.append([text])
        last = y
    return "\n".join(" ".join(parts) for parts in lines)
