"""The one query builder: every read on a user's behalf goes through ``SearchService``.

It applies the caller's access filter (own agency, documents shared with it or with the whole task force;
admins see everything), writes an audit record for every search and document view, and renders snippets of
the original text with personal identifiers masked unless the caller's role may see them.
"""

from __future__ import annotations

import hashlib
import hmac as hmaclib
import html
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from evidex.search.audit import AuditTrail
from evidex.search.results import (HIT_FIELDS, MAX_PAGE, PIT_KEEP_ALIVE, SORTS, AccessDenied, FacetResult, Filters,
                                   Hit, SearchResult, SearchUnavailable, es_reason, flagged, own_annotations,
                                   read_failure)
from evidex.search.display import View, identifier_masker, token_tables, tokens_in
from evidex.search.identity import TASK_FORCE, User
from evidex.search.probes import ProbeGuard
from evidex.search.paging import PageState, facet_aggregations, facet_search
from evidex.search.query import (MAX_RESULT_WINDOW, PreparedQuery, QueryRefused, check_filter, check_window,
                                 explain_query, highlight_request, prepare, text_clause)
from evidex.search.snippets import Masker, render
from evidex.search.wire import fast_decoding
from index_config import complete_fields

_DISPLAYED_FIELDS = ("text", "path", "name", "title", "author", "reason", "metadata")
_TOKEN_TABLES = ("pii_masks", "pii_values")
_DERIVED_FIELDS = ("minhash", "near_bands", "text_ko", "text_en", "text_bi", "text_tri", "text_ko_pairs", "name_terms",
                   "path_terms")
_BESIDE = ThreadPoolExecutor(max_workers=8, thread_name_prefix="evidex-search")
"""Runs a first page's facet request beside its hits request (and the rendering of the hits)."""
_AUDITS = ThreadPoolExecutor(max_workers=4, thread_name_prefix="evidex-audit")  # writes while hits are masked
_NOBODY = User("audit", "audit", ("investigator",))  # no right to raw identifiers: what the audit trail may record


