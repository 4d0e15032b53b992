"""Distribution-protected ("배포용") HWP 5: decrypting ``ViewText`` sections.

The first record of each section (``HWPTAG_DISTRIBUTE_DOC_DATA``, 256 bytes) is scrambled
with a key stream from the Microsoft C runtime's ``rand()`` seeded by its first 4 bytes; once
unscrambled it holds, at offset ``4 + (seed & 15)``, the 16-byte AES-128 key that encrypts
(ECB) the rest of the section.
"""

from __future__ import annotations

import struct

from extractors.base import CorruptError, EncryptedError
from extractors.hwp.records import TAG_DISTRIBUTE_DOC_DATA

_DOC_DATA_SIZE = 256


def _msvc_rand(seed: int):
    state = seed & 0xFFFFFFFF
    while True:
        state = (state * 214013 + 2531011) & 0xFFFFFFFF
        yield (state >> 16) & 0x7FFF


def unscramble(doc_data: bytes) -> bytes:
    """Undo the ``rand()`` XOR of a 256-byte DISTRIBUTE_DOC_DATA payload."""
    (seed,) = struct.unpack_from("<I", doc_data, 0)
    rand = _msvc_rand(seed)
    out = bytearray(doc_data)
    value, run = 0, 0
    for i in range(_DOC_DATA_SIZE):
        if run == 0:
            value = next(rand) & 0xFF
            run = (next(rand) & 0x0F) + 1
        if i >= 4:
            out[i] = doc_data[i] ^ value
        run -= 1
    return bytes(out)


def decrypt_view_section(raw: bytes) -> bytes:
    """The plain (possibly still deflated) section bytes of a ViewText stream."""
    if len(raw) < 4 + _DOC_DATA_SIZE:
        raise CorruptError("ViewText section too short")
    (header,) = struct.unpack_from("<I", raw, 0)
    tag, size = header & 0x3FF, header >> 20
    if tag != TAG_DISTRIBUTE_DOC_DATA or size != _DOC_DATA_SIZE:
        raise EncryptedError("ViewText section without its key record")
    doc_data = unscramble(raw[4:4 + _DOC_DATA_SIZE])
    offset = 4 + (doc_data[0] & 0x0F)
    key = doc_data[offset:offset + 16]
    body = raw[4 + _DOC_DATA_SIZE:]
    body = body[: len(body) - len(body) % 16]
    from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

    decryptor = Cipher(algorithms.AES(key), modes.ECB()).decryptor()
    return decryptor.update(body) + decryptor.finalize()
