"""What one caller sees of a stored value: identifier tokens turned back into masked (or, with the right, raw)
forms, then any raw identifier left in it masked, cut identifiers at fragment edges included.

Every field a response carries passes through one ``View``: snippets, titles, paths, metadata, entities,
facet values, custody records and error reasons.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any

from evidex.search.snippets import MARK_END, MARK_START, Masker, edge_digit_spans, render
from models.identifiers.scanner import _WIDE, _WIDE_TABLE  # the scanner's folding, so the gate reads what it reads
from models.identifiers.tokens import detokenize, looks_like_identifier, strip_partial_tokens

_SENSITIVE_SHAPE = re.compile(r"@|\d(?:[ .()\-]*\d){6}|\d{3}[A-Z]\d{4}")
"""What every sensitive identifier the scanner validates holds: an ``@`` (e-mail), seven or more digits with only
spaces, dots, dashes or parentheses between them (registration, card, account, phone and licence numbers), or a
passport number's ``123A4567``; read after the scanner's own folding of full-width forms and dashes."""
_MEMO_CHARS = 300
"""Values up to this long (paths, titles, facet values) are scanned once per process."""


_SHAPE_OR_WIDE = re.compile(f"{_SENSITIVE_SHAPE.pattern}|{_WIDE.pattern}")


def may_hold_identifier(value: str) -> bool:
    """False for text in which the scanner cannot find a sensitive identifier (cheap: one regular expression)."""
    found = _SHAPE_OR_WIDE.search(value)
    if found is None:
        return False
    if not _WIDE.match(found.group(0)):
        return True  # a shape before any full-width form: folding keeps it
    return _SENSITIVE_SHAPE.search(value.translate(_WIDE_TABLE)) is not None


@lru_cache(maxsize=16384)
def _memo_spans(secret: bytes, text: str) -> tuple[tuple[int, int, str], ...]:
    return tuple(_scan_spans(secret, text))


def _scan_spans(secret: bytes, text: str) -> list[tuple[int, int, str]]:
    from models.identifiers import find_identifiers, mask

    return [(e.start, e.end, mask(e.label, e.text)) for e in find_identifiers(text, secret=secret) if e.sensitive]


def identifier_masker(secret: bytes) -> Masker:
    """Spans of sensitive identifiers in plain text, each with its masked form."""

    def spans(text: str) -> list[tuple[int, int, str]]:
        if not may_hold_identifier(text):
            return []
        if len(text) <= _MEMO_CHARS:  # the scanner is deterministic for one secret
            return list(_memo_spans(secret, text))
        return _scan_spans(secret, text)

    return spans


class View:
    """Display rules for one caller and one document's token table.

    ``masker`` is None when the caller may and asked to see raw values; ``table`` maps tokens to what the caller
    may see of them (masked forms, or raw values for a revealing caller).
    """

    def __init__(self, masker: Masker | None, table: dict[str, str] | None = None) -> None:
        self.masker = masker
        self.table = table or {}
        self._fragment_masker: Masker | None = None
        if masker is not None:
            whole = masker
            self._fragment_masker = lambda text: whole(text) + edge_digit_spans(text)

    @property
    def revealing(self) -> bool:
        return self.masker is None

    def text(self, value: str) -> str:
        shown = detokenize(value, self.table)
        if MARK_START not in shown and MARK_END not in shown and not (self.masker and self.masker(shown)):
            return shown.strip()  # what ``render`` makes of a value with nothing to mark or mask
        return render(shown, self.masker)

    def fragment(self, fragment: str, **tags: Any) -> str:
        """A highlighted fragment: cut tokens dropped, tokens shown, identifiers masked, marks kept outside."""
        return render(detokenize(strip_partial_tokens(fragment), self.table), self._fragment_masker, **tags)

    def value(self, value: Any) -> Any:
        """A string, or lists and dicts of them, as the caller may see it."""
        if isinstance(value, str):
            return self.text(value)
        if isinstance(value, list):
            return [self.value(v) for v in value]
        if isinstance(value, dict):
            return {k: self.value(v) for k, v in value.items()}
        return value

    def entities(self, entities: dict[str, list[str]]) -> dict[str, list[str]]:
        """Entity values, without any shaped like an identifier (indexed before such values were dropped)."""
        if self.revealing:
            return entities
        return {label: [self.text(v) for v in values if not looks_like_identifier(v)]
                for label, values in entities.items()}

    def facet(self, buckets: list[tuple[str, int]]) -> list[tuple[str, int]]:
        if self.revealing:
            return buckets
        return [(self.text(key), count) for key, count in buckets if not looks_like_identifier(str(key))]


def tokens_in(*values: Any) -> set[str]:
    """Every identifier token in the given strings (and lists/dicts of them)."""
    from models.identifiers.tokens import TOKEN_PATTERN

    found: set[str] = set()

    def walk(value: Any) -> None:
        if isinstance(value, str):
            if "pii_" in value:
                found.update(m.group(0) for m in TOKEN_PATTERN.finditer(value))
        elif isinstance(value, (list, tuple)):
            for v in value:
                walk(v)
        elif isinstance(value, dict):
            for v in value.values():
                walk(v)

    for value in values:
        walk(value)
    return found



_KNOWN_MASKS: dict[str, str] = {}
"""Token → masked form, learnt from token tables fetched before. A token is the keyed hash of a label and a
normalised value, and the masked form is a function of those two, so it is the same in every document that holds
the token: a page whose shown tokens are all known needs no fetch. Raw values (revealing callers) are never kept
here: a document shows its own spelling of them."""
_KNOWN_MAX = 200_000
TOKEN_TABLE_STATS = {"known": 0, "fetched": 0}
"""Pages of hits served from known masks and pages whose token tables were fetched (read by the benchmark)."""


def token_tables(client: Any, index: str, doc_ids: list[str], tokens: set[str],
                 revealed: bool) -> dict[str, dict[str, str]]:
    """For each document, what the caller may see of the given tokens (fetched only when shown and not known),
    from the refreshed copy the search read (not realtime)."""
    if not tokens or not doc_ids:
        return {}
    if not revealed and all(t in _KNOWN_MASKS for t in tokens):
        TOKEN_TABLE_STATS["known"] += 1
        known = {t: _KNOWN_MASKS[t] for t in tokens}
        return {doc_id: known for doc_id in doc_ids}
    TOKEN_TABLE_STATS["fetched"] += 1
    table = "pii_values" if revealed else "pii_masks"
    response = client.mget(index=index, ids=doc_ids, realtime=False,
                           source_includes=[f"{table}.{t}" for t in sorted(tokens)][:1000])
    found = {d["_id"]: d.get("_source", {}).get(table, {}) for d in response["docs"] if d.get("found")}
    if not revealed:
        if len(_KNOWN_MASKS) > _KNOWN_MAX:
            _KNOWN_MASKS.clear()  # bounded; refilled by the next fetches
        for masks in found.values():
            _KNOWN_MASKS.update(masks)
    return found
