"""Near-duplicate signatures: MinHash over word shingles, banded for lookup, computed in Python at index time.

Two documents whose texts share ≥ 90 % of their 3-word shingles almost always share a band (16 bands of 4 rows:
the chance to miss a 0.9 pair is below 10⁻⁷); a shared band makes them candidates, and the signatures' agreement
estimates their similarity, which the reader checks against the threshold.
"""

from __future__ import annotations

import hashlib
import re

import numpy as np

PERMUTATIONS = 64
BANDS = 16
ROWS = PERMUTATIONS // BANDS
SHINGLE = 3
MIN_WORDS = 30
_PRIME = (1 << 61) - 1
_rng = np.random.default_rng(20251201)
_A = _rng.integers(1, _PRIME, PERMUTATIONS, dtype=np.uint64)
_B = _rng.integers(0, _PRIME, PERMUTATIONS, dtype=np.uint64)
_WORD = re.compile(r"\w+", re.UNICODE)


def signature(text: str) -> list[int] | None:
    """The MinHash signature of ``text`` (None for texts too short to compare)."""
    words = _WORD.findall(text.lower())
    if len(words) < MIN_WORDS:
        return None
    shingles = {" ".join(words[i : i + SHINGLE]) for i in range(len(words) - SHINGLE + 1)}
    values = np.fromiter((int.from_bytes(hashlib.blake2b(s.encode(), digest_size=7).digest(), "little")
                          for s in shingles), dtype=np.uint64, count=len(shingles))
    # (a·x + b) mod p for every permutation, in 64-bit arithmetic on 56-bit inputs (wraps are harmless mixing)
    hashed = (values[None, :] * _A[:, None] + _B[:, None]) % np.uint64(_PRIME)
    return [int(v) for v in hashed.min(axis=1)]


def bands(sig: list[int]) -> list[str]:
    """One lookup key per band of the signature."""
    out = []
    for band in range(BANDS):
        chunk = ",".join(str(v) for v in sig[band * ROWS : (band + 1) * ROWS])
        out.append(f"{band}:{hashlib.blake2b(chunk.encode(), digest_size=8).hexdigest()}")
    return out


def similarity(a: list[int], b: list[int]) -> float:
    """Estimated Jaccard similarity of two signatures."""
    return sum(x == y for x, y in zip(a, b)) / max(1, min(len(a), len(b)))
