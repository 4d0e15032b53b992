"""Test support: password-protect a plain DOC, XLS or PPT with RC4 CryptoAPI, as Office 2003 does, or a
DOC or XLS with the older binary RC4 of Office 97/2000 (``binary_rc4=True``, [MS-OFFCRYPTO] 2.3.6).

No tool here writes encrypted legacy Office files (msoffcrypto only decrypts them), so the
fixtures are made from plain corpus files following [MS-OFFCRYPTO] 2.3.5 (RC4 CryptoAPI key
derivation and verifier), [MS-DOC] 2.2.6.2 (encrypted Table/WordDocument/Data streams),
[MS-XLS] 2.2.10 (FilePass, encrypted record bodies) and [MS-PPT] 2.3.7 (CryptSession10Container,
persist objects encrypted one by one). RC4 is the ``cryptography`` package's; nothing here comes
from the code under test.
"""

from __future__ import annotations

import hashlib
import os
import struct
from pathlib import Path

from cfb_writer import read_tree, write_cfb

KEY_BITS = 128
_CSP = "Microsoft Enhanced Cryptographic Provider v1.0\0".encode("utf-16-le")


def _rc4(key: bytes, data: bytes) -> bytes:
    from cryptography.hazmat.primitives.ciphers import Cipher

    try:
        from cryptography.hazmat.decrepit.ciphers.algorithms import ARC4
    except ImportError:  # older cryptography
        from cryptography.hazmat.primitives.ciphers.algorithms import ARC4
    return Cipher(ARC4(key), mode=None).encryptor().update(data)


