"""Cross-references across the wall: which other agencies hold documents naming a value of the caller's documents.

For every identifier (by keyed hash) and every person, organisation or clear identifier (by its ``xref_keys``
entry) in the caller's documents of a case or batch, the documents the caller may NOT read are counted per
holding agency — never shown: no id, path, title or text of them leaves this module. Values found in many
documents (a switchboard number, the company's own name) rank below specific ones (inverse document frequency).
Batches their owners marked "no cross-reference" never count. With a PostgreSQL catalogue the holder table and
the exclusions are its tables, shared by every machine (``evidex.custody.xref_pg``).

What others hold is read from the holder table (``HolderTable``, counts per value, viewer and holder), kept by the
flow ``xref_refresh`` (``flows/xref_flow.py``): a landed batch's values are counted again across the whole index
(one new document changes what every agency sees of the value). Until a first full run, counts are aggregated live.
"""

from __future__ import annotations

import json
import math
import os
import sqlite3
from contextlib import closing
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from evidex.custody.xref_pg import PgExclusionStorage, PgHolderStorage, SharedInCatalog
from evidex.search.builder import Filters, SearchService
from evidex.search.display import View
from evidex.search.identity import User
from evidex.search.query import QueryRefused
from models.identifiers.tokens import label_of
from evidex.settings import Settings

FIELDS = {"h": "pii_hashes", "k": "xref_keys"}
MAX_VALUES = 5_000_000
"""Beyond this many distinct values of one kind in a case the result says it is truncated."""
CHUNK = 2000
RECOUNT_CHUNK = 500
"""Values counted again per request (buckets: values × (agencies + 1) × holders stay under ES's max_buckets)."""


@dataclass(frozen=True)
class XrefMatch:
    ref: str
    """``h:<keyed hash>`` or ``k:LABEL|key``: what an access request names (never a raw identifier)."""
    label: str
    value: str
    """As the caller's own document shows it (masked by role)."""
    other_agencies: dict[str, int]
    own_count: int
    own_documents: list[dict[str, str]]
    specificity: float
    mentions: list[str] = field(default_factory=list)
    """For one document's cross-reference: that document's entity values this match stands for."""


@dataclass(frozen=True)
class XrefResult:
    scope: dict[str, str]
    values_checked: int
    matches: list[XrefMatch] = field(default_factory=list)
    truncated: bool = False
    """True when a case held more than ``MAX_VALUES`` distinct values of one kind (the rest was not checked)."""
    source: str = "live"
    """``table`` (the holder table kept by the xref flow) or ``live`` (aggregated for this request)."""


def batch_owner(settings: Settings, batch_id: str) -> str | None:
    """The agency that submitted ``batch_id`` (None for an unknown batch)."""
    from evidex.custody.backends import open_catalog

    catalog = open_catalog(settings)
    try:
        row = catalog.batch(batch_id)
    finally:
        catalog.close()
    return row["agency"] if row else None


class ExclusionList(SharedInCatalog, storage=PgExclusionStorage):
    """Batches whose owners keep them out of every cross-reference (covert sources …)."""

    def __init__(self, data_dir: Path) -> None:
        self.path = data_dir / "xref_excluded.json"

    def batches(self) -> dict[str, str]:
        if not self.path.exists():
            return {}
        return json.loads(self.path.read_text(encoding="utf-8"))

    def clauses(self) -> list[dict[str, Any]]:
        """The documents to leave out: each excluded batch, where the agency that marked it owns it.

        A batch may be marked before it lands (its id is a hash of its files and manifest); a mark by another
        agency than the batch's owner has no effect.
        """
        by_agency: dict[str, list[str]] = {}
        for batch_id, agency in self.batches().items():
            by_agency.setdefault(agency, []).append(batch_id)
        return [{"bool": {"filter": [{"term": {"owner_agency": agency}}, {"terms": {"batch_id": sorted(batches)}}]}}
                for agency, batches in sorted(by_agency.items())]

    def set(self, batch_id: str, agency: str, excluded: bool) -> None:
        data = self.batches()
        if excluded:
            data[batch_id] = agency
        else:
            data.pop(batch_id, None)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.path.with_suffix(f".tmp{os.getpid()}")
        tmp.write_text(json.dumps(data, indent=1), encoding="utf-8")
        os.replace(tmp, self.path)


