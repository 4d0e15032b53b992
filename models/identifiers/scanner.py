"""Run every detector over a text, settle overlaps, and build ``Entity`` records with keyed hashes."""

from __future__ import annotations

import hashlib
import hmac
import re
from collections.abc import Callable

from models.identifiers import address, contact, crypto, documents, korean, network, payment
from models.identifiers.base import Detector, Hit
from models.types import Entity

SOURCE = "identifiers.v1"
LABELS = (
    "RRN", "FRN", "PHONE", "EMAIL", "IP", "URL", "DOMAIN", "CARD", "BRN", "CRN", "PASSPORT", "DRIVER_LICENSE",
    "BANK_ACCOUNT", "VEHICLE_PLATE", "CRYPTO", "ADDRESS",
)
# Values that identify or reach a person: hashed for pivots and masked for display. Plates and addresses are
# personal data too, but investigators search them by value (a plate seen on CCTV, a company's seat), so they
# stay in the clear and are counted as personal data; IPs, URLs, domains, crypto addresses are traced by value.
SENSITIVE_LABELS = frozenset({"RRN", "FRN", "CARD", "PASSPORT", "DRIVER_LICENSE", "BANK_ACCOUNT", "PHONE", "EMAIL"})
HASH_CHARS = 32

DETECTORS: tuple[Detector, ...] = (
    *korean.DETECTORS, *payment.DETECTORS, *contact.DETECTORS, *network.DETECTORS, *crypto.DETECTORS,
    *documents.DETECTORS, *address.DETECTORS,
)
# Cheap gates: a detector runs only when a character it needs is in the text at all.
_GATES: dict[str, Callable[[str], bool]] = {
    "email": lambda t: "@" in t,
    "url": lambda t: "://" in t or "www." in t or "WWW." in t,
    "ipv6": lambda t: "::" in t or t.count(":") > 2,
    "domain": lambda t: "." in t,
    "ipv4": lambda t: "." in t,
    "phone_intl": lambda t: "+" in t,
    "phone_kr_intl": lambda t: "+" in t,
}

NORMALIZERS: dict[str, Callable[[str], str | None]] = {
    "RRN": lambda raw: korean.normalize_registration("RRN", raw),
    "FRN": lambda raw: korean.normalize_registration("FRN", raw),
    "CRN": lambda raw: korean.normalize_registration("CRN", raw),
    "BRN": korean.normalize_brn,
    "PHONE": contact.normalize_phone,
    "EMAIL": contact.normalize_email,
    "IP": network.normalize_ip,
    "URL": network.normalize_url,
    "DOMAIN": network.normalize_domain,
    "CARD": payment.normalize_card,
    "BANK_ACCOUNT": payment.normalize_bank,
    "PASSPORT": documents.normalize_passport,
    "DRIVER_LICENSE": documents.normalize_licence,
    "VEHICLE_PLATE": documents.normalize_plate,
    "CRYPTO": crypto.normalize_crypto,
    "ADDRESS": address.normalize_address,
}


def keyed_hash(label: str, norm: str, secret: bytes) -> str:
    """HMAC-SHA256 of ``label:norm`` under the deployment secret, hex, first 32 characters (128 bits)."""
    return hmac.digest(secret, f"{label}:{norm}".encode("utf-8"), hashlib.sha256).hex()[:HASH_CHARS]


def normalize(label: str, raw: str) -> str | None:
    """The pivot value of ``raw`` read as ``label``, or None when it is not a valid value of that type."""
    normalizer = NORMALIZERS.get(label.upper())
    if normalizer is None:
        raise ValueError(f"unknown identifier label {label!r}; known labels: {', '.join(LABELS)}")
    return normalizer(raw.translate(_WIDE_TABLE))


_BY_PRIORITY = sorted(DETECTORS, key=lambda d: -d.priority)