class SearchService:
    """Access-filtered, audited reads of the document index."""

    split_facets = True
    """A first page's hits and facets as two requests at once (False: one request, as a cursor's first page)."""

    def __init__(self, client: Any, prefix: str, data_dir: Path, secret: bytes, audit_chain: Any = None) -> None:
        """``audit_chain``: the audit journal when it is not ``<data_dir>/audit.jsonl`` (a shared catalogue)."""
        self.client = client
        fast_decoding(client)
        self.docs = f"{prefix}-docs"
        self.audit = AuditTrail(client, f"{prefix}-audit", data_dir / "audit.jsonl", chain=audit_chain)
        self.secret = secret
        self.probes = ProbeGuard(data_dir / "probes.sqlite")

    # -- building blocks --------------------------------------------------------
    @staticmethod
    def access_filter(user: User) -> dict[str, Any] | None:
        """The clause limiting a user to documents their agency may see (None for admins)."""
        if user.is_admin:
            return None
        # term clauses, not ``terms``: that one builds a bit set of every shared document on each search
        return {"bool": {"should": [
            {"term": {"owner_agency": user.agency}},
            {"term": {"shared_with": user.agency}},
            {"term": {"shared_with": TASK_FORCE}},
        ], "minimum_should_match": 1}}

    @staticmethod
    def _identifier_clauses(prepared: PreparedQuery) -> list[dict[str, Any]]:
        clauses: list[dict[str, Any]] = [
            {"term": {"pii_hashes": {"value": token.rsplit("_", 1)[1], "boost": 5.0}}} for token in prepared.tokens]
        clauses += [{"term": {f"entities.{label}": {"value": norm, "boost": 3.0}}}
                    for label, norm in prepared.plain_identifiers]
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

    def prepare(self, user: User, query: str, *, reveal: bool = False) -> PreparedQuery:
        complete = complete_fields(self.client, self.docs)  # fields an index not reindexed lacks in some documents
        return prepare(query, secret=self.secret, may_reveal=reveal and user.may_reveal_pii, complete=complete)

    def build_query(self, user: User, query: str | PreparedQuery, filters: Filters) -> dict[str, Any]:
        """The Elasticsearch query for ``query`` as seen by ``user``."""
        prepared = query if isinstance(query, PreparedQuery) else self.prepare(user, query)
        must: list[dict[str, Any]] = []
        clause = text_clause(prepared, self._identifier_clauses(prepared))
        if clause:
            must.append(clause)
        filter_: list[dict[str, Any]] = []
        access = self.access_filter(user)
        if access:
            filter_.append(access)
        for name, value in (("agency", filters.agency), ("case_id", filters.case_id), ("status", filters.status),
                            ("content_type", filters.content_type), ("language", filters.language),
                            ("topics", filters.topic), ("batch_id", filters.batch_id)):
            if value:
                check_filter(name, value)
                filter_.append({"term": {name: value}})
        if filters.tag:
            check_filter("tag", filters.tag)
            filter_.append({"term": {"tags": f"{user.agency}|{filters.tag}"}})
        for pivot in ((filters.entity,) if filters.entity else ()) + tuple(filters.entities):
            check_filter("entity", pivot[0] + pivot[1])
            filter_.append(self._entity_filter(*pivot))
        return {"bool": {"must": must or [{"match_all": {}}], "filter": filter_}}

    def _masker(self, user: User, reveal: bool) -> Masker | None:
        """Sensitive spans to mask for ``user`` (None when they may and asked to see raw values)."""
        if reveal and user.may_reveal_pii:
            return None
        return identifier_masker(self.secret)

    def view(self, user: User, reveal: bool, source: dict[str, Any] | None = None) -> View:
        """The display rules for ``user``; the document's token tables are taken out of ``source``."""
        masker = self._masker(user, reveal)
        masks = (source or {}).pop("pii_masks", None) or {}
        values = (source or {}).pop("pii_values", None) or {}
        return View(masker, values if masker is None else masks)

    def display(self, user: User, value: Any, *, reveal: bool = False) -> Any:
        """``value`` (a string, or lists and dicts of them) with identifiers masked for ``user``."""
        return self.view(user, reveal).value(value)

    def _audit_filters(self, filters: Filters) -> dict[str, Any]:
        """Filters as written to the audit trail: identifier values masked and bounded."""
        masker = self._masker(_NOBODY, False)
        values = {k: render(v[:600], masker) if isinstance(v, str) else v for k, v in vars(filters).items() if v}
        if filters.entity:
            values["entity"] = f"{filters.entity[0][:100]}:{render(filters.entity[1][:600], masker)}"
        if filters.entities:
            values["entities"] = [f"{label[:100]}:{render(value[:600], masker)}" for label, value in filters.entities]
        return values

    def _token_tables(self, doc_ids: list[str], tokens: set[str], revealed: bool) -> dict[str, dict[str, str]]:
        """What the caller may see of the tokens shown, per document (``display.token_tables``)."""
        return token_tables(self.client, self.docs, doc_ids, tokens, revealed)

    def _refuse(self, user: User, action: str, exc: QueryRefused, query: str, filters: Filters,
                flags: list[str] | None = None) -> None:
        self.audit.write(user, action, query=self.audited_query(query), filters=self._audit_filters(filters),
                         outcome=f"refused: {exc}"[:300], **flagged(flags))

    def audited_query(self, query: str) -> str:
        """The query as the audit trail records it: identifiers masked, bounded."""
        return render(query[:2000], self._masker(_NOBODY, False))

    def render_hits(self, user: User, reveal: bool, raw_hits: list[dict[str, Any]], markup: str = "text") -> list[Hit]:
        """Elasticsearch hits (``_source`` without text and token tables, ``highlight.text``) as ``user`` may see them.

        ``markup`` "text" marks highlights with ``[`` ``]``; "html" escapes the text and uses ``<mark>``.
        """
        tags = {"open_tag": "<mark>", "close_tag": "</mark>", "escape": html.escape} if markup == "html" else {}
        revealed = bool(reveal and user.may_reveal_pii)
        shown = [(raw.get("highlight", {}).get("text", []), raw["_source"]) for raw in raw_hits]
        held = [tokens_in(f, s.get("path"), s.get("title"), s.get("reason")) for f, s in shown]  # shown tokens
        tables = self._token_tables([raw["_id"] for raw, t in zip(raw_hits, held) if t], set().union(*held),
                                    revealed)
        masker = self._masker(user, reveal)
        hits = []
        for raw, (fragments, src) in zip(raw_hits, shown):
            view = View(masker, tables.get(raw["_id"]))
            hits.append(Hit(
                doc_id=raw["_id"], path=view.text(src.get("path", "")),
                title=view.text(src["title"]) if src.get("title") else None, agency=src.get("agency", ""),
                case_id=src.get("case_id", ""), status=src.get("status", ""),
                reason=view.text(src["reason"]) if src.get("reason") else None,
                score=raw.get("_score"), snippets=[view.fragment(f, **tags) for f in fragments],
                content_type=src.get("content_type"), language=src.get("language"), topics=src.get("topics", []),
                sha256=src.get("sha256"),
            ))
        return hits

    def render_facets(self, user: User, reveal: bool, aggregations: dict[str, Any]) -> dict[str, list[tuple[str, int]]]:
        """Terms aggregations as (value, count) lists, values shaped like identifiers left out for masked roles."""
        view = View(self._masker(user, reveal))

        def key(name: str, bucket: dict[str, Any]) -> str:
            value = bucket.get("key_as_string", bucket["key"])
            return str(value).split("|", 1)[-1] if name == "tag" else value  # own tags, without the agency

        return {name: view.facet([(key(name, b), b["doc_count"]) for b in agg["buckets"]])
                for name, agg in aggregations.items() if "buckets" in agg}

    # -- reads ------------------------------------------------------------------
    def _prepared_read(self, user: User, query: str, filters: Filters, reveal: bool, action: str,
                       flags: list[str]) -> tuple[PreparedQuery, dict[str, Any]]:
        """The prepared query and its Elasticsearch query; a refusal is audited and raised as ``QueryRefused``."""
        try:
            prepared = self.prepare(user, query, reveal=reveal)
            if not (reveal and user.may_reveal_pii):
                verdict = self.probes.check(f"{user.agency}/{user.name}", prepared.text)
                if verdict.flagged:
                    flags.append(f"probe_suspected: {verdict.variants} variants of one query shape")
                if verdict.throttled:
                    raise QueryRefused("too many near-identical queries differing only in numbers or identifiers; "
                                       "wait a few minutes (this has been recorded)", 429)
            return prepared, self.build_query(user, prepared, filters)
        except QueryRefused as exc:
            self._refuse(user, action, exc, query, filters, flags)
            raise

    def _failed(self, user: User, action: str, exc: Exception, query: str, filters: Filters, revealed: bool,
                flags: list[str], pit: bool = False) -> Exception:
        """Audit a request Elasticsearch failed, and the error to raise for it."""
        self.audit.write(user, action, query=self.audited_query(query), filters=self._audit_filters(filters),
                         outcome=f"error: {es_reason(exc)}", revealed=revealed, **flagged(flags))
        return read_failure(exc, pit)

    def _facet_response(self, user: User, es_query: dict[str, Any]) -> dict[str, Any]:
        """Facets and the exact total of ``es_query`` (two requests at once): no hits, so the request cache keeps the
        answer until the index next refreshes (the cache key is the whole request, access filter included)."""
        return facet_search(self.client, self.docs, es_query, tags_of=user.agency)

    def search(self, user: User, query: str, filters: Filters | None = None, *, limit: int = 10, offset: int = 0,
               reveal: bool = False, markup: str = "text", sort: str = "relevance",
               cursor: str | None = None, facets: bool = True, exact_total: bool = True) -> SearchResult:
        """Search as ``user``; writes one audit record, refusals and failures included.

        ``markup`` "text" marks highlights with ``[`` ``]``; "html" escapes the text and uses ``<mark>``.
        ``cursor`` "" starts point-in-time paging (stable order, any depth); a result's ``next_cursor`` continues
        it. ``facets=False`` leaves out the aggregations (most of a query's cost in Elasticsearch; ``facets``
        gives them in a request of their own). ``exact_total=False`` counts a page without facets only up to
        10,000 (``total_exact`` then says whether the count is a lower bound). Raises ``QueryRefused`` (the
        user's request) or ``SearchUnavailable`` (the index).
        """
        filters = filters or Filters()
        revealed = bool(reveal and user.may_reveal_pii)
        flags: list[str] = []
        page: PageState | None = None
        try:
            if sort not in SORTS:
                raise QueryRefused(f"unknown sort {sort[:40]!r}; one of {', '.join(SORTS)}", 422)
            if cursor is None:
                check_window(offset, limit)
            elif not 1 <= limit <= MAX_PAGE:
                raise QueryRefused(f"limit must be between 1 and {MAX_PAGE} per page", 422)
            else:
                page = PageState.decode(cursor, self._page_key(user, query, filters, sort, reveal))
        except QueryRefused as exc:
            self._refuse(user, "search", exc, query, filters, flags)
            raise
        prepared, es_query = self._prepared_read(user, query, filters, reveal, "search", flags)
        request: dict[str, Any] = dict(query=es_query, size=limit, highlight=highlight_request(prepared),
                                       track_total_hits=True, source_includes=list(HIT_FIELDS), sort=SORTS[sort])
        # a first page's hits and facets as two requests at once: the hits need no exact count (the facets'
        # request counts) so they may skip non-competitive documents, and the facets' answer is cacheable
        split = facets and page is None and self.split_facets
        if facets and not split and not (page and page.after):  # a cursor's facets: from its point in time
            request["aggs"] = facet_aggregations(tags_of=user.agency)
        if split:  # the facets' request counts
            request["track_total_hits"] = False
        elif not exact_total and "aggs" not in request:
            request["track_total_hits"] = MAX_RESULT_WINDOW
        pending = _BESIDE.submit(self._facet_response, user, es_query) if split else None
        try:
            if page is None:
                response = self.client.search(index=self.docs, from_=offset, **request)
            else:
                if not page.pit:
                    page.pit = self.client.open_point_in_time(index=self.docs, keep_alive=PIT_KEEP_ALIVE)["id"]
                response = self.client.search(pit={"id": page.pit, "keep_alive": PIT_KEEP_ALIVE},
                                              search_after=page.after or None, **request)
            raw_hits = response["hits"]["hits"]
            audited = None if pending is not None else _AUDITS.submit(  # the count is known: written meanwhile
                self._audit_search, user, query, filters, raw_hits, response, revealed, flags)
            try:  # the hits are masked (their token tables fetched) while the facets' request still runs
                hits, unshown = self.render_hits(user, reveal, raw_hits, markup), None
            except Exception as exc:  # noqa: BLE001 - raised once the search is audited
                hits, unshown = [], exc
            facet_response = pending.result() if pending is not None else None
        except Exception as exc:
            if pending is not None:
                pending.exception()  # the facets' request has ended too
            raise self._failed(user, "search", exc, query, filters, revealed, flags,
                               pit=bool(page is not None and page.pit)) from exc
        total, total_exact = audited.result() if audited is not None else self._audit_search(
            user, query, filters, raw_hits, facet_response, revealed, flags)  # before any hit returns
        if unshown is not None:
            raise unshown
        facet_values = self.render_facets(user, reveal, (facet_response or response).get("aggregations") or {})
        next_cursor = None
        if page is not None and len(raw_hits) == limit:
            page.pit = response.get("pit_id", page.pit)
            page.after = raw_hits[-1]["sort"]
            next_cursor = page.encode()
        # the last page leaves its point in time to expire (5 minutes): "previous" still pages back through it
        return SearchResult(total, hits, facet_values, next_cursor, explain_query(prepared), total_exact)

    def _audit_search(self, user: User, query: str, filters: Filters, raw_hits: list[dict[str, Any]],
                      counted: dict[str, Any], revealed: bool, flags: list[str]) -> tuple[int, bool]:
        """A search's audit record (journal append under its lock); the count of ``counted``, whether exact."""
        total = counted["hits"]["total"]
        self.audit.write(user, "search", query=self.audited_query(query), filters=self._audit_filters(filters),
                         doc_ids=[h["_id"] for h in raw_hits], result_count=total["value"], revealed=revealed,
                         **flagged(flags))
        return total["value"], total.get("relation", "eq") == "eq"

    def facets(self, user: User, query: str, filters: Filters | None = None, *,
               reveal: bool = False) -> FacetResult:
        """The facets and exact total of a search, without its hits (the page asks for them after the hits).
        Served from Elasticsearch's request cache until the index refreshes; audited as ``facets``."""
        filters = filters or Filters()
        revealed = bool(reveal and user.may_reveal_pii)
        flags: list[str] = []
        _, es_query = self._prepared_read(user, query, filters, reveal, "facets", flags)
        try:
            response = self._facet_response(user, es_query)
        except Exception as exc:
            raise self._failed(user, "facets", exc, query, filters, revealed, flags) from exc
        total = response["hits"]["total"]["value"]
        values = self.render_facets(user, reveal, response.get("aggregations") or {})
        self.audit.write(user, "facets", query=self.audited_query(query), filters=self._audit_filters(filters),
                         result_count=total, revealed=revealed, **flagged(flags))
        return FacetResult(total, values)

    def _close_pit(self, pit: str) -> None:
        try:
            self.client.close_point_in_time(id=pit)
        except Exception:  # noqa: BLE001 - an expired point in time closes itself
            pass

    def _page_key(self, user: User, query: str, filters: Filters, sort: str, reveal: bool) -> str:
        """Binds a cursor to one user, query, filter set and sort (a cursor is no ticket to other results)."""
        material = repr((user.name, user.agency, user.roles, query, sorted(vars(filters).items()), sort, reveal))
        return hmaclib.new(self.secret, material.encode(), hashlib.sha256).hexdigest()[:24]

    def fetch(self, user: User, doc_ids: list[str], *, action: str, fields: list[str]) -> dict[str, dict[str, Any]]:
        """Several documents' ``fields`` as ``user`` may see them (others are left out); one audit record.
        Callers receive stored values: token tables are never among them, and displayed fields must go through
        ``view`` before they reach a person."""
        if not doc_ids:
            return {}
        fields = [f for f in fields if f not in _TOKEN_TABLES]
        found: dict[str, dict[str, Any]] = {}
        for start in range(0, len(doc_ids), 1000):
            query = self.build_query(user, "", Filters())
            query["bool"]["filter"].append({"ids": {"values": doc_ids[start : start + 1000]}})
            response = self.client.search(index=self.docs, query=query, size=1000, source_includes=fields)
            found.update({hit["_id"]: hit["_source"] for hit in response["hits"]["hits"]})
        self.audit.write(user, action, doc_ids=list(found), result_count=len(found))
        return found

    def case_texts(self, user: User, case_id: str, *, limit: int) -> list[str]:
        """Texts of one case's readable documents that ``user`` may see (one audited export), identifiers masked."""
        query = self.build_query(user, "", Filters(case_id=case_id))
        query["bool"]["filter"].append({"terms": {"status": ["ok", "partial"]}})
        response = self.client.search(index=self.docs, query=query, size=limit, source_includes=["text", "pii_masks"])
        hits = response["hits"]["hits"]
        self.audit.write(user, "export_for_discovery", filters={"case_id": case_id},
                         doc_ids=[h["_id"] for h in hits], result_count=len(hits))
        texts = []
        for hit in hits:
            source = hit["_source"]
            if source.get("text"):
                texts.append(View(None, source.get("pii_masks") or {}).text(source["text"]))
        return texts

    def get(self, user: User, doc_id: str, *, reveal: bool = False, action: str = "view") -> dict[str, Any]:
        """One document as ``user`` may see it; raises ``AccessDenied`` otherwise. Audited."""
        query = self.build_query(user, "", Filters())
        query["bool"]["filter"].append({"ids": {"values": [doc_id]}})
        revealed = bool(reveal and user.may_reveal_pii)
        response = self.client.search(index=self.docs, query=query, size=1,
                                      source_excludes=["pii_masks" if revealed else "pii_values"])
        found = response["hits"]["hits"]
        self.audit.write(user, action, doc_ids=[doc_id], result_count=len(found),
                         outcome="ok" if found else "denied_or_missing", revealed=revealed)
        if not found:
            raise AccessDenied(f"document {doc_id} does not exist or is not shared with {user.agency}")
        source = found[0]["_source"]
        view = self.view(user, reveal, source)
        for key in _DISPLAYED_FIELDS:
            if source.get(key):
                source[key] = view.value(source[key])
        if isinstance(source.get("entities"), dict):
            source["entities"] = view.entities(source["entities"])
        for derived in _DERIVED_FIELDS:
            source.pop(derived, None)  # index-time analysis, not something a reader looks at
        source.update(own_annotations(source, user.agency))  # another agency's tags and notes are its own
        source["notes"] = view.value(source["notes"])
        return source

__all__ = ["AccessDenied", "FacetResult", "Filters", "Hit", "SearchResult", "SearchService", "SearchUnavailable"]
