"""Every matching document of a query, streamed as rows (CSV or JSON lines), masked by role and audited once.

A result set of any size is read through one point in time with ``search_after`` pages of a few thousand
documents sorted in index order (no scoring, highlights or facets), fetching only the chosen fields. Identifier
tokens are turned into what the caller may see of them, fetching token tables only for the documents whose
shown values hold tokens. The query is prepared and refused exactly as ``SearchService.search`` does; one audit
record (action ``export``) with the number of rows sent is written when the stream ends, also when the reader
stops early (``outcome`` then says so).
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

from evidex.search.builder import PIT_KEEP_ALIVE, Filters, SearchService, SearchUnavailable
from evidex.search.display import View, tokens_in
from evidex.search.display import may_hold_identifier as holds_raw_identifier
from evidex.search.results import es_reason as _es_reason
from evidex.search.identity import User
from evidex.search.query import QueryRefused
from evidex.search.wire import orjson

DEFAULT_FIELDS = ("id", "path", "name", "title", "agency", "case", "batch", "status", "reason", "content_type",
                  "language", "date", "size", "sha256", "topics")
EXTRA_FIELDS = ("author", "exhibit", "extension", "subject", "mail_from", "mail_to", "method", "extractor",
                "page_count", "text_chars", "pii_total", "indexed_at", "text")
FIELDS = DEFAULT_FIELDS + EXTRA_FIELDS
"""Fields an export may carry (``id`` is the document id; token tables and analysed fields never)."""
_SOURCE_NAMES = {"case": "case_id", "batch": "batch_id"}
MASKED_FIELDS = frozenset({"path", "name", "title", "author", "reason", "subject", "mail_from", "mail_to", "text"})
"""Fields that carry words of the evidence (identifier tokens among them); the rest are ids, codes and numbers,
shown as search shows them."""
FORMATS = ("csv", "jsonl")
MEDIA_TYPES = {"csv": "text/csv; charset=utf-8", "jsonl": "application/x-ndjson; charset=utf-8"}
PAGE_SIZE = 5000
TEXT_PAGE_SIZE = 200
"""Pages carrying whole texts are kept small (a text may be megabytes)."""
_SORT = [{"_shard_doc": "asc"}]
_FILTER_PATH = "pit_id,hits.hits._id,hits.hits._source,hits.hits.sort"
_PREFETCH = ThreadPoolExecutor(max_workers=4, thread_name_prefix="evidex-export")
"""Fetches each export's next page while the current one is written."""
_CSV_FORMULA = frozenset(("=", "+", "-", "@", "\t", "\r"))
"""Leading characters a spreadsheet would run as a formula; such CSV cells get a ``'`` in front."""


def parse_fields(spec: str | None) -> tuple[str, ...]:
    """``"id,path,title"`` as a field tuple (the default set for None or ""); raises ``QueryRefused``."""
    if not spec:
        return DEFAULT_FIELDS
    chosen = tuple(dict.fromkeys(f.strip() for f in spec.split(",") if f.strip()))
    unknown = [f for f in chosen if f not in FIELDS]
    if unknown or not chosen:
        raise QueryRefused(f"unknown export field(s) {', '.join(unknown)[:200]}; known: {', '.join(FIELDS)}", 422)
    return chosen


def may_hold_identifier(value: str) -> bool:
    """False for values without a token, an ``@`` or seven digits: no identifier can be in them to mask."""
    return "pii_" in value or holds_raw_identifier(value)


