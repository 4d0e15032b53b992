"""Recovering members of a truncated ZIP (no central directory) from its local file headers."""

from __future__ import annotations

import struct
import zlib
from pathlib import Path

from extractors.archive.names import decode_name

_LOCAL = b"PK\x03\x04"
_HEADER = struct.Struct("<4sHHHHHIIIHH")
_STORED, _DEFLATED = 0, 8


def salvage_members(path: Path, max_total: int, max_members: int) -> list[tuple[str, bytes]]:
    """``(name, data)`` of every complete stored/deflated member before the damage."""
    data = path.read_bytes()
    out: list[tuple[str, bytes]] = []
    pos, total = 0, 0
    while len(out) < max_members:
        pos = data.find(_LOCAL, pos)
        if pos < 0 or pos + _HEADER.size > len(data):
            break
        (_sig, _ver, flags, method, _t, _d, _crc, csize, usize, nlen, elen) = _HEADER.unpack_from(data, pos)
        start = pos + _HEADER.size + nlen + elen
        raw_name = data[pos + _HEADER.size:pos + _HEADER.size + nlen]
        name = raw_name.decode("utf-8", "replace") if flags & 0x800 else decode_name(raw_name)
        member: bytes | None = None
        end = start + csize
        if method == _DEFLATED:
            d = zlib.decompressobj(-15)
            try:
                member = d.decompress(data[start:start + csize] if csize and not flags & 0x8 else data[start:],
                                      max_total - total + 1)
            except zlib.error:
                member = None
            if member is not None and not d.eof:
                # cut in the middle: keep what inflated (XML parts are parsed in recovery mode)
                if member:
                    out.append((name, member))
                break
            if member is not None:
                end = len(data) - len(d.unused_data) if not csize or flags & 0x8 else start + csize
        elif method == _STORED and csize and end <= len(data):
            member = data[start:end]
        if member is not None and not name.endswith("/"):
            total += len(member)
            if total > max_total:
                break
            out.append((name, member))
        pos = max(end, pos + 4)
    return out