def _block_key(password: str, salt: bytes, block: int) -> bytes:
    h0 = hashlib.sha1(salt + password.encode("utf-16-le")).digest()
    return hashlib.sha1(h0 + struct.pack("<I", block)).digest()[: KEY_BITS // 8]


def _binary_rc4_key(password: str, salt: bytes, block: int) -> bytes:
    """[MS-OFFCRYPTO] 2.3.6.2: MD5 of the password, its first 5 bytes with the salt 16 times over, MD5
    again, and per block MD5 of those 5 bytes with the block number (a 128-bit RC4 key)."""
    truncated = hashlib.md5(password.encode("utf-16-le")).digest()[:5]
    intermediate = hashlib.md5((truncated + salt) * 16).digest()[:5]
    return hashlib.md5(intermediate + struct.pack("<I", block)).digest()


def _keystream(password: str, salt: bytes, length: int, block_size: int, binary_rc4: bool = False) -> bytes:
    """RC4 output for a stream whose key changes every ``block_size`` bytes."""
    key_of = _binary_rc4_key if binary_rc4 else _block_key
    out = bytearray()
    for block in range(-(-length // block_size)):
        out += _rc4(key_of(password, salt, block), b"\0" * block_size)
    return bytes(out[:length])


def binary_rc4_info(password: str, salt: bytes) -> bytes:
    """An RC4 encryption header (version 1.1): salt, encrypted verifier and its encrypted MD5."""
    verifier = os.urandom(16)
    sealed = _rc4(_binary_rc4_key(password, salt, 0), verifier + hashlib.md5(verifier).digest())
    return struct.pack("<HH", 1, 1) + salt + sealed


def _xor(data: bytes, stream: bytes) -> bytes:
    return bytes(a ^ b for a, b in zip(data, stream))


def encryption_info(password: str, salt: bytes) -> bytes:
    """An RC4 CryptoAPI EncryptionHeader (version 4.2) with its verifier for ``password``."""
    header = struct.pack("<IIIIIIII", 0x04, 0, 0x6801, 0x8004, KEY_BITS, 1, 0, 0) + _CSP
    verifier = os.urandom(16)
    sealed = _rc4(_block_key(password, salt, 0), verifier + hashlib.sha1(verifier).digest())
    body = struct.pack("<I", 16) + salt + sealed[:16] + struct.pack("<I", 20) + sealed[16:]
    return struct.pack("<HHII", 4, 2, 0x04, len(header)) + header + body


def encrypt_doc(plain: Path, target: Path, password: str, binary_rc4: bool = False) -> None:
    """Word 97–2003: the header goes first in the Table stream; the FIB after FibBase is encrypted."""
    streams, clsids = read_tree(plain)
    word = bytearray(streams[("WordDocument",)])
    flags = struct.unpack_from("<H", word, 0x0A)[0]
    table_key = ("1Table",) if flags & 0x0200 else ("0Table",)
    salt = os.urandom(16)
    info = binary_rc4_info(password, salt) if binary_rc4 else encryption_info(password, salt)
    shift = len(info)
    # every fc of FibRgFcLcb points into the Table stream, which now starts with the header
    pairs_at = 32 + 2 + 28 + 2 + 88 + 2
    (count,) = struct.unpack_from("<H", word, pairs_at - 2)
    for i in range(count):
        fc, lcb = struct.unpack_from("<II", word, pairs_at + 8 * i)
        if lcb:
            struct.pack_into("<I", word, pairs_at + 8 * i, fc + shift)
    struct.pack_into("<H", word, 0x0A, (flags | 0x0100) & ~0x8000)  # fEncrypted, not fObfuscation
    struct.pack_into("<I", word, 0x0E, shift)  # lKey: the header's size
    sealed = bytearray(_xor(bytes(word), _keystream(password, salt, len(word), 512, binary_rc4)))
    sealed[:68] = word[:68]
    streams[("WordDocument",)] = bytes(sealed)
    table = info + streams[table_key]
    sealed_table = bytearray(_xor(table, _keystream(password, salt, len(table), 512, binary_rc4)))
    sealed_table[:shift] = info
    streams[table_key] = bytes(sealed_table)
    if ("Data",) in streams:
        data = streams[("Data",)]
        streams[("Data",)] = _xor(data, _keystream(password, salt, len(data), 512, binary_rc4))
    write_cfb(target, streams, clsids)


_XLS_PLAIN = {0x0809, 0x002F, 0x0194, 0x0195, 0x00E1, 0x0196, 0x0138}  # BOF, FilePass, UsrExcl…


def encrypt_xls(plain: Path, target: Path, password: str, binary_rc4: bool = False) -> None:
    """Excel 97–2003: a FilePass record after the first BOF; record bodies encrypted by stream offset."""
    streams, clsids = read_tree(plain)
    key = ("Workbook",) if ("Workbook",) in streams else ("Book",)
    book = streams[key]
    salt = os.urandom(16)
    header = binary_rc4_info(password, salt) if binary_rc4 else encryption_info(password, salt)
    filepass_body = struct.pack("<H", 1) + header
    filepass = struct.pack("<HH", 0x002F, len(filepass_body)) + filepass_body
    records: list[tuple[int, bytearray]] = []
    pos = 0
    while pos + 4 <= len(book):
        rtype, size = struct.unpack_from("<HH", book, pos)
        records.append((rtype, bytearray(book[pos + 4:pos + 4 + size])))
        pos += 4 + size
    shift = len(filepass)
    for rtype, body in records:  # absolute stream positions move by the inserted record
        if rtype == 0x0085:  # BoundSheet8.lbPlyPos
            struct.pack_into("<I", body, 0, struct.unpack_from("<I", body, 0)[0] + shift)
        elif rtype == 0x020B and len(body) >= 16:  # Index: ibXF and rgibRw
            for at in range(12, len(body) - 3, 4):
                struct.pack_into("<I", body, at, struct.unpack_from("<I", body, at)[0] + shift)
        elif rtype == 0x00FF:  # ExtSST: ib of each bucket
            for at in range(2, len(body) - 7, 8):
                struct.pack_into("<I", body, at, struct.unpack_from("<I", body, at)[0] + shift)
    layout = bytearray()
    encrypted_ranges: list[tuple[int, int]] = []
    for number, (rtype, body) in enumerate(records):
        start = len(layout) + 4
        layout += struct.pack("<HH", rtype, len(body)) + body
        if number == 0:
            layout += filepass
            continue
        if rtype in _XLS_PLAIN:
            continue
        skip = 4 if rtype == 0x0085 else 0
        encrypted_ranges.append((start + skip, start + len(body)))
    stream = _keystream(password, salt, len(layout), 1024, binary_rc4)
    for a, b in encrypted_ranges:
        layout[a:b] = _xor(bytes(layout[a:b]), stream[a:b])
    streams[key] = bytes(layout)
    write_cfb(target, streams, clsids)


def _ppt_records(data: bytes, pos: int) -> tuple[int, int, int]:
    ver_inst, rtype, size = struct.unpack_from("<HHI", data, pos)
    return ver_inst, rtype, size


def _persist_directory(doc: bytes, edit: int) -> dict[int, int]:
    """Persist id → offset, newest edit winning (following ``offsetLastEdit``)."""
    found: dict[int, int] = {}
    while True:
        _vi, rtype, _size = _ppt_records(doc, edit)
        assert rtype == 0x0FF5, "not a UserEditAtom"
        last, directory = struct.unpack_from("<II", doc, edit + 8 + 8)
        _vi, rtype, size = _ppt_records(doc, directory)
        pos, end = directory + 8, directory + 8 + size
        while pos < end:
            (word,) = struct.unpack_from("<I", doc, pos)
            first, count = word & 0xFFFFF, word >> 20
            for i in range(count):
                found.setdefault(first + i, struct.unpack_from("<I", doc, pos + 4 + 4 * i)[0])
            pos += 4 + 4 * count
        if not last:
            return found
        edit = last


def encrypt_ppt(plain: Path, target: Path, password: str) -> None:
    """PowerPoint 97–2003: rewritten as one full save whose last persist object is the CryptSession10Container."""
    streams, clsids = read_tree(plain)
    doc = streams[("PowerPoint Document",)]
    user = bytearray(streams[("Current User",)])
    (edit,) = struct.unpack_from("<I", user, 16)
    directory = _persist_directory(doc, edit)
    ids = sorted(directory)
    if ids != list(range(1, len(ids) + 1)):
        raise ValueError("persist ids are not contiguous; this helper needs a fully saved deck")
    edit_atom = doc[edit:edit + 8 + 28]
    doc_ref = struct.unpack_from("<I", edit_atom, 8 + 16)[0]
    salt = os.urandom(16)
    out = bytearray()
    offsets = []
    for pid in ids:
        _vi, _rtype, size = _ppt_records(doc, directory[pid])
        record = doc[directory[pid]:directory[pid] + 8 + size]
        offsets.append(len(out))
        out += _xor(record, _rc4(_block_key(password, salt, pid), b"\0" * len(record)))
    crypt_id = len(ids) + 1
    info = encryption_info(password, salt)
    offsets.append(len(out))
    out += struct.pack("<HHI", 0x000F, 0x2F14, len(info)) + info
    dir_at = len(out)
    entry = struct.pack("<I", 1 | (len(offsets) << 20)) + struct.pack(f"<{len(offsets)}I", *offsets)
    out += struct.pack("<HHI", 0, 0x1772, len(entry)) + entry
    new_edit = len(out)
    last_slide, version, minor, major = struct.unpack_from("<IHBB", edit_atom, 8)
    last_view = struct.unpack_from("<H", edit_atom, 8 + 24)[0]
    out += struct.pack("<HHI", 0, 0x0FF5, 32) + struct.pack(
        "<IHBBIIIIHHI", last_slide, version, minor, major, 0, dir_at, doc_ref, crypt_id, last_view, 0, crypt_id)
    streams[("PowerPoint Document",)] = bytes(out)
    struct.pack_into("<I", user, 12, 0xF3D1C4DF)  # headerToken: encrypted document
    struct.pack_into("<I", user, 16, new_edit)
    streams[("Current User",)] = bytes(user)
    write_cfb(target, streams, clsids)
