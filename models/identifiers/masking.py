"""Masked display forms of identifiers, redaction of texts, and counts per label."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable

from models.identifiers.scanner import SENSITIVE_LABELS, normalize
from models.types import Entity


def _stars(value: str, keep_start: int, keep_end: int) -> str:
    """Replace every letter/digit except the first ``keep_start`` and last ``keep_end`` ones with ``*``."""
    positions = [i for i, ch in enumerate(value) if ch.isalnum()]
    hidden = set(positions[keep_start : len(positions) - keep_end if keep_end else None])
    return "".join("*" if i in hidden else ch for i, ch in enumerate(value))


def _mask_phone(norm: str) -> str:
    if not norm.startswith("+82"):
        return norm[:3] + "*" * (len(norm) - 7) + norm[-4:]
    national = "0" + norm[3:]
    if len(national) == 9 and national[1] == "1":  # nationwide numbers such as 1588-1234
        return national[1:5] + "-****"
    head = 2 if national.startswith("02") else 4 if national.startswith("050") else 3
    rest = national[head:]
    return f"{national[:head]}-{'*' * (len(rest) - 4)}-{rest[-4:]}"


def mask(label: str, value: str) -> str:
    """Display form of ``value`` that never shows a sensitive identifier in full.

    RRN/FRN keep the birth date and sex digit (``900101-1******``), cards the first and last four digits
    (``4111-****-****-1111``), phones the prefix and last four (``010-****-5678``), e-mail the first letter of
    the local part (``j***@example.com``). Values that do not normalise are starred out but for one character.
    Non-sensitive labels are returned unchanged.
    """
    label = label.upper()
    if label not in SENSITIVE_LABELS:
        return value
    norm = normalize(label, value)
    if norm is None:
        return _stars(value, 1, 0)
    if label in ("RRN", "FRN"):
        return norm[:8] + "******"
    if label == "CARD":
        masked = norm[:4] + "*" * (len(norm) - 8) + norm[-4:]
        cuts = (0, 4, 10, 15) if len(masked) == 15 else tuple(range(0, len(masked), 4)) + (len(masked),)
        return "-".join(masked[a:b] for a, b in zip(cuts, cuts[1:]) if a < b)
    if label == "PHONE":
        return _mask_phone(norm)
    if label == "EMAIL":
        local, _, domain = norm.partition("@")
        return f"{local[0]}***@{domain}"
    if label == "PASSPORT":
        return norm[0] + "*" * (len(norm) - 3) + norm[-2:]
    if label == "DRIVER_LICENSE":
        return norm[:6] + "******-**"
    return "*" * (len(norm) - 4) + norm[-4:]  # BANK_ACCOUNT


def redact_text(text: str, entities: Iterable[Entity]) -> str:
    """``text`` with every sensitive entity's span replaced by its masked form (for display and logs)."""
    pieces = []
    cursor = 0
    for entity in sorted(entities, key=lambda e: e.start):
        if not entity.sensitive or entity.start < cursor:
            continue
        pieces.append(text[cursor : entity.start])
        pieces.append(mask(entity.label, text[entity.start : entity.end]))
        cursor = entity.end
    pieces.append(text[cursor:])
    return "".join(pieces)


def count_by_label(entities: Iterable[Entity]) -> dict[str, int]:
    """Number of mentions per label, labels sorted."""
    counts = Counter(entity.label for entity in entities)
    return dict(sorted(counts.items()))
