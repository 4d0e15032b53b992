"""Validate, normalise and key-hash one cell of a typed column, fast for the shapes dumps hold.

The shapes most dumps use (``010-1234-5678``, ``790326-2708605``, ``4111-1111-1111-1111``, plain e-mail
addresses) take a short path that calls the same check functions as ``models.identifiers.normalize`` (resident
numbers through two small caches: the date part's verdict and weighted sum, and the serial's weighted sum); any
other shape goes through ``normalize`` itself. ``tests/evidex/census`` checks both paths agree value for value.

Hashes: ``KeyedHasher("hmac")`` is ``models.identifiers.keyed_hash`` as 16 raw bytes (what the records index and
lookups use), from pre-keyed SHA-256 states with the type prefix already absorbed; ``KeyedHasher("blake2b")`` is a
keyed BLAKE2b of the same input, twice as fast, for counting-only runs whose hashes never leave the spill.
"""

from __future__ import annotations

import datetime as _dt
import hashlib
import re
from collections.abc import Callable

from models.identifiers import normalize
from models.identifiers.contact import korean_e164
from models.identifiers.korean import classify_registration
from models.identifiers.payment import card_ok

HASH_BYTES = 16
SCHEMES = ("hmac", "blake2b")
_PHONE = re.compile(r"0(1[016789])(-?)([0-9]{3,4})\2([0-9]{4})")
_REGISTRATION = re.compile(r"([0-9]{6})-?([0-9]{7})")
_CARD = re.compile(r"[0-9]{13,19}|[0-9]{4}([- ])[0-9]{4}\1[0-9]{4}\1[0-9]{1,7}")
_LABEL = r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
_EMAIL = re.compile(r"[A-Za-z0-9%+][A-Za-z0-9%+'-]*(?:\.[A-Za-z0-9%+'-]+)*@(?:" + _LABEL + r"\.)+([A-Za-z]{2,24})")
_FILE_TLDS = frozenset({"png", "jpg", "jpeg", "gif", "svg", "webp", "bmp", "ico", "pdf", "css", "js", "html", "htm"})
_MOBILE = frozenset("016789")
_WEIGHTS = (2, 3, 4, 5, 6, 7, 8, 9, 2, 3, 4, 5)
_FOREIGN = frozenset("5678")
_CHANGE = _dt.date(2020, 10, 1)
_CENTURY = {"9": 1800, "0": 1800, "1": 1900, "2": 1900, "3": 2000, "4": 2000,
            "5": 1900, "6": 1900, "7": 2000, "8": 2000}
_CACHE_LIMIT = 300_000

Check = Callable[[str], "str | None"]
"""A stripped cell → its normalised value, or None when it is not a valid value of the column's type."""


_UNSEEN = object()
_EXCHANGES: dict[str, bool | None] = {}
"""Per mobile prefix and exchange (``10-5983``): whether ``korean_e164`` accepts its numbers as ``+82…`` (None:
the answer depends on more than the prefix, ask every time). At most 6 × 11,000 keys."""


def _mobile(area: str, mid: str, last: str) -> str | None:
    key = f"{area[1]}{mid}"  # area is 1 and one of 016789
    known = _EXCHANGES.get(key, _UNSEEN)
    if known is None or known is _UNSEEN:
        norm = korean_e164(area, mid, last)
        if known is _UNSEEN:
            plain = f"+82{area}{mid}{last}"
            _EXCHANGES[key] = (norm == plain) if norm in (None, plain) else None
        return norm
    return f"+82{area}{mid}{last}" if known else None


_HEADS: dict[str, tuple[int, bool, bool] | None] = {}
_TAILS: dict[str, int] = {}


def _head(first7: str) -> tuple[int, bool, bool] | None:
    """(weighted sum, foreign, born after the 2020 change) of ``YYMMDDG``; None for a date that cannot be."""
    century = _CENTURY[first7[6]]
    try:
        born = _dt.date(century + int(first7[0:2]), int(first7[2:4]), int(first7[4:6]))
    except ValueError:
        return None
    if born > _dt.date.today():
        return None
    total = sum(int(d) * w for d, w in zip(first7, _WEIGHTS))
    return total, first7[6] in _FOREIGN, born >= _CHANGE


