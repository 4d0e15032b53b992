"""Where a document belongs: its parent, children, siblings and mail thread, its copies and its near-duplicates.

All through the query builder's access filter: a relative the caller may not read is simply not there. Paths
and titles are shown as the caller may see them.
"""

from __future__ import annotations

import difflib
from typing import Any

from evidex.search.builder import Filters, SearchService
from evidex.search.display import View
from evidex.search.identity import User
from index_config.minhash import similarity

NEAR_DUPLICATE = 0.9
_BRIEF = ["path", "title", "agency", "case_id", "sha256", "parent_id"]


class Family:
    def __init__(self, service: SearchService) -> None:
        self.service = service

    def _find(self, user: User, clause: dict[str, Any], size: int = 100,
              fields: list[str] | None = None) -> list[dict[str, Any]]:
        query = self.service.build_query(user, "", Filters())
        query["bool"]["filter"].append(clause)
        response = self.service.client.search(index=self.service.docs, query=query, size=size,
                                              source_includes=fields or _BRIEF, sort=[{"path": "asc"}])
        return response["hits"]["hits"]

    def _brief(self, user: User, hits: list[dict[str, Any]], exclude: str | None = None) -> list[dict[str, Any]]:
        view = View(self.service._masker(user, False))
        return [{"id": h["_id"], "path": view.text(h["_source"].get("path", "")),
                 "title": view.text(h["_source"].get("title") or "")} for h in hits if h["_id"] != exclude]

    def relatives(self, user: User, doc_id: str) -> dict[str, list[dict[str, Any]]]:
        """Parent, children, siblings and mail thread of one document (audited as one view)."""
        source = self.service.get(user, doc_id, action="view_family")
        parent = source.get("parent_id")
        out: dict[str, list[dict[str, Any]]] = {
            "parent": self._brief(user, self._find(user, {"ids": {"values": [parent]}})) if parent else [],
            "children": self._brief(user, self._find(user, {"term": {"parent_id": doc_id}})),
            "siblings": self._brief(user, self._find(user, {"term": {"parent_id": parent}}), doc_id) if parent else [],
        }
        out["thread"] = self._thread(user, doc_id)
        return out

    def _thread(self, user: User, doc_id: str) -> list[dict[str, Any]]:
        """Messages linked by Message-ID / In-Reply-To / References, followed both ways (bounded)."""
        raw = self.service.client.get(index=self.service.docs, id=doc_id, source_includes=["metadata"])["_source"]
        meta = raw.get("metadata") or {}
        ids = {str(v) for k in ("message_id", "in_reply_to") for v in _as_list(meta.get(k))}
        ids |= {part for v in _as_list(meta.get("references")) for part in str(v).split()}
        ids.discard("")
        seen: dict[str, dict[str, Any]] = {}
        for _ in range(3):  # a few hops along the thread
            if not ids:
                break
            clause = {"bool": {"should": [{"terms": {"metadata.message_id": sorted(ids)}},
                                          {"terms": {"metadata.in_reply_to": sorted(ids)}}],
                               "minimum_should_match": 1}}
            hits = self._find(user, clause, fields=_BRIEF + ["metadata.message_id", "metadata.in_reply_to",
                                                             "metadata.date"])
            new = [h for h in hits if h["_id"] not in seen]
            if not new:
                break
            for h in new:
                seen[h["_id"]] = h
                m = h["_source"].get("metadata") or {}
                ids |= {str(v) for k in ("message_id", "in_reply_to") for v in _as_list(m.get(k))}
        ordered = sorted(seen.values(), key=lambda h: str((h["_source"].get("metadata") or {}).get("date", "")))
        return self._brief(user, ordered, doc_id) if len(ordered) > 1 or doc_id not in seen else []

    def occurrences(self, user: User, sha256s: list[str]) -> dict[str, list[dict[str, str]]]:
        """Every occurrence the caller may see of each stored original (agency, case, path)."""
        if not sha256s:
            return {}
        query = self.service.build_query(user, "", Filters())
        query["bool"]["filter"].append({"terms": {"sha256": sha256s}})
        response = self.service.client.search(
            index=self.service.docs, query=query, size=0,
            aggs={"s": {"terms": {"field": "sha256", "size": len(sha256s), "min_doc_count": 2},
                        "aggs": {"o": {"top_hits": {"size": 20, "_source": ["agency", "case_id", "path"]}}}}})
        view = View(self.service._masker(user, False))
        return {b["key"]: [{"id": h["_id"], "agency": h["_source"].get("agency", ""),
                            "case_id": h["_source"].get("case_id", ""),
                            "path": view.text(h["_source"].get("path", ""))} for h in b["o"]["hits"]["hits"]]
                for b in response["aggregations"]["s"]["buckets"]}

    def similar(self, user: User, doc_id: str, threshold: float = NEAR_DUPLICATE) -> list[dict[str, Any]]:
        """Documents whose text is at least ``threshold`` similar (MinHash), most similar first."""
        self.service.get(user, doc_id, action="view_similar")
        raw = self.service.client.get(index=self.service.docs, id=doc_id,
                                      source_includes=["minhash", "near_bands", "sha256"])["_source"]
        if not raw.get("minhash") or not raw.get("near_bands"):
            return []
        hits = self._find(user, {"terms": {"near_bands": raw["near_bands"]}}, size=200,
                          fields=_BRIEF + ["minhash"])
        out = []
        for hit in hits:
            if hit["_id"] == doc_id or hit["_source"].get("sha256") == raw.get("sha256"):
                continue  # the document itself and exact copies (shown as occurrences)
            score = similarity(raw["minhash"], hit["_source"].get("minhash") or [])
            if score >= threshold:
                out.append((score, hit))
        out.sort(key=lambda pair: -pair[0])
        briefs = self._brief(user, [h for _, h in out])
        return [{**b, "similarity": round(score, 3)} for b, (score, _) in zip(briefs, out)]

    def diff(self, user: User, a: str, b: str) -> str:
        """A unified diff of two documents' texts as the caller may see them."""
        left, right = self.service.get(user, a, action="view_diff"), self.service.get(user, b, action="view_diff")
        lines = difflib.unified_diff((left.get("text") or "").splitlines(), (right.get("text") or "").splitlines(),
                                     fromfile=left.get("path", a), tofile=right.get("path", b), lineterm="", n=2)
        return "\n".join(list(lines)[:5000])


def _as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    return list(value) if isinstance(value, (list, tuple)) else [value]
