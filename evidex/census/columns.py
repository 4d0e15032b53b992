"""Which columns of a table hold which identifier: by header name, confirmed or found by sampling the values.

A header that names a type (주민번호, 휴대폰, email, card_no …) makes the column that type when at least
``HEADER_SHARE`` of the sampled values validate (a mislabelled column is rejected, with its reason); a column
without such a header becomes a type when ``CONTENT_SHARE`` of its values validate as it. Headers naming orders,
invoices or products never take a type from their content alone (order ids shaped like phone numbers).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from evidex.census.values import normalise

HEADER_SHARE = 0.3
CONTENT_SHARE = 0.8
MIN_SAMPLE = 3
CONTENT_LABELS = ("RRN", "FRN", "CARD", "PHONE", "EMAIL")
"""Types recognised from values alone; bank accounts and passports need their header (any digit run passes)."""

HEADER_RULES: tuple[tuple[str, re.Pattern[str]], ...] = tuple((label, re.compile(words, re.I)) for label, words in (
    ("FRN", r"외국인\s*(등록)?\s*번호|외국인등록|\bfrn\b|alien|\barc\b|foreigner"),
    ("RRN", r"주민\s*(등록)?\s*번호|주민등록|주민|jumin|\brrn\b|resident|\bssn\b"),
    ("CARD", r"카드\s*번호|카드|card"),
    ("BANK_ACCOUNT", r"계좌|bank|acct|account_?(no|num)"),
    ("PASSPORT", r"여권|passport"),
    ("DRIVER_LICENSE", r"면허|licen[cs]e"),
    ("EMAIL", r"e[-_]?mail|이메일|메일|mail"),
    ("PHONE", r"휴대\s*폰|휴대\s*전화|핸드폰|전화|연락처|phone|mobile|\btel\b|\bcell|^hp$|팩스|\bfax\b|폰"),
))
NOT_PERSONAL = re.compile(r"주문|order|invoice|송장|운송장|tracking|상품|product|sku|결제번호|거래번호|transaction|"
                          r"serial|일련", re.I)


@dataclass(frozen=True)
class ColumnType:
    """The verdict on one column: ``label`` (None: not personal data), why, and the sampled share that validated."""

    index: int
    name: str
    label: str | None
    basis: str
    """``header``, ``content``, ``rejected`` (a header named a type its values do not have) or ``none``."""
    valid_share: float
    sampled: int


def header_label(name: str) -> str | None:
    """The identifier type a column header names, if any."""
    flat = name.strip().replace("_", " ")
    for label, pattern in HEADER_RULES:
        if pattern.search(flat) or pattern.search(name):
            return label
    return None


def _share(label: str, values: Sequence[str]) -> float:
    return sum(1 for v in values if normalise(label, v) is not None) / len(values) if values else 0.0


def type_column(index: int, name: str, values: Sequence[str]) -> ColumnType:
    """The verdict for one column from its header and its sampled non-empty values."""
    named = header_label(name)
    values = [v.strip() for v in values if v and v.strip()]
    if named is not None:
        share = _share(named, values)
        if not values or share >= HEADER_SHARE:
            return ColumnType(index, name, named, "header", round(share, 3), len(values))
        return ColumnType(index, name, None, "rejected", round(share, 3), len(values))
    if len(values) < MIN_SAMPLE or NOT_PERSONAL.search(name):
        return ColumnType(index, name, None, "none", 0.0, len(values))
    best, best_share = None, 0.0
    for label in CONTENT_LABELS:
        share = _share(label, values)
        if share > best_share:
            best, best_share = label, share
    if best is not None and best_share >= CONTENT_SHARE:
        return ColumnType(index, name, best, "content", round(best_share, 3), len(values))
    return ColumnType(index, name, None, "none", round(best_share, 3), len(values))


def type_columns(header: Sequence[str], sample: Sequence[Sequence[str | None]]) -> list[ColumnType]:
    """A verdict for every column of ``header`` from the sampled rows."""
    return [type_column(i, name, [row[i] for row in sample if i < len(row) and row[i]])  # type: ignore[misc]
            for i, name in enumerate(header)]