class HolderTable(SharedInCatalog, storage=PgHolderStorage):
    """Per value (``field``, ``value``): documents hidden from each viewing agency, by holding agency.

    Viewer ``*`` counts every document by owner (what an admin's "others" are made of); ``freq`` is the number
    of documents naming the value outside excluded batches. Counts only: no document id, path or text.
    """

    def __init__(self, data_dir: Path) -> None:
        self.path = data_dir / "xref_holders.sqlite"

    def _db(self) -> sqlite3.Connection:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        db = sqlite3.connect(self.path, timeout=60)
        db.executescript(
            "CREATE TABLE IF NOT EXISTS holders (field TEXT, value TEXT, viewer TEXT, owner TEXT, n INTEGER,"
            " PRIMARY KEY (field, value, viewer, owner)) WITHOUT ROWID;"
            "CREATE TABLE IF NOT EXISTS freq (field TEXT, value TEXT, n INTEGER, PRIMARY KEY (field, value))"
            " WITHOUT ROWID;"
            "CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT);")
        return db

    def exists(self) -> bool:  # as in PostgreSQL: something written (a cleared file is not a table)
        if not self.path.exists():
            return False
        with closing(self._db()) as db:
            return bool(db.execute("SELECT EXISTS (SELECT 1 FROM meta) OR EXISTS (SELECT 1 FROM freq)").fetchone()[0])

    def clear(self) -> None:  # rows deleted, file kept: unlinked, a process with it open would write to nothing
        with closing(self._db()) as db:
            db.executescript("BEGIN IMMEDIATE; DELETE FROM holders; DELETE FROM freq; DELETE FROM meta; COMMIT;")

    def meta(self) -> dict[str, str]:
        if not self.path.exists():
            return {}
        with closing(self._db()) as db:
            return dict(db.execute("SELECT key, value FROM meta").fetchall())

    def mark(self, **values: str) -> None:
        with closing(self._db()) as db, db:
            db.executemany("INSERT OR REPLACE INTO meta VALUES (?, ?)", list(values.items()))

    def complete(self) -> bool:
        """True once a full run has filled the table and no incremental run has failed since."""
        return self.meta().get("complete") == "1"

    def replace(self, field_: str, values: list[str], counts: dict[str, tuple[int, dict[str, dict[str, int]]]]) -> None:
        """The rows of ``values`` replaced by ``counts`` (value → (freq, {viewer: {owner: n}})) in one transaction."""
        with closing(self._db()) as db, db:
            for start in range(0, len(values), 500):
                chunk = values[start : start + 500]
                marks = ",".join("?" * len(chunk))
                db.execute(f"DELETE FROM holders WHERE field = ? AND value IN ({marks})", [field_, *chunk])
                db.execute(f"DELETE FROM freq WHERE field = ? AND value IN ({marks})", [field_, *chunk])
            db.executemany("INSERT INTO freq VALUES (?, ?, ?)", [(field_, v, c[0]) for v, c in counts.items()])
            db.executemany("INSERT INTO holders VALUES (?, ?, ?, ?, ?)",
                           [(field_, v, viewer, owner, n) for v, (_, by) in counts.items()
                            for viewer, owners in by.items() for owner, n in owners.items() if n])

    def holders(self, user: User, field_: str, values: list[str]) -> dict[str, tuple[dict[str, int], int]]:
        """For each of ``values``: counts per other agency of documents hidden from ``user``, and its frequency."""
        viewer = "*" if user.is_admin else user.agency
        out: dict[str, tuple[dict[str, int], int]] = {}
        with closing(self._db()) as db:
            for start in range(0, len(values), 500):
                chunk = values[start : start + 500]
                marks = ",".join("?" * len(chunk))
                rows = db.execute(
                    f"SELECT h.value, h.owner, h.n, f.n FROM holders h JOIN freq f ON f.field = h.field AND "
                    f"f.value = h.value WHERE h.field = ? AND h.viewer = ? AND h.owner != ? AND h.value IN ({marks})",
                    [field_, viewer, user.agency, *chunk]).fetchall()
                for value, owner, n, freq in rows:
                    out.setdefault(value, ({}, freq))[0][owner] = n
        return out


