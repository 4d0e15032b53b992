"""Check-digit algorithms for the identifiers we validate. Pure functions over digit strings or addresses.

Libraries where they cover the algorithm: ``python-stdnum`` for Luhn and the resident registration number check
digit (the foreigner number's is the same sum shifted by two), ``pycryptodome`` (``Cryptodome``) for Keccak-256.
Hand-written, because no kept library checks them: the business registration number check digit
(``stdnum.kr.brn`` checks only its layout), the corporate registration number, and Bitcoin addresses with
testnet versions and bech32m (``stdnum.bitcoin`` knows mainnet base58 and bech32 only).
"""

from __future__ import annotations

import functools
import hashlib

from stdnum import luhn
from stdnum.kr import rrn

from models.identifiers.keccak import keccak256

_BRN_WEIGHTS = (1, 3, 7, 1, 3, 7, 1, 3, 5)
_BASE58 = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"
_BASE58_INDEX = {c: i for i, c in enumerate(_BASE58)}
_BECH32 = "qpzry9x8gf2tvdw0s3jn54khce6mua7l"
_BECH32_INDEX = {c: i for i, c in enumerate(_BECH32)}
_BECH32_CONST = 1
_BECH32M_CONST = 0x2BC830A3
_BTC_VERSIONS = {0x00, 0x05, 0x6F, 0xC4}  # P2PKH, P2SH, testnet P2PKH, testnet P2SH


def luhn_ok(digits: str) -> bool:
    """Luhn mod-10 over a digit string (payment cards)."""
    return luhn.checksum(digits) == 0


def rrn_check_ok(digits: str) -> bool:
    """Pre-October-2020 resident registration number check digit (13 digits)."""
    return rrn.calc_check_digit(digits[:12]) == digits[12]


def frn_check_ok(digits: str) -> bool:
    """Pre-October-2020 foreigner registration number check digit: the RRN sum shifted by two."""
    return (int(rrn.calc_check_digit(digits[:12])) + 2) % 10 == ord(digits[12]) - 48


def brn_check_ok(digits: str) -> bool:
    """Business registration number (사업자등록번호, 10 digits) check digit."""
    values = [ord(c) - 48 for c in digits]
    total = sum(v * w for v, w in zip(values[:9], _BRN_WEIGHTS)) + values[8] * 5 // 10
    return (10 - total % 10) % 10 == values[9]


def crn_check_ok(digits: str) -> bool:
    """Corporate registration number (법인등록번호, 13 digits): weights 1,2,1,2,… then 10 - sum mod 10."""
    total = sum(map(int, digits[0:12:2])) + 2 * sum(map(int, digits[1:12:2]))
    return (10 - total % 10) % 10 == ord(digits[12]) - 48


def _double_sha256(data: bytes) -> bytes:
    return hashlib.sha256(hashlib.sha256(data).digest()).digest()


def base58check_ok(address: str) -> bool:
    """Bitcoin legacy/P2SH address: base58 decodes to 25 bytes, known version, double-SHA-256 checksum."""
    number = 0
    for ch in address:
        index = _BASE58_INDEX.get(ch)
        if index is None:
            return False
        number = number * 58 + index
    leading = len(address) - len(address.lstrip("1"))
    body = number.to_bytes((number.bit_length() + 7) // 8, "big") if number else b""
    raw = b"\x00" * leading + body
    if len(raw) != 25 or raw[0] not in _BTC_VERSIONS:
        return False
    return _double_sha256(raw[:21])[:4] == raw[21:]


def _bech32_polymod(values: list[int]) -> int:
    generators = (0x3B6A57B2, 0x26508E6D, 0x1EA119FA, 0x3D4233DD, 0x2A1462B3)
    checksum = 1
    for value in values:
        top = checksum >> 25
        checksum = (checksum & 0x1FFFFFF) << 5 ^ value
        for i, gen in enumerate(generators):
            if (top >> i) & 1:
                checksum ^= gen
    return checksum


def _convert_5_to_8(data: list[int]) -> bytes | None:
    acc = bits = 0
    out = bytearray()
    for value in data:
        acc = (acc << 5) | value
        bits += 5
        while bits >= 8:
            bits -= 8
            out.append((acc >> bits) & 0xFF)
    if bits >= 5 or (acc << (8 - bits)) & 0xFF:
        return None
    return bytes(out)


def segwit_ok(address: str) -> bool:
    """SegWit address (bc1…/tb1…): bech32 for v0, bech32m for v1+, program length rules."""
    if address != address.lower() and address != address.upper():
        return False
    address = address.lower()
    hrp, sep, data_part = address.rpartition("1")
    if not sep or hrp not in ("bc", "tb") or len(data_part) < 7:
        return False
    try:
        data = [_BECH32_INDEX[c] for c in data_part]
    except KeyError:
        return False
    expanded = [ord(c) >> 5 for c in hrp] + [0] + [ord(c) & 31 for c in hrp]
    const = _bech32_polymod(expanded + data)
    version = data[0]
    if const not in (_BECH32_CONST, _BECH32M_CONST) or version > 16:
        return False
    if (version == 0) != (const == _BECH32_CONST):
        return False
    program = _convert_5_to_8(data[1:-6])
    if program is None or not 2 <= len(program) <= 40:
        return False
    return version != 0 or len(program) in (20, 32)


@functools.lru_cache(maxsize=4096)
def eip55_ok(address: str) -> bool:
    """Ethereum ``0x`` + 40 hex: all-lower or all-upper pass; mixed case must match the EIP-55 checksum."""
    body = address[2:]
    if body == body.lower() or body == body.upper():
        return True
    digest = keccak256(body.lower().encode("ascii")).hex()
    for ch, nibble in zip(body, digest):
        if ch.isalpha() and ch.isupper() != (int(nibble, 16) >= 8):
            return False
    return True


def eip55_encode(address: str) -> str:
    """Mixed-case EIP-55 spelling of an Ethereum address (used by the test-set generator)."""
    body = address[2:].lower()
    digest = keccak256(body.encode("ascii")).hex()
    return "0x" + "".join(c.upper() if c.isalpha() and int(n, 16) >= 8 else c for c, n in zip(body, digest))


def base58check_encode(payload: bytes) -> str:
    """Base58Check spelling of version+payload bytes (used by the test-set generator)."""
    raw = payload + _double_sha256(payload)[:4]
    number = int.from_bytes(raw, "big")
    out = ""
    while number:
        number, rem = divmod(number, 58)
        out = _BASE58[rem] + out
    return "1" * (len(raw) - len(raw.lstrip(b"\x00"))) + out


def segwit_encode(hrp: str, version: int, program: bytes) -> str:
    """Bech32/bech32m spelling of a witness program (used by the test-set generator)."""
    acc = bits = 0
    data = [version]
    for byte in program:
        acc = (acc << 8) | byte
        bits += 8
        while bits >= 5:
            bits -= 5
            data.append((acc >> bits) & 31)
    if bits:
        data.append((acc << (5 - bits)) & 31)
    const = _BECH32_CONST if version == 0 else _BECH32M_CONST
    expanded = [ord(c) >> 5 for c in hrp] + [0] + [ord(c) & 31 for c in hrp]
    polymod = _bech32_polymod(expanded + data + [0] * 6) ^ const
    checksum = [(polymod >> 5 * (5 - i)) & 31 for i in range(6)]
    return hrp + "1" + "".join(_BECH32[d] for d in data + checksum)
