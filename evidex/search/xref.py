"""Cross-references across the wall: which other agencies hold documents naming a value of the caller's documents.

For every identifier (by keyed hash) and every person, organisation or clear identifier (by its ``xref_keys``
entry) in the caller's documents of a case or batch, the documents the caller may NOT read are counted per
holding agency — never shown: no id, path, title or text of them leaves this module. Values found in many
documents (a switchboard number, the company's own name) rank below specific ones (inverse document frequency).
Batches their owners marked "no cross-reference" never count.
"""

from __future__ import annotations

import json
import math
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from evidex.search.builder import Filters, SearchService
from evidex.search.display import View
from evidex.search.identity import User
from evidex.search.query import QueryRefused
from models.identifiers.tokens import label_of

FIELDS = {"h": "pii_hashes", "k": "xref_keys"}
MAX_VALUES = 5_000_000
"""Beyond this many distinct values of one kind in a case the result says it is truncated."""
CHUNK = 2000


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


@dataclass(frozen=True)
class XrefResult:
    scope: dict[str, str]
    values_checked: int
    matches: list[XrefMatch] = field(default_factory=list)
    truncated: bool = False
    """True when a case held more than ``MAX_VALUES`` distinct values of one kind (the rest was not checked)."""


def batch_owner(catalog_path: Path, batch_id: str) -> str | None:
    """The agency that submitted ``batch_id`` (None for an unknown batch)."""
    from evidex.custody.catalog import Catalog

    catalog = Catalog(catalog_path)
    try:
        row = catalog.batch(batch_id)
    finally:
        catalog.close()
    return row["agency"] if row else None


class ExclusionList:
    """Batches whose owners keep them out of every cross-reference (covert sources …)."""

    def __init__(self, data_dir: Path) -> None:
        self.path = data_dir / "xref_excluded.json"

    def batches(self) -> dict[str, str]:
        if not self.path.exists():
            return {}
        return json.loads(self.path.read_text(encoding="utf-8"))

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


class CrossReference:
    """Computes cross-references for one caller; every run is audited."""

    def __init__(self, service: SearchService, data_dir: Path) -> None:
        self.service = service
        self.client = service.client
        self.docs = service.docs
        self.excluded = ExclusionList(data_dir)

    # -- the two sides of the wall ------------------------------------------------------------
    def own_filter(self, user: User, case_id: str | None, batch_id: str | None) -> dict[str, Any]:
        return self.service.build_query(user, "", Filters(case_id=case_id, batch_id=batch_id))

    def others_filter(self, user: User) -> dict[str, Any]:
        """Documents ``user`` may not read (for an admin: other agencies'), outside excluded batches."""
        hidden = self.service.access_filter(user) or {"term": {"owner_agency": user.agency}}
        return {"bool": {"must_not": [hidden, *self._excluded()]}}

    def _excluded(self) -> list[dict[str, Any]]:
        batches = list(self.excluded.batches())
        return [{"terms": {"batch_id": batches}}] if batches else []

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
                reveal: bool = False, limit: int = 200) -> XrefResult:
        """The cross-references of the caller's documents of one case or batch, most specific first."""
        if not case_id and not batch_id:
            raise QueryRefused("name a case or a batch to cross-reference", 422)
        own = self.own_filter(user, case_id, batch_id)
        total = self.client.count(index=self.docs, query={"bool": {"must_not": self._excluded()}})["count"] or 1
        found: list[tuple[str, str, dict[str, int], int, int]] = []
        checked = 0
        truncated = False
        for kind, field_ in FIELDS.items():
            mine = self._values(own, field_)
            checked += len(mine)
            truncated |= len(mine) >= MAX_VALUES
            for value, (holders, frequency) in self._elsewhere(user, field_, sorted(mine)).items():
                found.append((kind, value, holders, mine[value], frequency))
        ranked = sorted(found, key=lambda f: (-math.log((total + 1) / (f[4] + 1)), -sum(f[2].values()), f[1]))
        matches = self._shown(user, own, ranked[:limit], total, reveal)
        scope = {k: v for k, v in (("case", case_id), ("batch", batch_id)) if v}
        self.service.audit.write(user, "xref", filters=scope, result_count=len(matches),
                                 revealed=bool(reveal and user.may_reveal_pii))
        return XrefResult(scope, checked, matches, truncated)

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
