"""Keccak-256 (the pre-standard padding Ethereum uses), needed for EIP-55 address checksums.

``hashlib.sha3_256`` is the FIPS 202 variant with a different padding byte, so it gives other digests.
This is a small, slow, pure-Python permutation; it is only called for mixed-case Ethereum addresses.
"""

from __future__ import annotations

_MASK = (1 << 64) - 1
_RATE = 136  # bytes absorbed per block for a 256-bit output (1600 - 2*256 bits)


def _round_constants() -> tuple[int, ...]:
    """Derive the 24 iota constants from the degree-8 LFSR of the Keccak reference."""
    constants = []
    state = 1
    for _ in range(24):
        value = 0
        for j in range(7):
            if state & 1:
                value ^= 1 << ((1 << j) - 1)
            state = ((state << 1) ^ 0x71) & 0xFF if state & 0x80 else state << 1
        constants.append(value)
    return tuple(constants)


def _rotations() -> tuple[tuple[int, ...], ...]:
    """Derive the rho offsets by walking (x, y) -> (y, 2x + 3y)."""
    table = [[0] * 5 for _ in range(5)]
    x, y = 1, 0
    for t in range(24):
        table[x][y] = ((t + 1) * (t + 2) // 2) % 64
        x, y = y, (2 * x + 3 * y) % 5
    return tuple(tuple(row) for row in table)


_RC = _round_constants()
_ROT = _rotations()


# Flattened schedule for rho+pi: (source lane, destination lane, rotation) for the 25 lanes.
_RHO_PI = tuple((x + 5 * y, y + 5 * ((2 * x + 3 * y) % 5), _ROT[x][y]) for x in range(5) for y in range(5))


def _permute(lanes: list[int]) -> None:
    """Apply Keccak-f[1600] in place; lane (x, y) lives at index x + 5*y."""
    mask = _MASK
    moved = [0] * 25
    for rc in _RC:
        c = [lanes[x] ^ lanes[x + 5] ^ lanes[x + 10] ^ lanes[x + 15] ^ lanes[x + 20] for x in range(5)]
        d = [c[(x - 1) % 5] ^ (((c[(x + 1) % 5] << 1) | (c[(x + 1) % 5] >> 63)) & mask) for x in range(5)]
        for i in range(25):
            lanes[i] ^= d[i % 5]
        for source, target, shift in _RHO_PI:
            value = lanes[source]
            moved[target] = ((value << shift) | (value >> (64 - shift))) & mask if shift else value
        for y in range(0, 25, 5):
            b0, b1, b2, b3, b4 = moved[y : y + 5]
            lanes[y] = b0 ^ (~b1 & b2)
            lanes[y + 1] = b1 ^ (~b2 & b3)
            lanes[y + 2] = b2 ^ (~b3 & b4)
            lanes[y + 3] = b3 ^ (~b4 & b0)
            lanes[y + 4] = b4 ^ (~b0 & b1)
        lanes[0] ^= rc


def keccak256(data: bytes) -> bytes:
    """Return the 32-byte Keccak-256 digest of ``data``."""
    padded = bytearray(data)
    padded.append(0x01)
    while len(padded) % _RATE:
        padded.append(0)
    padded[-1] |= 0x80
    lanes = [0] * 25
    for offset in range(0, len(padded), _RATE):
        block = padded[offset : offset + _RATE]
        for i in range(_RATE // 8):
            lanes[i] ^= int.from_bytes(block[8 * i : 8 * i + 8], "little")
        _permute(lanes)
    return b"".join(lane.to_bytes(8, "little") for lane in lanes[:4])