def _registration_check(label: str) -> Check:
    """``normalise(label, ·)`` for RRN/FRN: ``classify_registration(digits, strong_context=True) == label`` through
    the caches for ``YYMMDD-GSSSSSC`` and 13 bare digits, ``normalize`` for anything else."""
    heads, tails, weights, foreigner = _HEADS, _TAILS, _WEIGHTS[7:], label == "FRN"

    def check(raw: str) -> str | None:
        if len(raw) == 14 and raw[6] == "-":
            digits = raw[:6] + raw[7:]
        elif len(raw) == 13:
            digits = raw
        else:
            return normalize(label, raw)
        if not (digits.isascii() and digits.isdigit()):
            return normalize(label, raw)
        first7 = digits[:7]
        head = heads.get(first7, _UNSEEN)
        if head is _UNSEEN:
            if len(heads) > _CACHE_LIMIT:
                heads.clear()
            head = heads[first7] = _head(first7)
        if head is None:
            return None
        total, foreign, recent = head  # type: ignore[misc]
        if foreign:  # with a foreigner column's context, a wrong check digit may be a post-2020 number
            return f"{first7[:6]}-{digits[6:]}" if foreigner else None
        if foreigner:
            return None
        serial = digits[7:12]
        tail = tails.get(serial)
        if tail is None:
            tail = tails[serial] = sum(int(d) * w for d, w in zip(serial, weights))
        if recent or (11 - (total + tail) % 11) % 10 == ord(digits[12]) - 48:
            return f"{first7[:6]}-{digits[6:]}"
        return None

    return check


def _card(raw: str) -> str | None:
    if _CARD.fullmatch(raw) is None:
        return normalize("CARD", raw)
    digits = raw.replace("-", "").replace(" ", "")
    return digits if card_ok(digits) else None


def _email(raw: str) -> str | None:
    match = _EMAIL.fullmatch(raw)
    if match is None or len(raw.partition("@")[0]) > 64:
        return normalize("EMAIL", raw)
    return None if match.group(1).lower() in _FILE_TLDS else raw.lower()


def _phone(raw: str) -> str | None:
    if len(raw) == 13 and raw[3] == "-" and raw[8] == "-" and raw[0] == "0" and raw[1] == "1" and raw[2] in _MOBILE:
        mid, last = raw[4:8], raw[9:]
        if (mid + last).isascii() and (mid + last).isdigit():
            known = _EXCHANGES.get(f"{raw[2]}{mid}", _UNSEEN)  # the common case without a call
            if known is True:
                return f"+821{raw[2]}{mid}{last}"
            if known is False:
                return None
            return _mobile(raw[1:3], mid, last)
    match = _PHONE.fullmatch(raw)
    if match is None:
        return normalize("PHONE", raw)
    return _mobile(match.group(1), match.group(3), match.group(4))


_CHECKS: dict[str, Check] = {"PHONE": _phone, "EMAIL": _email, "CARD": _card, "RRN": _registration_check("RRN"),
                             "FRN": _registration_check("FRN")}


def checker(label: str) -> Check:
    """``normalise`` bound to one type (what a column scan calls per cell)."""
    return _CHECKS.get(label) or (lambda raw: normalize(label, raw))


def normalise(label: str, raw: str) -> str | None:
    """``models.identifiers.normalize(label, raw)``, quicker for the common shapes."""
    check = _CHECKS.get(label)
    return check(raw) if check is not None else normalize(label, raw)


def registration_is(label: str, digits: str) -> bool:
    """The reference the caches must agree with (tests)."""
    return classify_registration(digits, strong_context=True) == label


class KeyedHasher:
    """Keyed hashes of ``label:norm`` as raw bytes; ``scheme`` ``hmac`` equals ``keyed_hash``, ``blake2b`` is faster."""

    def __init__(self, secret: bytes, scheme: str = "hmac") -> None:
        if scheme not in SCHEMES:
            raise ValueError(f"unknown hash scheme {scheme!r}; known: {', '.join(SCHEMES)}")
        self.scheme = scheme
        self.secret = secret
        key = hashlib.sha256(secret).digest() if len(secret) > 64 else secret
        key = key.ljust(64, b"\0")
        self._inner = hashlib.sha256(bytes(b ^ 0x36 for b in key))
        self._outer = hashlib.sha256(bytes(b ^ 0x5C for b in key))
        self._bound: dict[str, Callable[[str], bytes]] = {}

    def for_label(self, label: str) -> Callable[[str], bytes]:
        """The hash function of one type (its ``label:`` prefix absorbed once)."""
        bound = self._bound.get(label)
        if bound is not None:
            return bound
        prefix = f"{label}:".encode()
        if self.scheme == "blake2b":
            state = hashlib.blake2b(prefix, key=self.secret[:64], digest_size=HASH_BYTES)
            copy_b = state.copy

            def bound(norm: str) -> bytes:
                h = copy_b()
                h.update(norm.encode())
                return h.digest()
        else:
            inner = self._inner.copy()
            inner.update(prefix)
            copy_i, copy_o = inner.copy, self._outer.copy

            def bound(norm: str) -> bytes:
                i = copy_i()
                i.update(norm.encode())
                o = copy_o()
                o.update(i.digest())
                return o.digest()[:HASH_BYTES]
        self._bound[label] = bound
        return bound

    def digest(self, label: str, norm: str) -> bytes:
        return self.for_label(label)(norm)
