"""The one query builder: every read on a user's behalf goes through ``SearchService``.

It applies the caller's access filter (own agency, documents shared with it or with the whole task force;
admins see everything), writes an audit record for every search and document view, and renders snippets of
the original text with personal identifiers masked unless the caller's role may see them.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from evidex.audit import AuditTrail
from evidex.identity import TASK_FORCE, User
from evidex.snippets import MARK_END, MARK_START, Masker, edge_digit_spans, render
from index_config.analysis import english_terms, has_hangul, has_latin, korean_surface_prefixes, korean_terms

FACETS = {
    "agency": "agency",
    "case": "case_id",
    "type": "content_type",
    "status": "status",
    "language": "language",
    "topic": "topics",
    "person": "entities.PERSON",
    "org": "entities.ORG",
    "location": "entities.LOCATION",
}
_WORD = re.compile(r"[\w\uac00-\ud7a3]+", re.UNICODE)


_DISPLAYED_FIELDS = ("text", "path", "name", "title", "author", "reason", "metadata")
_NOBODY = User("audit", "audit", ("investigator",))
"""A caller without any right to raw identifiers: what the audit trail may record."""


def _mask_value(value: Any, masker: Masker | None) -> Any:
    if masker is None:
        return value
    if isinstance(value, str):
        return render(value, masker)
    if isinstance(value, list):
        return [_mask_value(v, masker) for v in value]
    if isinstance(value, dict):
        return {k: _mask_value(v, masker) for k, v in value.items()}
    return value


class AccessDenied(PermissionError):
    """The caller may not see this document."""


@dataclass(frozen=True)
class Filters:
    agency: str | None = None
    case_id: str | None = None
    status: str | None = None
    content_type: str | None = None
    language: str | None = None
    topic: str | None = None
    entity: tuple[str, str] | None = None
    batch_id: str | None = None


@dataclass(frozen=True)
class Hit:
    doc_id: str
    path: str
    title: str | None
    agency: str
    case_id: str
    status: str
    reason: str | None
    score: float | None
    snippets: list[str]
    content_type: str | None = None
    language: str | None = None
    topics: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class SearchResult:
    total: int
    hits: list[Hit]
    facets: dict[str, list[tuple[str, int]]]


_DIGIT_PROBE = re.compile(r"(\d)[*~]\d*")
_OPERATORS = re.compile(r'["+\-|*~()]')


def _analysed(query: str, analyse: Any, keep: Any) -> str:
    """Rewrite the words of a simple-query-string query through an analyser, keeping its operators.

    A word that becomes several terms is grouped (``-개인정보`` → ``-(개인 정보)``) outside quotes, spliced in
    inside a phrase; a word carrying ``*`` or ``~`` is left as written.
    """
    out: list[str] = []
    pos = 0
    for match in _WORD.finditer(query):
        out.append(query[pos : match.start()])
        pos = match.end()
        word = match.group(0)
        follows = query[match.end() : match.end() + 1]
        if not keep(word) or follows in ("*", "~"):
            out.append(word)
            continue
        terms = analyse(word).split() or [word]
        in_phrase = query.count('"', 0, match.start()) % 2 == 1
        out.append(" ".join(terms) if len(terms) == 1 or in_phrase else f"({' '.join(terms)})")
    out.append(query[pos:])
    return "".join(out)


def _word_clause(word: str) -> dict[str, Any]:
    """One plain query word, matched as written, as Korean morphemes or as an English lemma."""
    should: list[dict[str, Any]] = [{"match": {"text": {"query": word}}},
                                    {"match": {"title": {"query": word, "boost": 2.0}}},
                                    {"match": {"name.text": {"query": word, "boost": 2.0}}}]
    if has_hangul(word) and (terms := korean_terms(word)):
        should.append({"match": {"text_ko": {"query": terms, "operator": "and"}}})
    if has_latin(word) and (lemma := english_terms(word)):
        should.append({"match": {"text_en": {"query": lemma, "operator": "and"}}})
    return {"bool": {"should": should, "minimum_should_match": 1}}


class SearchService:
    """Access-filtered, audited reads of the document index."""

    def __init__(self, client: Any, prefix: str, data_dir: Path, secret: bytes) -> None:
        self.client = client
        self.docs = f"{prefix}-docs"
        self.audit = AuditTrail(client, f"{prefix}-audit", data_dir / "audit.jsonl")
        self.secret = secret

    # -- building blocks --------------------------------------------------------
    @staticmethod
    def access_filter(user: User) -> dict[str, Any] | None:
        """The clause limiting a user to documents their agency may see (None for admins)."""
        if user.is_admin:
            return None
        return {"bool": {"should": [
            {"term": {"owner_agency": user.agency}},
            {"terms": {"shared_with": [user.agency, TASK_FORCE]}},
        ], "minimum_should_match": 1}}

    def _identifier_clauses(self, query: str) -> list[dict[str, Any]]:
        from models.identifiers import find_identifiers

        clauses = []
        for entity in find_identifiers(query, secret=self.secret):
            if entity.sensitive and entity.hashed:
                clauses.append({"term": {"pii_hashes": {"value": entity.hashed, "boost": 5.0}}})
            elif not entity.sensitive:
                clauses.append({"term": {f"entities.{entity.label}": {"value": entity.norm, "boost": 3.0}}})
        return clauses

    def _entity_filter(self, label: str, value: str) -> dict[str, Any]:
        """A pivot on one entity value; sensitive identifiers are matched by their keyed hash."""
        from models.identifiers import LABELS, SENSITIVE_LABELS, keyed_hash, normalize

        if label in SENSITIVE_LABELS:
            norm = normalize(label, value)
            digest = keyed_hash(label, norm, self.secret) if norm else "no-such-value"
            return {"term": {"pii_hashes": digest}}
        norm = normalize(label, value) if label in LABELS else None
        return {"term": {f"entities.{label}": norm or value}}

    def build_query(self, user: User, query: str, filters: Filters) -> dict[str, Any]:
        """The Elasticsearch query for ``query`` as seen by ``user``."""
        must: list[dict[str, Any]] = []
        if query.strip() and not _OPERATORS.search(query):
            # Plain words: every word must match, each in whichever form (original, morphemes, lemma) it can,
            # so a query mixing Korean and English words finds documents mixing them.
            words = [{"bool": {"must": [_word_clause(w) for w in _WORD.findall(query)]}}]
            must.append({"bool": {"should": words + self._identifier_clauses(query), "minimum_should_match": 1}})
        elif query.strip():
            should: list[dict[str, Any]] = [{"simple_query_string": {
                "query": query, "fields": ["text", "title^2", "name.text^2", "path.text"],
                "default_operator": "and", "flags": "ALL"}}]
            if has_hangul(query):
                should.append({"simple_query_string": {
                    "query": _analysed(query, korean_terms, has_hangul), "fields": ["text_ko"],
                    "default_operator": "and"}})
            if has_latin(query):
                should.append({"simple_query_string": {
                    "query": _analysed(query, english_terms, has_latin), "fields": ["text_en"],
                    "default_operator": "and"}})
            should.extend(self._identifier_clauses(query))
            must.append({"bool": {"should": should, "minimum_should_match": 1}})
        filter_: list[dict[str, Any]] = []
        access = self.access_filter(user)
        if access:
            filter_.append(access)
        for name, value in (("agency", filters.agency), ("case_id", filters.case_id), ("status", filters.status),
                            ("content_type", filters.content_type), ("language", filters.language),
                            ("topics", filters.topic), ("batch_id", filters.batch_id)):
            if value:
                filter_.append({"term": {name: value}})
        if filters.entity:
            filter_.append(self._entity_filter(*filters.entity))
        return {"bool": {"must": must or [{"match_all": {}}], "filter": filter_}}

    def _highlight(self, query: str) -> dict[str, Any]:
        should: list[dict[str, Any]] = []
        if query.strip():
            should.append({"simple_query_string": {"query": query, "fields": ["text"], "default_operator": "or"}})
            for term in korean_surface_prefixes(query):
                if len(term) >= 2 or len(query.strip()) == 1:
                    should.append({"wildcard": {"text": {"value": f"*{term}*"}}})
        return {
            "pre_tags": [MARK_START], "post_tags": [MARK_END], "encoder": "default",
            "fields": {"text": {"type": "unified", "fragment_size": 160, "number_of_fragments": 3,
                                "no_match_size": 160,
                                "highlight_query": {"bool": {"should": should or [{"match_all": {}}]}}}},
        }

    def _masker(self, user: User, reveal: bool) -> Masker | None:
        """Sensitive spans to mask for ``user`` (None when they may and asked to see raw values)."""
        if reveal and user.may_reveal_pii:
            return None
        from models.identifiers import find_identifiers, mask

        def spans(text: str) -> list[tuple[int, int, str]]:
            return [(e.start, e.end, mask(e.label, e.text))
                    for e in find_identifiers(text, secret=self.secret) if e.sensitive]

        return spans

    def _fragment_masker(self, user: User, reveal: bool) -> Masker | None:
        """As ``_masker``, plus digit runs cut by a fragment's edges (a cut identifier no longer validates)."""
        whole = self._masker(user, reveal)
        if whole is None:
            return None
        return lambda text: whole(text) + edge_digit_spans(text)

    def display(self, user: User, value: Any, *, reveal: bool = False) -> Any:
        """``value`` (a string, or lists and dicts of them) with identifiers masked for ``user``."""
        return _mask_value(value, self._masker(user, reveal))

    def _audit_filters(self, filters: Filters) -> dict[str, Any]:
        """Filters as written to the audit trail: identifier values masked."""
        masker = self._masker(_NOBODY, False)
        values = {k: v for k, v in vars(filters).items() if v}
        if filters.entity:
            values["entity"] = f"{filters.entity[0]}:{render(filters.entity[1], masker)}"
        return values

    # -- reads ------------------------------------------------------------------
    def search(self, user: User, query: str, filters: Filters | None = None, *, limit: int = 10, offset: int = 0,
               reveal: bool = False, markup: str = "text") -> SearchResult:
        """Search as ``user``; writes one audit record.

        ``markup`` "text" marks highlights with ``[`` ``]``; "html" escapes the text and uses ``<mark>``.
        """
        filters = filters or Filters()
        if not (reveal and user.may_reveal_pii):
            # digits followed by * or ~ would probe masked identifiers digit by digit
            query = _DIGIT_PROBE.sub(r"\1", query)
        masker = self._masker(user, reveal)
        fragment_masker = self._fragment_masker(user, reveal)
        tags = {"open_tag": "<mark>", "close_tag": "</mark>", "escape": html.escape} if markup == "html" else {}
        audited_query = render(query, self._masker(_NOBODY, False))
        audited_filters = self._audit_filters(filters)
        revealed = masker is None
        try:
            response = self.client.search(
                index=self.docs, query=self.build_query(user, query, filters), size=limit, from_=offset,
                highlight=self._highlight(query), track_total_hits=True,
                source_excludes=["text", "metadata"],
                aggs={name: {"terms": {"field": field_, "size": 15}} for name, field_ in FACETS.items()},
            )
        except Exception:
            self.audit.write(user, "search", query=audited_query, filters=audited_filters, outcome="error",
                             revealed=revealed)
            raise
        hits = []
        for raw in response["hits"]["hits"]:
            src = raw["_source"]
            fragments = raw.get("highlight", {}).get("text", [])
            hits.append(Hit(
                doc_id=raw["_id"], path=render(src.get("path", ""), masker),
                title=render(src["title"], masker) if src.get("title") else None, agency=src.get("agency", ""),
                case_id=src.get("case_id", ""), status=src.get("status", ""),
                reason=render(src["reason"], masker) if src.get("reason") else None,
                score=raw.get("_score"), snippets=[render(f, fragment_masker, **tags) for f in fragments],
                content_type=src.get("content_type"), language=src.get("language"), topics=src.get("topics", []),
            ))
        facets = {
            name: [(b["key"], b["doc_count"]) for b in agg["buckets"]]
            for name, agg in response.get("aggregations", {}).items()
        }
        total = response["hits"]["total"]["value"]
        self.audit.write(user, "search", query=audited_query, filters=audited_filters,
                         doc_ids=[h.doc_id for h in hits], result_count=total, revealed=revealed)
        return SearchResult(total, hits, facets)

    def fetch(self, user: User, doc_ids: list[str], *, action: str, fields: list[str]) -> dict[str, dict[str, Any]]:
        """Several documents' ``fields`` as ``user`` may see them (others are left out); one audit record."""
        if not doc_ids:
            return {}
        found: dict[str, dict[str, Any]] = {}
        for start in range(0, len(doc_ids), 1000):
            query = self.build_query(user, "", Filters())
            query["bool"]["filter"].append({"ids": {"values": doc_ids[start : start + 1000]}})
            response = self.client.search(index=self.docs, query=query, size=1000, source_includes=fields)
            found.update({hit["_id"]: hit["_source"] for hit in response["hits"]["hits"]})
        self.audit.write(user, action, doc_ids=list(found), result_count=len(found))
        return found

    def case_texts(self, user: User, case_id: str, *, limit: int) -> list[str]:
        """Texts of one case's readable documents that ``user`` may see (one audited export)."""
        query = self.build_query(user, "", Filters(case_id=case_id))
        query["bool"]["filter"].append({"terms": {"status": ["ok", "partial"]}})
        response = self.client.search(index=self.docs, query=query, size=limit, source_includes=["text"])
        hits = response["hits"]["hits"]
        self.audit.write(user, "export_for_discovery", filters={"case_id": case_id},
                         doc_ids=[h["_id"] for h in hits], result_count=len(hits))
        return [h["_source"].get("text", "") for h in hits if h["_source"].get("text")]

    def get(self, user: User, doc_id: str, *, reveal: bool = False, action: str = "view") -> dict[str, Any]:
        """One document as ``user`` may see it; raises ``AccessDenied`` otherwise. Audited."""
        query = self.build_query(user, "", Filters())
        query["bool"]["filter"].append({"ids": {"values": [doc_id]}})
        response = self.client.search(index=self.docs, query=query, size=1)
        found = response["hits"]["hits"]
        self.audit.write(user, action, doc_ids=[doc_id], result_count=len(found),
                         outcome="ok" if found else "denied_or_missing", revealed=reveal and user.may_reveal_pii)
        if not found:
            raise AccessDenied(f"document {doc_id} does not exist or is not shared with {user.agency}")
        source = found[0]["_source"]
        masker = self._masker(user, reveal)
        for key in _DISPLAYED_FIELDS:
            if source.get(key):
                source[key] = _mask_value(source[key], masker)
        return source