# Detectors whose pattern starts with a digit share one pass: at each digit that starts a number, optional
# lookaheads record which of their shapes begin there; each detector's own pattern is re-run only there.
# (Separate passes would each stop at every digit of a digit-dense dump.)
_NUMERIC = tuple(d for d in DETECTORS if d.pattern.pattern.startswith("\\d"))
# Every numeric shape spans at least 7 characters of digits and separators (1.1.1.1) or has a Hangul letter
# after 2-3 digits (12가3456), so shorter tokens are dropped inside the regex engine before any Python runs.
_NUMERIC_GATE = re.compile(
    r"\d(?<![0-9].)(?=[0-9 .\-]{6}|[0-9]{1,2} ?[가-힣])"
    + "".join(f"(?:(?=(?P<_n{i}>{d.pattern.pattern[2:]})))?" for i, d in enumerate(_NUMERIC))
)
_NUMERIC_SLOTS = tuple(_NUMERIC_GATE.groupindex[f"_n{i}"] - 1 for i in range(len(_NUMERIC)))


def _candidates(text: str) -> dict[str, list[re.Match[str]]]:
    """Matches per detector name; numeric detectors come from the shared pass."""
    found: dict[str, list[re.Match[str]]] = {d.name: [] for d in _NUMERIC}
    lists = [found[d.name] for d in _NUMERIC]
    patterns = [d.pattern for d in _NUMERIC]
    pairs = tuple(zip(_NUMERIC_SLOTS, lists, patterns))
    for gate in _NUMERIC_GATE.finditer(text):
        groups = gate.groups()
        for slot, bucket, pattern in pairs:
            if groups[slot] is not None:
                match = pattern.match(text, gate.start())
                if match is not None:
                    bucket.append(match)
    return found


# Full-width forms (０-９, Ａ-Ｚ, ＠, －) and typographic dashes are common in Korean office documents; they
# are folded one character to one character, so offsets stay those of the original text.
_WIDE = re.compile("[\uff01-\uff5e\u2010-\u2015\u2212\u3000]")
_WIDE_TABLE = {cp: cp - 0xFEE0 for cp in range(0xFF01, 0xFF5F)} | dict.fromkeys(
    (0x2010, 0x2011, 0x2012, 0x2013, 0x2014, 0x2015, 0x2212), "-"
) | {0x3000: " "}


def scan(text: str) -> list[Hit]:
    """All validated, non-overlapping hits in ``text``, sorted by position.

    Detectors run from the highest priority down; a candidate overlapping an accepted hit is skipped before
    it is validated, and among one priority level longer hits win. Taken characters are marked in a bytearray.
    """
    if _WIDE.search(text):
        text = text.translate(_WIDE_TABLE)
    taken = bytearray(len(text))
    numeric = _candidates(text)
    chosen: list[Hit] = []
    level: list[Hit] = []
    for index, detector in enumerate(_BY_PRIORITY):
        gate = _GATES.get(detector.name)
        if gate is None or gate(text):
            resolve = detector.resolve
            matches = numeric.get(detector.name)
            for match in detector.pattern.finditer(text) if matches is None else matches:
                if chosen and taken.find(1, match.start(), match.end()) >= 0:
                    continue
                hit = resolve(match, text)
                if hit is not None:
                    level.append(hit)
        following = _BY_PRIORITY[index + 1] if index + 1 < len(_BY_PRIORITY) else None
        if following is None or following.priority != detector.priority:
            for hit in sorted(level, key=lambda h: (h.start - h.end, h.start)):
                if taken.find(1, hit.start, hit.end) < 0:
                    taken[hit.start : hit.end] = b"\x01" * (hit.end - hit.start)
                    chosen.append(hit)
            level = []
    chosen.sort(key=lambda h: h.start)
    return chosen


def find_identifiers(text: str, *, secret: bytes) -> list[Entity]:
    """Validated identifiers in ``text`` as entities; sensitive ones carry ``hashed``."""
    entities = []
    hashes: dict[tuple[str, str], str] = {}
    for hit in scan(text):
        sensitive = hit.label in SENSITIVE_LABELS
        hashed = None
        if sensitive:
            hashed = hashes.get((hit.label, hit.norm))
            if hashed is None:
                hashed = hashes[(hit.label, hit.norm)] = keyed_hash(hit.label, hit.norm, secret)
        entities.append(
            Entity(
                label=hit.label,
                text=text[hit.start : hit.end],
                norm=hit.norm,
                start=hit.start,
                end=hit.end,
                source=SOURCE,
                sensitive=sensitive,
                hashed=hashed,
            )
        )
    return entities