@dataclass
class ExportStream:
    """An export under way: iterate it for rows (dicts keyed by ``fields``); ``close`` ends it early.

    Made by ``start_export``, which has already run the first page, so every refusal comes before any row.
    """

    service: SearchService
    user: User
    fields: tuple[str, ...]
    revealed: bool
    request: dict[str, Any]
    audit: dict[str, Any]
    pit: str | None
    first: list[dict[str, Any]]
    page_size: int = PAGE_SIZE
    rows: int = 0
    finished: bool = False
    _closed: bool = field(default=False, repr=False)
    _error: str | None = field(default=None, repr=False)
    _next: Future[list[dict[str, Any]]] | None = field(default=None, repr=False)

    def __iter__(self) -> Iterator[dict[str, Any]]:
        try:
            hits = self.first
            self.first = []
            while hits:
                # the next page is fetched while this one is masked and written (Elasticsearch and Python at once)
                more = len(hits) == self.page_size
                self._next = _PREFETCH.submit(self._page, hits[-1]["sort"]) if more else None
                for row in self._rows(hits):
                    self.rows += 1  # counted before it is handed over: a reader stopping here has seen it
                    yield row
                if self._next is None:
                    break
                hits, self._next = self._next.result(), None
            self.finished = True
        finally:
            self.close()

    def close(self) -> None:
        """Release the point in time and write the one audit record (idempotent)."""
        if self._closed:
            return
        self._closed = True
        if self._next is not None:  # a page still on its way: let it land before the point in time closes
            try:
                self._next.result()
            except Exception:  # noqa: BLE001 - recorded in _error; the rows sent so far are what counts
                pass
            self._next = None
        if self.pit:
            try:
                self.service.client.close_point_in_time(id=self.pit)
            except Exception:  # noqa: BLE001 - an expired point in time closes itself
                pass
        if self._error:
            outcome = f"error after {self.rows} rows: {self._error}"[:300]
        elif self.finished:
            outcome = "ok"
        else:
            outcome = f"stopped by the reader after {self.rows} rows"
        self.service.audit.write(self.user, "export", result_count=self.rows, outcome=outcome,
                                 revealed=self.revealed, **self.audit)

    def _page(self, after: list[Any]) -> list[dict[str, Any]]:
        try:
            response = self.service.client.search(
                pit={"id": self.pit, "keep_alive": PIT_KEEP_ALIVE}, search_after=after, **self.request)
        except Exception as exc:
            self._error = _es_reason(exc)
            raise SearchUnavailable(f"the export stopped: {self._error}") from exc
        self.pit = response.get("pit_id", self.pit)
        return response.get("hits", {}).get("hits", [])

    def _rows(self, hits: list[dict[str, Any]]) -> Iterator[dict[str, Any]]:
        shown = [s for s in self.fields if s in MASKED_FIELDS]
        tables = self._tables(hits, shown)
        masker = self.service._masker(self.user, self.revealed)
        plain = View(masker)
        layout = [(name, _SOURCE_NAMES.get(name, name), name in MASKED_FIELDS) for name in self.fields]
        masked_keys = [key for _, key, masked in layout if masked]
        for hit in hits:
            src = hit.get("_source", {})
            doc_id = hit["_id"]
            view = View(masker, tables[doc_id]) if doc_id in tables else plain
            # one look at all of the row's shown words: most rows hold nothing to mask
            probe = "\x00".join([v for v in map(src.get, masked_keys) if type(v) is str])
            suspect = may_hold_identifier(probe)
            row: dict[str, Any] = {}
            for name, key, masked in layout:
                if name == "id":
                    row[name] = doc_id
                    continue
                value = src.get(key)
                if not masked or value is None:
                    pass
                elif isinstance(value, str):
                    value = view.text(value) if suspect and may_hold_identifier(value) else value
                elif isinstance(value, list):
                    value = [view.text(v) if isinstance(v, str) and may_hold_identifier(v) else v for v in value]
                row[name] = value
            yield row

    def _tables(self, hits: list[dict[str, Any]], shown: list[str]) -> dict[str, dict[str, str]]:
        """Token tables of the documents whose shown values hold tokens (fetched in bounded requests)."""
        wanted: dict[str, set[str]] = {}
        for hit in hits:
            src = hit.get("_source", {})
            values = [src.get(_SOURCE_NAMES.get(n, n)) for n in shown]
            if any("pii_" in v if isinstance(v, str) else "pii_" in str(v) for v in values if v):
                if found := tokens_in(values):
                    wanted[hit["_id"]] = found
        tables: dict[str, dict[str, str]] = {}
        batch: list[str] = []
        tokens: set[str] = set()
        for doc_id, found in wanted.items():
            if batch and len(tokens | found) > 1000:
                tables.update(self.service._token_tables(batch, tokens, self.revealed))
                batch, tokens = [], set()
            batch.append(doc_id)
            tokens |= found
        if batch:
            tables.update(self.service._token_tables(batch, tokens, self.revealed))
        return tables


