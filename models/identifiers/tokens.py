"""Identifier tokens: sensitive identifiers replaced by words derived from their keyed hash.

Every searchable and displayed field of an index document carries ``pii_<label>_<hash>`` where the text had a
resident number, phone, card, e-mail … A query naming the same identifier is rewritten to the same token, so a
pivot by the full value still matches, while digit, prefix, wildcard and fuzzy probes find nothing: no digit of
the value is indexed. The masked display form of each token travels with the document (``masks``); the raw value
is kept apart (``values``) for the roles allowed to see it.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field

from models.identifiers.masking import mask
from models.identifiers.scanner import find_identifiers
from models.types import Entity

TOKEN_PREFIX = "pii_"
TOKEN_PATTERN = re.compile(r"(?<![A-Za-z0-9])pii_([a-z]+(?:_[a-z]+)*)_([0-9a-f]{32})(?![A-Za-z0-9])")
"""A whole identifier token; group 1 is the lower-cased label, group 2 the keyed hash."""
PARTIAL_AT_END = re.compile(r"(?<![A-Za-z0-9])pii_[a-z_]*[0-9a-f]{0,31}$")

_DIGITS_IN_GROUPS = re.compile(r"\d(?:[\d\s.\-/()+]*\d)?")
_EMAIL_LIKE = re.compile(r"[\w.+\-]+@[\w\-]+(?:\.[\w\-]+)+")


def token_for(label: str, hashed: str) -> str:
    """The index word standing for one sensitive identifier (label and keyed hash)."""
    return f"{TOKEN_PREFIX}{label.lower()}_{hashed}"


def label_of(token: str) -> str:
    """The upper-case label a token stands for (``pii_phone_…`` → ``PHONE``)."""
    match = TOKEN_PATTERN.fullmatch(token)
    return match.group(1).upper() if match else "IDENTIFIER"


@dataclass
class Tokenized:
    """A text with its sensitive identifiers replaced by tokens, and what each token stands for."""

    text: str
    masks: dict[str, str] = field(default_factory=dict)
    values: dict[str, str] = field(default_factory=dict)

    def merge(self, other: "Tokenized") -> None:
        self.masks.update(other.masks)
        for token, raw in other.values.items():
            self.values.setdefault(token, raw)


def tokenize(text: str, entities: Iterable[Entity]) -> Tokenized:
    """``text`` with each sensitive entity's span (offsets into ``text``) replaced by its token."""
    pieces: list[str] = []
    out = Tokenized("")
    cursor = 0
    for entity in sorted(entities, key=lambda e: e.start):
        if not entity.sensitive or not entity.hashed or entity.start < cursor or entity.end > len(text):
            continue
        token = token_for(entity.label, entity.hashed)
        raw = text[entity.start : entity.end]
        pieces.append(text[cursor : entity.start])
        # spaces keep the token a word of its own even where the identifier was glued to other letters
        before = " " if entity.start and text[entity.start - 1].isalnum() else ""
        after = " " if entity.end < len(text) and text[entity.end].isalnum() else ""
        pieces.append(f"{before}{token}{after}")
        out.masks[token] = mask(entity.label, raw)
        out.values.setdefault(token, raw)
        cursor = entity.end
    pieces.append(text[cursor:])
    out.text = "".join(pieces)
    return out


def tokenize_value(value: str, secret: bytes) -> Tokenized:
    """A short field (title, name, path, header) scanned and tokenised on its own."""
    # the shortest sensitive identifier (a passport number) has seven digits; an e-mail address has an @
    if not value or ("@" not in value and sum(ch.isdigit() for ch in value) < 7):
        return Tokenized(value)
    return tokenize(value, find_identifiers(value, secret=secret))


def blank_identifiers(text: str, entities: Iterable[Entity]) -> str:
    """``text`` with sensitive spans replaced by spaces (same length): input for index-time analysis."""
    spans = [(e.start, e.end) for e in entities if e.sensitive and e.end <= len(text)]
    if not spans:
        return text
    chars = list(text)
    for start, end in spans:
        chars[start:end] = " " * (end - start)
    return "".join(chars)


def detokenize(text: str, table: dict[str, str]) -> str:
    """Tokens in ``text`` replaced by ``table``'s display value, or ``[LABEL]`` for tokens it lacks."""
    if TOKEN_PREFIX not in text:
        return text
    return TOKEN_PATTERN.sub(lambda m: table.get(m.group(0)) or f"[{m.group(1).upper()}]", text)


def strip_partial_tokens(fragment: str) -> str:
    """A fragment whose edge cut a token in two loses the cut piece (it could only mislead)."""
    fragment = PARTIAL_AT_END.sub("…", fragment) if "pii_" in fragment[-40:] else fragment
    return fragment


def looks_like_identifier(value: str) -> bool:
    """True for values shaped like an identifier (an e-mail, or nine or more digits in groups).

    Such values never become entity facets, even when no detector validated them (a mistyped resident number
    tagged QUANTITY by a model is still a resident number to the person it belongs to).
    """
    if "@" in value and _EMAIL_LIKE.search(value):
        return True
    if TOKEN_PREFIX in value:
        return True
    return any(sum(ch.isdigit() for ch in m.group(0)) >= 9 for m in _DIGITS_IN_GROUPS.finditer(value))