class Recount:
    """Counts values again from the index for the holder table (a system job, not a read on a user's behalf)."""

    def __init__(self, client: Any, docs: str, data_dir: Path, agencies: list[str]) -> None:
        self.client, self.docs, self.agencies = client, docs, list(agencies)
        self.excluded = ExclusionList(data_dir)
        self.table = HolderTable(data_dir)

    def values(self, selector: dict[str, Any]) -> dict[str, list[str]]:
        """Every value of each kind in the documents ``selector`` picks (the values whose counts may change)."""
        found: dict[str, list[str]] = {}
        for field_ in FIELDS.values():
            values, after = [], None
            while True:
                composite: dict[str, Any] = {"size": 10_000, "sources": [{"v": {"terms": {"field": field_}}}]}
                if after:
                    composite["after"] = after
                agg = self.client.search(index=self.docs, query=selector, size=0,
                                         aggs={"c": {"composite": composite}})["aggregations"]["c"]
                values += [b["key"]["v"] for b in agg["buckets"]]
                after = agg.get("after_key")
                if not after or not agg["buckets"]:
                    break
            found[field_] = sorted(values)
        return found

    def recount(self, field_: str, values: list[str]) -> int:
        """Count ``values`` again across the whole index and store them; returns how many still occur."""
        from evidex.search.builder import SearchService

        outside = self.excluded.clauses()
        by_owner = {"terms": {"field": "owner_agency", "size": 100}}
        terms = {"field": field_, "include": values, "size": max(1, len(values))}
        aggs: dict[str, Any] = {"*": {"filter": {"bool": {"must_not": outside}},
                                      "aggs": {"v": {"terms": terms, "aggs": {"o": by_owner}}}}}
        for n, agency in enumerate(self.agencies):
            visible = SearchService.access_filter(User("xref", agency, ("investigator",)))
            aggs[f"a{n}"] = {"filter": {"bool": {"must_not": [visible, *outside]}},
                             "aggs": {"v": {"terms": terms, "aggs": {"o": by_owner}}}}
        response = self.client.search(index=self.docs, size=0, query={"terms": {field_: values}}, aggs=aggs)
        counts: dict[str, tuple[int, dict[str, dict[str, int]]]] = {}
        for name, agg in response["aggregations"].items():
            viewer = "*" if name == "*" else self.agencies[int(name[1:])]
            for bucket in agg["v"]["buckets"]:
                freq, by = counts.setdefault(bucket["key"], (0, {}))
                if viewer == "*":
                    counts[bucket["key"]] = (bucket["doc_count"], by)
                by[viewer] = {o["key"]: o["doc_count"] for o in bucket["o"]["buckets"]}
        self.table.replace(field_, values, counts)
        return len(counts)

    def refresh(self, selector: dict[str, Any]) -> int:
        """Count again every value of the documents ``selector`` picks (an exclusion, a share); values counted."""
        if not self.table.exists():
            return 0  # no table yet: reads aggregate live until the first full run
        done = 0
        try:
            for field_, values in self.values(selector).items():
                for start in range(0, len(values), RECOUNT_CHUNK):
                    self.recount(field_, values[start : start + RECOUNT_CHUNK])
                done += len(values)
        except Exception:
            self.table.mark(complete="0")  # stale rows must not be read: live until the next full run
            raise
        return done


