"""Cryptocurrency addresses: Bitcoin base58check and bech32/bech32m (SegWit), Ethereum with EIP-55."""

from __future__ import annotations

import re

from models.identifiers.base import Detector, Hit
from models.identifiers.checksums import base58check_ok, eip55_ok, segwit_ok

_EDGE_R = r"(?![0-9A-Za-z])"
ETH_PATTERN = re.compile(r"0(?<![0-9A-Za-z].)x[0-9a-fA-F]{40}" + _EDGE_R)
SEGWIT_PATTERN = re.compile(r"[bBtT][cCbB]1(?<![0-9A-Za-z]...)[02-9ac-hj-np-zAC-HJ-NP-Z]{6,87}" + _EDGE_R)
BASE58_PATTERN = re.compile(r"[13](?<![0-9A-Za-z].)[1-9A-HJ-NP-Za-km-z]{25,34}" + _EDGE_R)
CRYPTO_PATTERN = re.compile("|".join(p.pattern for p in (ETH_PATTERN, SEGWIT_PATTERN, BASE58_PATTERN)))


def crypto_norm(raw: str) -> str | None:
    """Validated, normalised address: Ethereum and bech32 lower-cased, base58 kept as is (case matters)."""
    if raw[:2] == "0x":
        return raw.lower() if len(raw) == 42 and eip55_ok(raw) else None
    if raw[:3].lower() in ("bc1", "tb1"):
        return raw.lower() if segwit_ok(raw) else None
    if raw[:1] in "13" and not raw.isdigit():
        return raw if base58check_ok(raw) else None
    return None


def _resolve(match: re.Match[str], text: str) -> Hit | None:
    norm = crypto_norm(match.group(0))
    return Hit("CRYPTO", norm, match.start(), match.end()) if norm else None


def normalize_crypto(raw: str) -> str | None:
    raw = raw.strip()
    return crypto_norm(raw) if CRYPTO_PATTERN.fullmatch(raw) else None


DETECTORS = (
    Detector("eth", ETH_PATTERN, _resolve, 80),
    Detector("segwit", SEGWIT_PATTERN, _resolve, 80),
    Detector("base58", BASE58_PATTERN, _resolve, 80),
)
