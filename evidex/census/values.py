"""Validate, normalise and key-hash one cell of a typed column, fast for the shapes dumps hold.

The shapes most dumps use (``010-1234-5678``, ``790326-2708605``, ``4111-1111-1111-1111``, plain e-mail
addresses) take a short path that calls the same check functions as ``models.identifiers.normalize``; any other
shape goes through ``normalize`` itself. ``tests/evidex/census`` checks both paths agree value for value. The
hash is ``models.identifiers.keyed_hash`` as 16 raw bytes, computed from a pre-keyed HMAC.
"""

from __future__ import annotations

import hmac
import re

from models.identifiers import normalize
from models.identifiers.contact import korean_e164
from models.identifiers.korean import classify_registration
from models.identifiers.payment import card_ok

HASH_BYTES = 16
_PHONE = re.compile(r"0(1[016789])(-?)([0-9]{3,4})\2([0-9]{4})")
_REGISTRATION = re.compile(r"([0-9]{6})-?([0-9]{7})")
_CARD = re.compile(r"[0-9]{13,19}|[0-9]{4}([- ])[0-9]{4}\1[0-9]{4}\1[0-9]{1,7}")
_LABEL = r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
_EMAIL = re.compile(r"[A-Za-z0-9%+][A-Za-z0-9%+'-]*(?:\.[A-Za-z0-9%+'-]+)*@(?:" + _LABEL + r"\.)+([A-Za-z]{2,24})")
_FILE_TLDS = frozenset({"png", "jpg", "jpeg", "gif", "svg", "webp", "bmp", "ico", "pdf", "css", "js", "html", "htm"})


def _fast_phone(raw: str) -> str | None | bool:
    match = _PHONE.fullmatch(raw)
    if match is None:
        return False
    return korean_e164(match.group(1), match.group(3), match.group(4))


def _fast_registration(label: str, raw: str) -> str | None | bool:
    match = _REGISTRATION.fullmatch(raw)
    if match is None:
        return False
    digits = match.group(1) + match.group(2)
    return f"{digits[:6]}-{digits[6:]}" if classify_registration(digits, strong_context=True) == label else None


def _fast_card(raw: str) -> str | None | bool:
    if _CARD.fullmatch(raw) is None:
        return False
    digits = raw.replace("-", "").replace(" ", "")
    return digits if card_ok(digits) else None


def _fast_email(raw: str) -> str | None | bool:
    match = _EMAIL.fullmatch(raw)
    if match is None or len(raw.partition("@")[0]) > 64:
        return False
    return None if match.group(1).lower() in _FILE_TLDS else raw.lower()


def normalise(label: str, raw: str) -> str | None:
    """``models.identifiers.normalize(label, raw)``, quicker for the common shapes."""
    if label == "PHONE":
        found = _fast_phone(raw)
    elif label == "EMAIL":
        found = _fast_email(raw)
    elif label in ("RRN", "FRN"):
        found = _fast_registration(label, raw)
    elif label == "CARD":
        found = _fast_card(raw)
    else:
        found = False
    return normalize(label, raw) if found is False else found  # type: ignore[return-value]


class KeyedHasher:
    """``keyed_hash`` as raw bytes, without re-keying the HMAC for every value."""

    def __init__(self, secret: bytes) -> None:
        self._mac = hmac.new(secret, digestmod="sha256")

    def digest(self, label: str, norm: str) -> bytes:
        mac = self._mac.copy()
        mac.update(f"{label}:{norm}".encode("utf-8"))
        return mac.digest()[:HASH_BYTES]
