"""Pictures of legacy Word, Excel and PowerPoint files: the OfficeArt BLIP records that hold them.

Word keeps its pictures in the ``Data`` and ``WordDocument`` streams, PowerPoint in ``Pictures``,
Excel in the ``MSODRAWINGGROUP`` records of its ``Workbook`` stream (``extractors.office.biff``).
Each picture is a record with an 8-byte header (version 0, an instance naming the format and whether
one or two 16-byte ids follow, a type 0xF01A–0xF117, the length), a one-byte tag for bitmaps, then the
file's bytes. Records are found by their type and checked by instance, length and the bytes' own
magic, so stray matches in other data are ignored. DIB pictures get a BMP file header.
"""

from __future__ import annotations

import struct
from collections.abc import Iterator

#: Bitmap BLIP type -> (instance with one id, instance with two ids, expected magic or None for DIB).
_BITMAPS = {
    0xF01D: ((0x46A, 0x6E2), (0x46B, 0x6E3), b"\xff\xd8"),  # JPEG (RGB and CMYK)
    0xF02A: ((0x46A, 0x6E2), (0x46B, 0x6E3), b"\xff\xd8"),
    0xF01E: ((0x6E0,), (0x6E1,), b"\x89PNG"),
    0xF01F: ((0x7A8,), (0x7A9,), None),  # DIB
    0xF029: ((0x6E4,), (0x6E5,), (b"II*\x00", b"MM\x00*")),
}
#: Metafile BLIPs (EMF, WMF, PICT): vector pictures, counted but not OCR'd.
_METAFILES = {0xF01A: (0x3D4, 0x3D5), 0xF01B: (0x216, 0x217), 0xF01C: (0x542, 0x543)}
#: A picture larger than this is not taken (bounded memory).
MAX_BLIP_BYTES = 64 * 1024 * 1024
#: Marker bytes handed on for a vector picture that cannot be unpacked (``extractors.pictures`` counts
#: them as an EMF without text).
VECTOR_MARK = b"\x01\x00\x00\x00" + b"\x00" * 36 + b" EMF"
#: Metafile BLIPs: 16-byte id(s), then a 34-byte header (sizes, bounds, compression), then the data.
_METAFILE_HEADER = 34


def find_blips(data: bytes) -> Iterator[tuple[int, bytes]]:
    """(offset, picture bytes) of every BLIP record in ``data``; vector pictures as ``VECTOR_MARK``."""
    hits: list[int] = []
    for rtype in (*_BITMAPS, *_METAFILES):
        needle = struct.pack("<H", rtype)
        pos = data.find(needle, 2)
        while pos != -1:
            hits.append(pos - 2)
            pos = data.find(needle, pos + 1)
    end = 0
    for start in sorted(hits):
        if start < end:
            continue  # inside a picture already taken
        picture = _blip_at(data, start)
        if picture is not None:
            length = struct.unpack_from("<I", data, start + 4)[0]
            end = start + 8 + length
            yield start, picture


def _blip_at(data: bytes, start: int) -> bytes | None:
    if start + 8 > len(data):
        return None
    ver_inst, rtype, length = struct.unpack_from("<HHI", data, start)
    if ver_inst & 0xF or length > MAX_BLIP_BYTES or start + 8 + length > len(data):
        return None
    instance = ver_inst >> 4
    body = data[start + 8:start + 8 + length]
    if rtype in _METAFILES:
        if instance not in _METAFILES[rtype]:
            return None
        return _metafile(body, 16 if instance == _METAFILES[rtype][0] else 32, rtype) or VECTOR_MARK
    one, two, magic = _BITMAPS[rtype]
    if instance in one:
        skip = 17
    elif instance in two:
        skip = 33
    else:
        return None
    payload = body[skip:]
    if magic is None:
        return _bmp_from_dib(payload)
    magics = magic if isinstance(magic, tuple) else (magic,)
    return payload if payload.startswith(magics) else None


def _metafile(body: bytes, skip: int, rtype: int) -> bytes | None:
    """The EMF or WMF file of a metafile BLIP (deflated unless its compression byte is 0xFE)."""
    import zlib

    if rtype == 0xF01C or len(body) < skip + _METAFILE_HEADER:
        return None  # PICT: not read
    size, = struct.unpack_from("<I", body, skip)
    compression = body[skip + 32]
    data = body[skip + _METAFILE_HEADER:]
    if compression == 0xFE:
        return data
    for wbits in (15, -15):
        try:
            return zlib.decompressobj(wbits).decompress(data, min(size, MAX_BLIP_BYTES) or MAX_BLIP_BYTES)
        except zlib.error:
            continue
    return None


def _bmp_from_dib(dib: bytes) -> bytes | None:
    """A BMP file of a device-independent bitmap (BITMAPINFOHEADER, palette, pixels)."""
    if len(dib) < 40:
        return None
    header_size, _w, _h, planes, bits = struct.unpack_from("<IiiHH", dib, 0)
    if header_size not in (12, 40, 52, 56, 108, 124) or planes != 1 or bits not in (1, 4, 8, 16, 24, 32):
        return None
    colours = struct.unpack_from("<I", dib, 32)[0] if header_size >= 40 else 0
    if bits <= 8 and not colours:
        colours = 1 << bits
    compression = struct.unpack_from("<I", dib, 16)[0] if header_size >= 40 else 0
    masks = 12 if header_size == 40 and compression == 3 else 0
    offset = 14 + header_size + masks + colours * (3 if header_size == 12 else 4)
    return b"BM" + struct.pack("<IHHI", 14 + len(dib), 0, 0, offset) + dib
