"""Where a document belongs: its parent, children, siblings and mail thread, its copies and its near-duplicates.

All through the query builder's access filter: a relative the caller may not read is simply not there. Paths
and titles are shown as the caller may see them.
"""

from __future__ import annotations

import difflib
import re
from typing import Any

from evidex.search.builder import Filters, SearchService
from evidex.search.display import View
from evidex.search.identity import User
from index_config.minhash import similarity

NEAR_DUPLICATE = 0.9
CANDIDATES = 200
"""At most this many band-sharing candidates are checked per document (a count past it reads "200+")."""
CONTEXT_WORDS = 12
"""Unchanged words kept on each side of a change in a word diff; longer unchanged runs are cut to "…"."""
MAX_DIFF_WORDS = 60_000
_BRIEF = ["path", "title", "agency", "case_id", "sha256", "parent_id"]
_TOKEN = re.compile(r"\s+|[^\s]+")


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
        copies: dict[str, int] = {}
        for hit in hits:
            sha = hit["_source"].get("sha256") or hit["_id"]
            if hit["_id"] == doc_id or sha == raw.get("sha256"):
                continue  # the document itself and exact copies (shown as occurrences)
            score = similarity(raw["minhash"], hit["_source"].get("minhash") or [])
            if score >= threshold:
                copies[sha] = copies.get(sha, 0) + 1
                if copies[sha] == 1:  # one entry per stored original, like the result list
                    out.append((score, hit))
        out.sort(key=lambda pair: -pair[0])
        briefs = self._brief(user, [h for _, h in out])
        return [{**b, "similarity": round(score, 3), "copies": copies[h["_source"].get("sha256") or h["_id"]]}
                for b, (score, h) in zip(briefs, out)]

    def similar_counts(self, user: User, doc_ids: list[str], threshold: float = NEAR_DUPLICATE) -> dict[str, int]:
        """For each of ``doc_ids``, how many other stored originals the caller may see are near-duplicates of it.

        Exact copies are not counted (they are the hit's occurrences), nor twice an original seen in two places:
        the count is of originals, as the result list shows them. One audit record.
        """
        if not doc_ids:
            return {}
        own = self._find(user, {"ids": {"values": doc_ids}}, size=len(doc_ids),
                         fields=["minhash", "near_bands", "sha256"])
        signed = [h for h in own if h["_source"].get("minhash") and h["_source"].get("near_bands")]
        counts: dict[str, int] = {}
        if signed:
            body: list[dict[str, Any]] = []
            for hit in signed:
                query = self.service.build_query(user, "", Filters())
                query["bool"]["filter"].append({"terms": {"near_bands": hit["_source"]["near_bands"]}})
                query["bool"]["must_not"] = [{"ids": {"values": [hit["_id"]]}},
                                             {"term": {"sha256": hit["_source"].get("sha256") or ""}}]
                body += [{"index": self.service.docs},
                         {"query": query, "size": CANDIDATES, "_source": ["minhash", "sha256"]}]
            responses = self.service.client.msearch(body=body)["responses"]
            for hit, response in zip(signed, responses):
                mine = hit["_source"]["minhash"]
                counts[hit["_id"]] = len({c["_source"].get("sha256") or c["_id"]
                                          for c in response.get("hits", {}).get("hits", [])
                                          if similarity(mine, c["_source"].get("minhash") or []) >= threshold})
        self.service.audit.write(user, "view_similar_counts", doc_ids=list(doc_ids),
                                 result_count=sum(counts.values()))
        return {doc_id: counts.get(doc_id, 0) for doc_id in doc_ids}

    def diff(self, user: User, a: str, b: str) -> dict[str, Any]:
        """Two documents' texts compared as the caller may see them: a unified line diff and a word diff.

        ``words`` is a list of ``[op, text]``: ``=`` unchanged, ``-`` only in ``a``, ``+`` only in ``b``, ``…``
        a cut unchanged run (its word count as text).
        """
        left, right = self.service.get(user, a, action="view_diff"), self.service.get(user, b, action="view_diff")
        left_text, right_text = left.get("text") or "", right.get("text") or ""
        lines = difflib.unified_diff(left_text.splitlines(), right_text.splitlines(),
                                     fromfile=left.get("path", a), tofile=right.get("path", b), lineterm="", n=2)
        return {"diff": "\n".join(list(lines)[:5000]), "words": word_diff(left_text, right_text),
                "a": {"id": a, "path": left.get("path", "")}, "b": {"id": b, "path": right.get("path", "")}}


def word_diff(left: str, right: str, context: int = CONTEXT_WORDS) -> list[list[str]]:
    """Word-level differences of two texts (whitespace kept with the words), long unchanged runs cut."""
    a, b = _TOKEN.findall(left)[:MAX_DIFF_WORDS], _TOKEN.findall(right)[:MAX_DIFF_WORDS]
    codes = difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes()
    out: list[list[str]] = []
    for n, (op, i1, i2, j1, j2) in enumerate(codes):
        if op != "equal":
            if i2 > i1:
                out.append(["-", "".join(a[i1:i2])])
            if j2 > j1:
                out.append(["+", "".join(b[j1:j2])])
            continue
        run = a[i1:i2]
        words = [k for k, token in enumerate(run) if not token.isspace()]
        first, last = n == 0, n == len(codes) - 1
        keep_head = 0 if first and not last else context
        keep_tail = 0 if last else context
        if len(words) <= keep_head + keep_tail + 1:
            out.append(["=", "".join(run)])
            continue
        cut_from = words[keep_head] if keep_head < len(words) else len(run)
        cut_to = words[-keep_tail] if keep_tail else len(run)
        if cut_from:
            out.append(["=", "".join(run[:cut_from])])
        out.append(["…", str(len(words) - keep_head - keep_tail)])
        if cut_to < len(run):
            out.append(["=", "".join(run[cut_to:])])
    return out


def _as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    return list(value) if isinstance(value, (list, tuple)) else [value]