def start_export(service: SearchService, user: User, query: str, filters: Filters | None = None, *,
                 reveal: bool = False, fields: tuple[str, ...] = DEFAULT_FIELDS,
                 page_size: int = PAGE_SIZE) -> ExportStream:
    """Prepare an export of every document matching ``query`` that ``user`` may see, and run its first page.

    Raises ``QueryRefused`` (audited like a refused search) or ``SearchUnavailable`` before any row.
    """
    filters = filters or Filters()
    revealed = bool(reveal and user.may_reveal_pii)
    try:
        unknown = [f for f in fields if f not in FIELDS]
        if unknown or not fields:
            raise QueryRefused(f"unknown export field(s) {', '.join(unknown)[:200]}; known: {', '.join(FIELDS)}", 422)
        prepared = service.prepare(user, query, reveal=reveal)
        es_query = service.build_query(user, prepared, filters)
    except QueryRefused as exc:
        service._refuse(user, "export", exc, query, filters)
        raise
    audit = {"query": service.audited_query(query), "filters": service._audit_filters(filters)}
    includes = [_SOURCE_NAMES.get(f, f) for f in fields if f != "id"]
    if "text" in fields:
        page_size = min(page_size, TEXT_PAGE_SIZE)
    request: dict[str, Any] = dict(query=es_query, size=page_size, sort=_SORT, track_total_hits=False,
                                   source_includes=includes or ["_none_"], filter_path=_FILTER_PATH)
    pit = None
    try:
        pit = service.client.open_point_in_time(index=service.docs, keep_alive=PIT_KEEP_ALIVE)["id"]
        response = service.client.search(pit={"id": pit, "keep_alive": PIT_KEEP_ALIVE}, **request)
    except Exception as exc:
        from elasticsearch import ApiError

        reason = _es_reason(exc)
        service.audit.write(user, "export", outcome=f"error: {reason}"[:300], revealed=revealed, **audit)
        if pit:
            service._close_pit(pit)
        if isinstance(exc, ApiError) and 400 <= getattr(exc, "status_code", 500) < 500:
            raise QueryRefused(f"the index refused this query ({reason})", 400) from exc
        raise SearchUnavailable(f"the index is unavailable: {reason}") from exc
    return ExportStream(service, user, tuple(fields), revealed, request, audit, response.get("pit_id", pit),
                        response.get("hits", {}).get("hits", []), page_size)


def csv_cell(value: Any) -> str:
    """A value as one CSV cell: lists joined by ``; ``, a leading formula character neutralised with ``'``."""
    if type(value) is not str:
        if value is None:
            return ""
        if isinstance(value, list):
            value = "; ".join(str(v) for v in value)
        value = str(value)
    return "'" + value if value[:1] in _CSV_FORMULA else value


def _json_line(row: dict[str, Any]) -> str:
    if orjson is not None:
        try:
            return orjson.dumps(row, default=str).decode("utf-8")
        except TypeError:  # an integer past 64 bits: the standard encoder writes it
            pass
    return json.dumps(row, ensure_ascii=False, default=str)


def encode_rows(stream: ExportStream, format: str, *, chunk_rows: int = 500) -> Iterator[bytes]:
    """The rows of ``stream`` as UTF-8 CSV (with a byte-order mark and a header line) or JSON lines."""
    if format not in FORMATS:
        stream.close()
        raise QueryRefused(f"unknown export format {format[:20]!r}; one of {', '.join(FORMATS)}", 422)
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n") if format == "csv" else None
    if writer is not None:
        buffer.write("\ufeff")  # spreadsheet programs then read Hangul as UTF-8
        writer.writerow(stream.fields)
    dumps = _json_line
    pending = 0
    try:
        for row in stream:
            if writer is not None:
                writer.writerow([v if type(v) is str and v[:1] not in _CSV_FORMULA else csv_cell(v)
                                 for v in row.values()])
            else:
                buffer.write(dumps(row))
                buffer.write("\n")
            pending += 1
            if pending >= chunk_rows:
                yield buffer.getvalue().encode("utf-8")
                buffer.seek(0)
                buffer.truncate()
                pending = 0
        if buffer.tell():
            yield buffer.getvalue().encode("utf-8")
    finally:
        stream.close()
