"""Run every detector over a text, settle overlaps, and build ``Entity`` records with keyed hashes."""

from __future__ import annotations

import bisect
import hashlib
import hmac
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
    digest = hmac.new(secret, f"{label}:{norm}".encode("utf-8"), hashlib.sha256).hexdigest()
    return digest[:HASH_CHARS]


def normalize(label: str, raw: str) -> str | None:
    """The pivot value of ``raw`` read as ``label``, or None when it is not a valid value of that type."""
    normalizer = NORMALIZERS.get(label.upper())
    if normalizer is None:
        raise ValueError(f"unknown identifier label {label!r}; known labels: {', '.join(LABELS)}")
    return normalizer(raw)


def scan(text: str) -> list[Hit]:
    """All validated, non-overlapping hits in ``text``, sorted by position."""
    candidates: list[tuple[int, int, Hit]] = []
    for detector in DETECTORS:
        gate = _GATES.get(detector.name)
        if gate is not None and not gate(text):
            continue
        resolve = detector.resolve
        for match in detector.pattern.finditer(text):
            hit = resolve(match, text)
            if hit is not None:
                candidates.append((detector.priority, hit.end - hit.start, hit))
    candidates.sort(key=lambda c: (-c[0], -c[1], c[2].start))
    starts: list[int] = []
    chosen: list[Hit] = []
    for _, _, hit in candidates:
        i = bisect.bisect_left(starts, hit.start)
        if i > 0 and chosen[i - 1].end > hit.start:
            continue
        if i < len(chosen) and chosen[i].start < hit.end:
            continue
        starts.insert(i, hit.start)
        chosen.insert(i, hit)
    return chosen


def find_identifiers(text: str, *, secret: bytes) -> list[Entity]:
    """Validated identifiers in ``text`` as entities; sensitive ones carry ``hashed``."""
    entities = []
    for hit in scan(text):
        sensitive = hit.label in SENSITIVE_LABELS
        entities.append(
            Entity(
                label=hit.label,
                text=text[hit.start : hit.end],
                norm=hit.norm,
                start=hit.start,
                end=hit.end,
                source=SOURCE,
                sensitive=sensitive,
                hashed=keyed_hash(hit.label, hit.norm, secret) if sensitive else None,
            )
        )
    return entities