class CrossReference:
    """Computes cross-references for one caller; every run is audited."""

    def __init__(self, service: SearchService, data_dir: Path) -> None:
        self.service = service
        self.client = service.client
        self.docs = service.docs
        self.excluded = ExclusionList(data_dir)
        self.table = HolderTable(data_dir)

    # -- the two sides of the wall ------------------------------------------------------------
    def own_filter(self, user: User, case_id: str | None, batch_id: str | None,
                   doc_id: str | None = None) -> dict[str, Any]:
        query = self.service.build_query(user, "", Filters(case_id=case_id, batch_id=batch_id))
        if doc_id:
            query["bool"]["filter"].append({"ids": {"values": [doc_id]}})
        return query

    def _from_table(self, user: User) -> bool:
        meta = self.table.meta()
        return meta.get("complete") == "1" and (user.is_admin or user.agency in json.loads(meta.get("viewers", "[]")))

    def others_filter(self, user: User) -> dict[str, Any]:
        """Documents ``user`` may not read (for an admin: other agencies'), outside excluded batches."""
        hidden = self.service.access_filter(user) or {"term": {"owner_agency": user.agency}}
        return {"bool": {"must_not": [hidden, *self._excluded()]}}

    def _excluded(self) -> list[dict[str, Any]]:
        return self.excluded.clauses()

    # -- computation ----------------------------------------------------------------------------
    def _values(self, query: dict[str, Any], field_: str) -> dict[str, int]:
        """Every value of ``field_`` in the documents ``query`` selects, with its document count."""
        values: dict[str, int] = {}
        after = None
        while len(values) < MAX_VALUES:
            composite: dict[str, Any] = {"size": 10_000, "sources": [{"v": {"terms": {"field": field_}}}]}
            if after:
                composite["after"] = after
            response = self.client.search(index=self.docs, query=query, size=0, aggs={"c": {"composite": composite}})
            agg = response["aggregations"]["c"]
            values.update({b["key"]["v"]: b["doc_count"] for b in agg["buckets"]})
            after = agg.get("after_key")
            if not after or not agg["buckets"]:
                break
        return values

    def _elsewhere(self, user: User, field_: str, values: list[str]) -> dict[str, tuple[dict[str, int], int]]:
        """For each value: counts per other agency among documents hidden from ``user``, and its frequency."""
        out: dict[str, tuple[dict[str, int], int]] = {}
        others = self.others_filter(user)
        not_excluded = {"bool": {"must_not": self._excluded()}}
        for start in range(0, len(values), CHUNK):
            chunk = values[start : start + CHUNK]
            terms = {"field": field_, "include": chunk, "size": len(chunk)}
            response = self.client.search(
                index=self.docs, size=0, query={"terms": {field_: chunk}},
                aggs={"others": {"filter": others, "aggs": {"v": {"terms": terms, "aggs": {
                          "a": {"terms": {"field": "owner_agency", "size": 100}}}}}},
                      "all": {"filter": not_excluded, "aggs": {"v": {"terms": terms}}}})
            aggs = response["aggregations"]
            frequency = {b["key"]: b["doc_count"] for b in aggs["all"]["v"]["buckets"]}
            for bucket in aggs["others"]["v"]["buckets"]:
                holders = {a["key"]: a["doc_count"] for a in bucket["a"]["buckets"]}
                if holders:
                    out[bucket["key"]] = (holders, frequency.get(bucket["key"], bucket["doc_count"]))
        return out

    def compute(self, user: User, *, case_id: str | None = None, batch_id: str | None = None,
                doc_id: str | None = None, reveal: bool = False, limit: int = 200) -> XrefResult:
        """The cross-references of the caller's documents of one case, batch or document, most specific first."""
        if not case_id and not batch_id and not doc_id:
            raise QueryRefused("name a case, a batch or a document to cross-reference", 422)
        entities: dict[str, list[str]] = {}
        if doc_id:  # raises AccessDenied for a document the caller may not read (audited as a view)
            entities = self.service.get(user, doc_id, reveal=reveal, action="view_xref").get("entities") or {}
        own = self.own_filter(user, case_id, batch_id, doc_id)
        tabled = self._from_table(user)
        total = self.client.count(index=self.docs, query={"bool": {"must_not": self._excluded()}})["count"] or 1
        found: list[tuple[str, str, dict[str, int], int, int]] = []
        checked = 0
        truncated = False
        for kind, field_ in FIELDS.items():
            mine = self._values(own, field_)
            checked += len(mine)
            truncated |= len(mine) >= MAX_VALUES
            elsewhere = self.table.holders(user, field_, sorted(mine)) if tabled else \
                self._elsewhere(user, field_, sorted(mine))
            for value, (holders, frequency) in elsewhere.items():
                found.append((kind, value, holders, mine[value], frequency))
        ranked = sorted(found, key=lambda f: (-math.log((total + 1) / (f[4] + 1)), -sum(f[2].values()), f[1]))
        matches = self._shown(user, own, ranked[:limit], total, reveal)
        if doc_id:
            matches = _with_mentions(matches, entities)
        scope = {k: v for k, v in (("case", case_id), ("batch", batch_id), ("document", doc_id)) if v}
        self.service.audit.write(user, "xref", filters=scope, result_count=len(matches),
                                 revealed=bool(reveal and user.may_reveal_pii))
        return XrefResult(scope, checked, matches, truncated, "table" if tabled else "live")

    def _shown(self, user: User, own: dict[str, Any], ranked: list[tuple[str, str, dict[str, int], int, int]],
               total: int, reveal: bool) -> list[XrefMatch]:
        """Each match as the caller's own documents show it: the value masked by role, a few of those documents."""
        if not ranked:
            return []
        revealed = bool(reveal and user.may_reveal_pii)
        table = "pii_values" if revealed else "pii_masks"
        body: list[dict[str, Any]] = []
        for kind, value, *_ in ranked:
            query = {"bool": {"filter": [own, {"term": {FIELDS[kind]: value}}]}}
            includes = ["path", "title"] + ([f"{table}.*_{value}"] if kind == "h" else [])
            body += [{"index": self.docs}, {"query": query, "size": 5, "_source": {"includes": includes}}]
        responses = self.client.msearch(body=body)["responses"]
        masker = self.service.view(user, reveal).masker
        out = []
        for (kind, value, holders, own_count, frequency), response in zip(ranked, responses):
            hits = response.get("hits", {}).get("hits", [])
            label, shown = value.split("|", 1) if kind == "k" else ("IDENTIFIER", "[identifier]")
            documents = []
            for hit in hits:
                tokens = hit["_source"].get(table) or {}
                view = View(masker, tokens)
                if kind == "h" and tokens:
                    token = next(iter(tokens))
                    label, shown = label_of(token), view.text(token)
                documents.append({"id": hit["_id"], "path": view.text(hit["_source"].get("path", "")),
                                  "title": view.text(hit["_source"].get("title") or "")})
            out.append(XrefMatch(ref=f"{kind}:{value}", label=label, value=shown, other_agencies=holders,
                                 own_count=own_count, own_documents=documents,
                                 specificity=round(math.log((total + 1) / (frequency + 1)), 3)))
        return out


def _with_mentions(matches: list[XrefMatch], entities: dict[str, list[str]]) -> list[XrefMatch]:
    """Each name match with the document's own entity values that have its key."""
    from dataclasses import replace

    from models.names import xref_key

    keys: dict[str, list[str]] = {}
    for label, values in entities.items():
        for value in values:
            if (key := xref_key(label, value)) and value not in keys.setdefault(key, []):
                keys[key].append(value)
    return [replace(m, mentions=keys.get(m.ref[2:], [])) if m.ref.startswith("k:") else m for m in matches]
