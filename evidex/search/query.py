"""What a user's query becomes before it reaches Elasticsearch: bounded, identifiers turned into tokens.

A request the service will not run raises ``QueryRefused`` with a message for the user (the API answers 4xx,
the CLI prints one line); nothing a user types can make the service fail with a 500.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from index_config.analysis import english_terms, has_hangul, has_latin, korean_terms
from models.identifiers.tokens import TOKEN_PATTERN, token_for

MAX_QUERY_CHARS = 4000
MAX_QUERY_WORDS = 200
MAX_FILTER_CHARS = 512
MAX_RESULT_WINDOW = 10_000
MAX_IDENTIFIERS_MASKED = 3
"""A role without the right to raw identifiers may name at most this many in one query (no enumeration)."""

WORD = re.compile(r"[\w\uac00-\ud7a3]+", re.UNICODE)
OPERATORS = re.compile(r'["+\-|*~()]')
_DIGIT_PROBE = re.compile(r"(\d)[*~]\d*")


class QueryRefused(ValueError):
    """A request the service refuses; ``status`` is the HTTP status to answer with (400, 422 or 429)."""

    def __init__(self, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.status = status


@dataclass(frozen=True)
class PreparedQuery:
    """A query as it will run: identifiers replaced by their tokens, digit probes removed."""

    text: str
    tokens: tuple[str, ...] = ()
    plain_identifiers: tuple[tuple[str, str], ...] = ()
    """Validated identifiers that are not sensitive (IP, URL, plate …) as (label, normalised value)."""
    rewrites: dict[str, Any] = field(default_factory=dict)


def check_window(offset: int, limit: int) -> None:
    """Refuse pages Elasticsearch cannot serve with from/size (point-in-time paging serves deeper)."""
    if limit < 1 or offset < 0:
        raise QueryRefused("limit must be at least 1 and offset at least 0", 422)
    if offset + limit > MAX_RESULT_WINDOW:
        raise QueryRefused(f"offset + limit may be at most {MAX_RESULT_WINDOW:,} (got {offset + limit:,}); "
                           "export the result set for more", 422)


def check_filter(name: str, value: str | None) -> None:
    if value is not None and len(value) > MAX_FILTER_CHARS:
        raise QueryRefused(f"filter {name} is {len(value):,} characters long; at most {MAX_FILTER_CHARS}", 422)


def prepare(query: str, *, secret: bytes, may_reveal: bool) -> PreparedQuery:
    """Bound ``query`` and rewrite its identifiers; raises ``QueryRefused``."""
    from models.identifiers import find_identifiers

    if len(query) > MAX_QUERY_CHARS:
        raise QueryRefused(f"the query is {len(query):,} characters long; at most {MAX_QUERY_CHARS:,}", 422)
    if not may_reveal:
        # digits followed by * or ~ would probe masked identifiers digit by digit
        query = _DIGIT_PROBE.sub(r"\1", query)
    found = find_identifiers(query, secret=secret)
    sensitive = [e for e in found if e.sensitive and e.hashed]
    if not may_reveal and len({e.hashed for e in sensitive}) > MAX_IDENTIFIERS_MASKED:
        raise QueryRefused(
            f"the query names {len(sensitive)} personal identifiers; your role may search for at most "
            f"{MAX_IDENTIFIERS_MASKED} at a time (ask a privacy officer for a list search)", 422)
    pieces: list[str] = []
    cursor = 0
    tokens: list[str] = []
    for entity in sensitive:
        token = token_for(entity.label, entity.hashed or "")
        pieces += [query[cursor : entity.start], f" {token} "]
        tokens.append(token)
        cursor = entity.end
    pieces.append(query[cursor:])
    text = "".join(pieces) if sensitive else query
    if len(WORD.findall(text)) > MAX_QUERY_WORDS:
        raise QueryRefused(f"the query has more than {MAX_QUERY_WORDS} words; split it (a term list runs many "
                           "queries at once)", 422)
    plain = tuple((e.label, e.norm) for e in found if not e.sensitive)
    rewrites = {"identifiers": [e.label for e in sensitive]} if sensitive else {}
    return PreparedQuery(text=text, tokens=tuple(tokens), plain_identifiers=plain, rewrites=rewrites)


def analysed(query: str, analyse: Any, keep: Any) -> str:
    """Rewrite the words of a simple-query-string query through an analyser, keeping its operators.

    A word that becomes several terms is grouped (``-개인정보`` → ``-(개인 정보)``) outside quotes, spliced in
    inside a phrase; a word carrying ``*`` or ``~`` and an identifier token are left as written.
    """
    out: list[str] = []
    pos = 0
    for match in WORD.finditer(query):
        out.append(query[pos : match.start()])
        pos = match.end()
        word = match.group(0)
        follows = query[match.end() : match.end() + 1]
        if not keep(word) or follows in ("*", "~") or TOKEN_PATTERN.fullmatch(word):
            out.append(word)
            continue
        terms = analyse(word).split() or [word]
        in_phrase = query.count('"', 0, match.start()) % 2 == 1
        out.append(" ".join(terms) if len(terms) == 1 or in_phrase else f"({' '.join(terms)})")
    out.append(query[pos:])
    return "".join(out)


def word_clause(word: str) -> dict[str, Any]:
    """One plain query word, matched as written, as Korean morphemes or as an English lemma."""
    if TOKEN_PATTERN.fullmatch(word):
        return {"multi_match": {"query": word, "fields": ["text", "title^2", "name.text^2", "path.text"]}}
    should: list[dict[str, Any]] = [{"match": {"text": {"query": word}}},
                                    {"match": {"title": {"query": word, "boost": 2.0}}},
                                    {"match": {"name.text": {"query": word, "boost": 2.0}}}]
    if has_hangul(word) and (terms := korean_terms(word)):
        should.append({"match": {"text_ko": {"query": terms, "operator": "and"}}})
    if has_latin(word) and (lemma := english_terms(word)):
        should.append({"match": {"text_en": {"query": lemma, "operator": "and"}}})
    return {"bool": {"should": should, "minimum_should_match": 1}}


def text_clause(prepared: PreparedQuery, identifier_clauses: list[dict[str, Any]]) -> dict[str, Any] | None:
    """The full-text part of the query (None for an empty query)."""
    query = prepared.text
    if not query.strip():
        return None
    if not OPERATORS.search(query):
        # Plain words: every word must match, each in whichever form (original, morphemes, lemma) it can,
        # so a query mixing Korean and English words finds documents mixing them.
        words = [{"bool": {"must": [word_clause(w) for w in WORD.findall(query)]}}]
        return {"bool": {"should": words + identifier_clauses, "minimum_should_match": 1}}
    should: list[dict[str, Any]] = [{"simple_query_string": {
        "query": query, "fields": ["text", "title^2", "name.text^2", "path.text"],
        "default_operator": "and", "flags": "ALL"}}]
    if has_hangul(query):
        should.append({"simple_query_string": {
            "query": analysed(query, korean_terms, has_hangul), "fields": ["text_ko"], "default_operator": "and"}})
    if has_latin(query):
        should.append({"simple_query_string": {
            "query": analysed(query, english_terms, has_latin), "fields": ["text_en"], "default_operator": "and"}})
    should.extend(identifier_clauses)
    return {"bool": {"should": should, "minimum_should_match": 1}}
