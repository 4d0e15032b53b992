"""What a user's query becomes before it reaches Elasticsearch: bounded, identifiers turned into tokens.

A request the service will not run raises ``QueryRefused`` with a message for the user (the API answers 4xx,
the CLI prints one line); nothing a user types can make the service fail with a 500.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from evidex.search.fields import FieldClause, FieldSyntaxError, split_fields
from evidex.search.snippets import MARK_END, MARK_START
from index_config import analysis
from index_config.analysis import has_hangul, has_latin
from index_config.bigrams import SEPARATOR, has_cjk, name_parts, query_pairs, word_bigrams, word_trigrams
from models.identifiers.tokens import TOKEN_PATTERN, token_for

MAX_QUERY_CHARS = 4000
MAX_QUERY_WORDS = 200
MAX_FILTER_CHARS = 512
MAX_RESULT_WINDOW = 10_000
MAX_IDENTIFIERS_MASKED = 3
"""A role without the right to raw identifiers may name at most this many in one query (no enumeration)."""
BIGRAM_SCORE = 0.001
"""The constant score of a word's bigram-only match: below any morpheme or exact match's (a BM25 score of a term
in fewer than 99.9% of documents), so those rank above it. Constant, so that once ten better matches are found
Elasticsearch stops checking bigram phrases at all."""

WORD = re.compile(r"[\w\uac00-\ud7a3]+", re.UNICODE)
OPERATORS = re.compile(r'["+\-|*~()]')
_DIGIT_PROBE = re.compile(r"(\d)[*~]\d*")


_MEMO_CHARS = 200
"""Words and queries up to this long are analysed once per process (the analysers are deterministic)."""


@lru_cache(maxsize=8192)
def _korean_memo(text: str) -> str:
    return analysis.korean_terms(text, gaps=True)


@lru_cache(maxsize=8192)
def _english_memo(text: str) -> str:
    return analysis.english_terms(text)


def korean_gapped(text: str) -> str:
    """Kiwi morphemes of a query word with ``GAP`` where other morphemes stood between two of them
    (``index_config.analysis.korean_terms``), each string analysed once."""
    return _korean_memo(text) if len(text) <= _MEMO_CHARS else analysis.korean_terms(text, gaps=True)


def korean_terms(text: str) -> str:
    """Kiwi's content morphemes of a query word (or words), space-separated."""
    return " ".join(m for m in korean_gapped(text).split() if m != analysis.GAP)


def english_terms(text: str) -> str:
    """English lemmas of a query word (``index_config.analysis.english_terms``), each string analysed once."""
    return _english_memo(text) if len(text) <= _MEMO_CHARS else analysis.english_terms(text)


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
    fields: tuple[FieldClause, ...] = ()
    """``name:``/``date:``-style parts of the query, taken out of ``text``."""
    complete: frozenset[str] = frozenset()
    """Fields added to the mapping that every document of the index carries (``index_config.complete_fields``):
    with ``text_tri`` a CJK word of 3+ characters is matched through its trigrams, with ``text_ko_pairs`` a word
    of several morphemes through their pairs; else through the older fields, which match the same."""


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


def prepare(query: str, *, secret: bytes, may_reveal: bool, complete: frozenset[str] = frozenset()) -> PreparedQuery:
    """Bound ``query`` and rewrite its identifiers; raises ``QueryRefused``. ``complete``: see ``PreparedQuery``."""
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
        before = " " if entity.start and query[entity.start - 1].isalnum() else ""
        after = " " if entity.end < len(query) and query[entity.end].isalnum() else ""
        pieces += [query[cursor : entity.start], f"{before}{token}{after}"]
        tokens.append(token)
        cursor = entity.end
    pieces.append(query[cursor:])
    text = "".join(pieces) if sensitive else query
    if len(WORD.findall(text)) > MAX_QUERY_WORDS:
        raise QueryRefused(f"the query has more than {MAX_QUERY_WORDS} words; split it (a term list runs many "
                           "queries at once)", 422)
    plain = tuple((e.label, e.norm) for e in found if not e.sensitive)
    rewrites = {"identifiers": [e.label for e in sensitive]} if sensitive else {}
    try:
        text, fields = split_fields(text)
    except FieldSyntaxError as exc:
        raise QueryRefused(str(exc), 422) from exc
    return PreparedQuery(text=text, tokens=tuple(tokens), plain_identifiers=plain, rewrites=rewrites,
                         fields=tuple(fields), complete=complete)


