""""Is this person in the leak?": lookups in the census's records index, and the notification export.

Only roles that may see raw identifiers (privacy officers, admins) ask. The value is normalised and key-hashed here
and only its hash is searched; the records found are shown with their identifiers masked (with ``reveal``, the value
asked about is shown as typed, since the asker holds it; the index keeps no raw value). Every lookup and export
writes one audit record whose query is the masked value, never the value or its hash.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from evidex.census.records import records_alias
from evidex.search.builder import SearchService
from evidex.search.identity import User
from evidex.search.query import QueryRefused
from models.identifiers import SENSITIVE_LABELS, keyed_hash, mask, normalize

GUESS_ORDER = ("EMAIL", "RRN", "FRN", "CARD", "PHONE", "PASSPORT", "DRIVER_LICENSE", "BANK_ACCOUNT")
"""Types tried, in order, for a value given without ``LABEL:`` (bank accounts last: any digit run passes)."""
MAX_RECORDS = 200
NOTIFY_PAGE = 1000


@dataclass(frozen=True)
class LeakedRecord:
    record_id: str
    case_id: str
    batch_id: str
    agency: str
    file: str
    table: str
    row: int
    identifiers: dict[str, list[str]]


@dataclass(frozen=True)
class LookupResult:
    query: str
    """The value asked about, masked."""
    label: str
    found: bool
    total: int
    records: list[LeakedRecord] = field(default_factory=list)
    message: str = ""


def _require(service: SearchService, user: User, action: str, query: str = "") -> None:
    if not user.may_reveal_pii:
        service.audit.write(user, action, query=query, outcome="refused: role")
        raise PermissionError("leak lookups and notification exports are for privacy officers and admins only")


def identify(value: str) -> tuple[str, str] | None:
    """(type, normalised value) of a value typed as ``LABEL:value`` or alone (its type guessed)."""
    value = value.strip()
    label, sep, rest = value.partition(":")
    if sep and label.upper() in SENSITIVE_LABELS:
        norm = normalize(label.upper(), rest)
        return (label.upper(), norm) if norm else None
    for guess in GUESS_ORDER:
        norm = normalize(guess, value)
        if norm:
            return guess, norm
    return None


def _prefix(service: SearchService) -> str:
    return service.docs.rsplit("-docs", 1)[0]


def _scope(service: SearchService, user: User, extra: list[dict[str, Any]]) -> dict[str, Any]:
    access = service.access_filter(user)
    return {"bool": {"filter": [*([access] if access else []), *extra]}}


def lookup(service: SearchService, user: User, value: str, *, reveal: bool = False,
           limit: int = 50) -> LookupResult:
    """The records of the leak holding ``value`` that ``user`` may see ("not found" when none)."""
    _require(service, user, "census_lookup")
    found = identify(value[:300])
    if found is None:
        service.audit.write(user, "census_lookup", query="[unrecognised value]", outcome="refused: not an identifier")
        raise QueryRefused("not a valid phone, e-mail, resident/foreigner number, card, passport, licence or "
                           "account number (prefix the type, e.g. PHONE:010-1234-5678)", 422)
    label, norm = found
    shown_query = mask(label, norm)
    field_ = f"hash_{label.lower()}"
    digest = keyed_hash(label, norm, service.secret)
    query = _scope(service, user, [{"term": {field_: digest}}])
    response = service.client.search(index=records_alias(_prefix(service)), query=query,
                                     size=max(1, min(limit, MAX_RECORDS)), track_total_hits=True,
                                     sort=[{"case_id": "asc"}, {"row": "asc"}], ignore_unavailable=True)
    total = response["hits"]["total"]["value"]
    shown_value = value.strip().partition(":")[2] if ":" in value and value.partition(":")[0].upper() == label \
        else value.strip()
    records = [_record(hit, label, digest, shown_value if reveal else None) for hit in response["hits"]["hits"]]
    service.audit.write(user, "census_lookup", query=shown_query, filters={"label": label},
                        doc_ids=[r.record_id for r in records], result_count=total, revealed=bool(reveal))
    message = f"found in {total} leaked record(s)" if total else "not found"
    return LookupResult(shown_query, label, bool(total), total, records, message)


def _record(hit: dict[str, Any], label: str, digest: str, revealed: str | None) -> LeakedRecord:
    src = hit["_source"]
    identifiers: dict[str, list[str]] = {}
    for kind in src.get("labels", []):
        masks = list(src.get(f"mask_{kind.lower()}", []))
        if revealed is not None and kind == label:
            hashes = src.get(f"hash_{kind.lower()}", [])
            masks = [revealed if h == digest else m for h, m in zip(hashes, masks)]
        identifiers[kind] = masks
    return LeakedRecord(hit["_id"], src.get("case_id", ""), src.get("batch_id", ""), src.get("owner_agency", ""),
                        src.get("file", ""), src.get("table", ""), int(src.get("row", 0)), identifiers)


def affected(service: SearchService, user: User, case_id: str, label: str,
             batch_id: str | None = None) -> Iterator[dict[str, Any]]:
    """One row per distinct person (by ``label``'s keyed hash) of the case: masked value, records, files, and the
    other kinds of data leaked with it. Audited once when the stream ends (or the reader stops)."""
    label = label.upper()
    _require(service, user, "census_notify")
    if label not in SENSITIVE_LABELS:
        raise QueryRefused(f"unknown type {label[:30]!r}; one of {', '.join(sorted(SENSITIVE_LABELS))}", 422)
    key = f"hash_{label.lower()}"
    filters = [{"term": {"case_id": case_id}}] + ([{"term": {"batch_id": batch_id}}] if batch_id else [])
    query = _scope(service, user, filters)
    aggs = {"people": {"composite": {"size": NOTIFY_PAGE, "sources": [{"h": {"terms": {"field": key}}}]},
                       "aggs": {"files": {"cardinality": {"field": "item_id"}},
                                "kinds": {"terms": {"field": "labels", "size": 20}},
                                "one": {"top_hits": {"size": 1, "_source": [key, f"mask_{key[5:]}"]}}}}}
    rows = 0
    try:
        after = None
        while True:
            if after:
                aggs["people"]["composite"]["after"] = after
            response = service.client.search(index=records_alias(_prefix(service)), query=query, size=0, aggs=aggs,
                                             ignore_unavailable=True)
            people = (response.get("aggregations") or {}).get("people", {"buckets": []})
            for bucket in people["buckets"]:
                digest = bucket["key"]["h"]
                src = bucket["one"]["hits"]["hits"][0]["_source"]
                hashes, masks = src.get(key, []), src.get(f"mask_{key[5:]}", [])
                shown = next((m for h, m in zip(hashes, masks) if h == digest), masks[0] if masks else "")
                rows += 1
                yield {"person": shown, "type": label, "records": bucket["doc_count"],
                       "files": bucket["files"]["value"],
                       "other_data": ";".join(b["key"] for b in bucket["kinds"]["buckets"] if b["key"] != label)}
            after = people.get("after_key")
            if not people["buckets"] or after is None:
                break
    finally:
        service.audit.write(user, "census_notify", query=label, filters={"case_id": case_id, "batch_id": batch_id},
                            result_count=rows)


NOTIFY_COLUMNS = ("person", "type", "records", "files", "other_data")


def notify_csv(rows: Iterator[dict[str, Any]]) -> Iterator[str]:
    """CSV text of ``affected`` rows, a header first (UTF-8 with BOM, so spreadsheets read Hangul)."""
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=NOTIFY_COLUMNS, lineterminator="\n")
    writer.writeheader()
    yield "\ufeff" + buffer.getvalue()
    for row in rows:
        buffer.seek(0)
        buffer.truncate()
        writer.writerow(row)
        yield buffer.getvalue()
