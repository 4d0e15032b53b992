"""Keccak-256 (the pre-standard padding Ethereum uses), needed for EIP-55 address checksums.

``hashlib.sha3_256`` is the FIPS 202 variant with a different padding byte, so it gives other digests; the
original Keccak comes from pycryptodome (the ``pycryptodomex`` distribution, imported as ``Cryptodome``).
"""

from __future__ import annotations

from Cryptodome.Hash import keccak


def keccak256(data: bytes) -> bytes:
    """Keccak-256 digest of ``data`` (32 bytes)."""
    return keccak.new(digest_bits=256, data=data).digest()