def analysed(query: str, analyse: Any, keep: Any) -> str:
    """Rewrite the words of a simple-query-string query through an analyser, keeping its operators.

    A word that becomes several terms is their phrase (``-개인정보`` → ``-"개인 정보"``) outside quotes, spliced in
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
        # a word of several morphemes is the phrase of them (개인정보 = "개인 정보"), never loose terms
        out.append(" ".join(terms) if len(terms) == 1 or in_phrase else f'"{" ".join(terms)}"')
    out.append(query[pos:])
    return "".join(out)


def bigram_only(clause: dict[str, Any]) -> dict[str, Any]:
    """A clause on ``text_bi`` or ``text_tri`` scored ``BIGRAM_SCORE`` whatever it matches."""
    return {"constant_score": {"filter": clause, "boost": BIGRAM_SCORE}}


def any_of(alternatives: list[dict[str, Any]]) -> dict[str, Any]:
    """Documents matching any of ``alternatives``, scored by the best of them.

    ``dis_max`` rather than ``bool``/``should``: beside the access filter Elasticsearch scores every document a
    ``should`` matches, while the best-of-them score lets it skip those that cannot reach the top of the page.
    """
    return alternatives[0] if len(alternatives) == 1 else {"dis_max": {"queries": alternatives}}


def substring_clause(word: str, trigrams: bool) -> dict[str, Any] | None:
    """The recall clause of a CJK word: its run of characters anywhere in a word of the text, as the phrase of
    its trigrams (``trigrams`` and three or more characters: rarer terms, fewer of them) or of its bigrams."""
    if trigrams and (triples := word_trigrams(word)):
        return bigram_only({"match_phrase": {"text_tri": " ".join(triples)}})
    if pairs := word_bigrams(word):
        return bigram_only({"match_phrase": {"text_bi": " ".join(pairs)}})
    return None


def word_clause(word: str, complete: frozenset[str] = frozenset()) -> dict[str, Any]:
    """One plain query word, matched as written, as Korean morphemes or as an English lemma."""
    if TOKEN_PATTERN.fullmatch(word):
        return {"multi_match": {"query": word, "fields": ["text", "title^2", "name.text^2", "path.text"]}}
    forms: list[dict[str, Any]] = [{"match": {"text": {"query": word, "boost": 1.5}}},
                                   {"match": {"title": {"query": word, "boost": 2.0}}},
                                   {"match_phrase": {"name_terms": {"query": name_parts(word), "boost": 2.0}}}]
    if has_hangul(word) and (terms := korean_terms(word)):
        # the phrase of its pairs where its morphemes are neighbours in the word itself (never across a gap)
        pairs = query_pairs(korean_gapped(word).split()) if "text_ko_pairs" in complete else []
        forms.append({"match_phrase": {"text_ko_pairs": " ".join(pairs)}} if pairs
                     else {"match_phrase": {"text_ko": {"query": terms}}})
    if has_latin(word) and (lemma := english_terms(word)):
        forms.append({"match_phrase": {"text_en": {"query": lemma}}})
    if has_cjk(word) and (recall := substring_clause(word, "text_tri" in complete)):
        # any run of its syllables, with or without particles: recall for words no dictionary knows
        forms.append(recall)
    return any_of(forms)


def bigram_query(query: str, size: int = 2) -> str:
    """A simple-query-string query with each CJK word as the phrase of its bigrams (``size`` 3: trigrams; every
    CJK word must then be one run of three or more characters) with the operators kept."""
    grams = word_trigrams if size == 3 else word_bigrams
    out: list[str] = []
    pos = 0
    previous_in_phrase = -1
    for match in WORD.finditer(query):
        out.append(query[pos : match.start()])
        pos = match.end()
        word = match.group(0)
        in_phrase = query.count('"', 0, match.start()) % 2 == 1
        pairs = grams(word) if has_cjk(word) and not TOKEN_PATTERN.fullmatch(word) else []
        if not pairs:
            out.append(word)
        elif in_phrase:
            quote_at = query.rfind('"', 0, match.start())
            joined = " ".join(pairs)
            out.append(f"{SEPARATOR} {joined}" if previous_in_phrase > quote_at else joined)
            previous_in_phrase = match.start()
        else:
            out.append(f'"{" ".join(pairs)}"')
    out.append(query[pos:])
    return "".join(out)


def text_clause(prepared: PreparedQuery, identifier_clauses: list[dict[str, Any]]) -> dict[str, Any] | None:
    """The full-text part of the query (None for an empty query)."""
    query = prepared.text
    extra = [c.clause for c in prepared.fields]
    if not query.strip():
        return {"bool": {"must": extra}} if extra else None
    if extra:
        inner = text_clause(PreparedQuery(query, prepared.tokens, prepared.plain_identifiers,
                                          complete=prepared.complete), identifier_clauses)
        return {"bool": {"must": extra + ([inner] if inner else [])}}
    if not OPERATORS.search(query):
        # Plain words: every word must match, each in whichever form (original, morphemes, lemma) it can,
        # so a query mixing Korean and English words finds documents mixing them.
        words = [{"bool": {"must": [word_clause(w, prepared.complete) for w in WORD.findall(query)]}}]
        return any_of(words + identifier_clauses)
    should: list[dict[str, Any]] = [{"simple_query_string": {
        "query": query, "fields": ["text", "title^2", "name.text^2", "path.text"],
        "default_operator": "and", "flags": "ALL"}}]
    if has_hangul(query):
        should.append({"simple_query_string": {
            "query": analysed(query, korean_terms, has_hangul), "fields": ["text_ko"], "default_operator": "and"}})
    if has_latin(query):
        should.append({"simple_query_string": {
            "query": analysed(query, english_terms, has_latin), "fields": ["text_en"], "default_operator": "and"}})
    if has_cjk(query):
        size = 3 if "text_tri" in prepared.complete and _all_long(query) else 2
        should.append(bigram_only({"simple_query_string": {
            "query": bigram_query(query, size), "fields": ["text_tri" if size == 3 else "text_bi"],
            "default_operator": "and"}}))
    should.extend(identifier_clauses)
    return any_of(should)


def _all_long(query: str) -> bool:
    """Every CJK word of ``query`` is one run of three or more characters (so all have trigrams)."""
    return all(word_trigrams(w) for w in WORD.findall(query) if has_cjk(w) and not TOKEN_PATTERN.fullmatch(w))


def _highlight_stem(word: str) -> str:
    """What of a CJK query word a highlight looks for inside the text's longer words: its morphemes joined, when
    they spell a part of it (``개인정보를`` → ``개인정보``, ``유출했다`` → ``유출``: the inflected forms are marked
    too), else the word as written (a compound is never marked by one of its parts: ``미래정보통신`` does not mark
    ``개인정보``; a word Kiwi does not know, found through its bigrams, is marked where it occurs whole)."""
    word = word.lower()
    morphemes = [m for m in korean_terms(word).split() if has_hangul(m)] if has_hangul(word) else []
    stem = "".join(morphemes)
    return stem if len(stem) >= 2 and stem in word else word


def highlight_request(prepared: PreparedQuery) -> dict[str, Any]:
    """Highlighting of ``text``: what the query matched, and a query word inside a longer word that holds it."""
    query = prepared.text
    should: list[dict[str, Any]] = []
    if query.strip():
        should.append({"simple_query_string": {"query": query, "fields": ["text"], "default_operator": "or"}})
        terms = {_highlight_stem(w) for w in WORD.findall(query) if has_cjk(w)}
        for term in sorted(terms):
            if len(term) >= 2 or len(query.strip()) == 1:
                should.append({"wildcard": {"text": {"value": f"*{term}*"}}})
    return {
        "pre_tags": [MARK_START], "post_tags": [MARK_END], "encoder": "default",
        "fields": {"text": {"type": "unified", "fragment_size": 160, "number_of_fragments": 3,
                            "no_match_size": 160,
                            "highlight_query": {"bool": {"should": should or [{"match_all": {}}]}}}},
    }


def explain_query(prepared: PreparedQuery) -> dict[str, Any]:
    """What the query became, for a user puzzled by a hit or a miss (no identifier value is named)."""
    words = []
    for word in WORD.findall(prepared.text):
        if TOKEN_PATTERN.fullmatch(word):
            words.append({"word": f"[{TOKEN_PATTERN.fullmatch(word).group(1).upper()}]",  # type: ignore[union-attr]
                          "matched_as": "keyed hash of the identifier"})
            continue
        entry: dict[str, Any] = {"word": word, "as_written": True}
        if has_hangul(word):
            entry["morphemes"] = korean_terms(word).split()
            if "text_ko_pairs" in prepared.complete and (pairs := query_pairs(korean_gapped(word).split())):
                entry["morpheme_pairs"] = pairs
        if has_latin(word):
            entry["lemmas"] = english_terms(word).split()
        if has_cjk(word):
            triples = word_trigrams(word) if "text_tri" in prepared.complete else []
            entry.update({"trigrams": triples} if triples else {"bigrams": word_bigrams(word)})
        words.append(entry)
    out: dict[str, Any] = {"words": words, "operators": bool(OPERATORS.search(prepared.text))}
    if prepared.rewrites.get("identifiers"):
        out["identifiers"] = prepared.rewrites["identifiers"]
    if prepared.fields:
        out["fields"] = [c.describe for c in prepared.fields]
    return out
