"""Asking another agency for what a cross-reference found: request, accept or refuse, all audited.

A request names a value by its reference (``h:<keyed hash>`` or ``k:LABEL|key``, never a raw identifier), the
holding agency and the case. The holder's admin sees it, with the value as the holder's own documents show it,
and accepts it for exactly the matching documents (or their whole batches) or refuses it. Accepting adds the
requesting agency to those documents' ``shared_with``, so the normal access filter then shows them; the shares
are kept in ``shares.jsonl`` to be applied again when the index is rebuilt from the store.
"""

from __future__ import annotations

import json
import os
import uuid
from dataclasses import asdict, dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from evidex.search.identity import User
from evidex.search.query import QueryRefused
from evidex.search.xref import FIELDS, CrossReference, Recount


@dataclass(frozen=True)
class AccessRequest:
    request_id: str
    from_agency: str
    from_user: str
    to_agency: str
    ref: str
    case_id: str
    message: str
    created: str
    state: str = "open"
    scope: str | None = None
    answered_by: str | None = None
    shared_documents: int = 0


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


class AccessRequests:
    """The request journal (``access_requests.jsonl``, append-only) and the shares that accepted requests made."""

    def __init__(self, xref: CrossReference, data_dir: Path, agencies: list[str]) -> None:
        self.xref = xref
        self.service = xref.service
        self.path = data_dir / "access_requests.jsonl"
        self.shares = data_dir / "shares.jsonl"
        self.agencies = agencies

    def _append(self, path: Path, record: dict[str, Any]) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
        with os.fdopen(fd, "a", encoding="utf-8") as fh:
            fh.write(json.dumps(record, ensure_ascii=False) + "\n")
            fh.flush()
            os.fsync(fh.fileno())

    def all(self) -> dict[str, AccessRequest]:
        requests: dict[str, AccessRequest] = {}
        if not self.path.exists():
            return requests
        for line in self.path.read_text(encoding="utf-8").splitlines():
            event = json.loads(line)
            if event.pop("event") == "created":
                requests[event["request_id"]] = AccessRequest(**event)
            elif event["request_id"] in requests:
                old = requests[event["request_id"]]
                requests[old.request_id] = AccessRequest(**{**asdict(old), **{k: v for k, v in event.items()
                                                                               if k != "request_id"}})
        return requests

    @staticmethod
    def _field(ref: str) -> tuple[str, str]:
        kind, sep, value = ref.partition(":")
        if not sep or kind not in FIELDS or not value or len(value) > 600:
            raise QueryRefused("ref must be a reference from a cross-reference result (h:… or k:…)", 422)
        return FIELDS[kind], value

    def _holder_documents(self, to_agency: str, ref: str) -> list[dict[str, Any]]:
        """The holder's documents naming the value, outside excluded batches (ids and batches only)."""
        field_, value = self._field(ref)
        query = {"bool": {"filter": [{"term": {"owner_agency": to_agency}}, {"term": {field_: value}}],
                          "must_not": self.xref._excluded()}}
        found, after = [], None
        while True:
            response = self.service.client.search(index=self.service.docs, query=query, size=1000,
                                                  sort=[{"item_id": "asc"}], search_after=after,
                                                  source_includes=["batch_id", "shared_with"])
            hits = response["hits"]["hits"]
            found += hits
            if len(hits) < 1000:
                return found
            after = hits[-1]["sort"]

    def create(self, user: User, ref: str, to_agency: str, case_id: str, message: str = "") -> AccessRequest:
        if to_agency not in self.agencies or to_agency == user.agency:
            raise QueryRefused(f"requests go to another agency of the task force ({', '.join(self.agencies)})", 422)
        if not self._holder_documents(to_agency, ref):
            raise QueryRefused(f"{to_agency} holds no document this reference names", 404)
        request = AccessRequest(uuid.uuid4().hex[:16], user.agency, user.name, to_agency, ref, case_id[:200],
                                message[:2000], _now())
        self._append(self.path, {"event": "created", **asdict(request)})
        self.service.audit.write(user, "access_request", filters={"to": to_agency, "case_id": case_id,
                                                                   "request": request.request_id})
        return request

    def visible(self, user: User) -> list[AccessRequest]:
        """Requests from or to the caller's agency (an admin of the holder answers the incoming ones)."""
        return [r for r in self.all().values() if user.agency in (r.from_agency, r.to_agency) or
                (user.is_admin and user.agency == "local")]

    def describe(self, user: User, request: AccessRequest) -> dict[str, Any]:
        """A request as ``user`` sees it: the holder sees the value as its own documents show it."""
        out = asdict(request)
        if user.agency == request.to_agency:
            field_, value = self._field(request.ref)
            shown = value.split("|", 1)[-1] if field_ == "xref_keys" else "[identifier]"
            if field_ == "pii_hashes":
                response = self.service.client.search(
                    index=self.service.docs, size=1, source_includes=[f"pii_masks.*_{value}"],
                    query={"bool": {"filter": [{"term": {"owner_agency": user.agency}},
                                               {"term": {field_: value}}]}})
                for hit in response["hits"]["hits"]:
                    masks = hit["_source"].get("pii_masks") or {}
                    shown = next(iter(masks.values()), shown)
            out["value"] = shown
            out["matching_documents"] = len(self._holder_documents(request.to_agency, request.ref))
        return out

    def answer(self, user: User, request_id: str, *, accept: bool, scope: str = "documents") -> AccessRequest:
        request = self.all().get(request_id)
        if request is None:
            raise QueryRefused(f"no access request {request_id[:40]}", 404)
        if not (user.is_admin and user.agency == request.to_agency):
            raise PermissionError(f"only an admin of {request.to_agency} may answer this request")
        if request.state != "open":
            raise QueryRefused(f"request {request_id} was already answered ({request.state})", 409)
        if scope not in ("documents", "batch"):
            raise QueryRefused("scope is documents or batch", 422)
        shared = self._share(request, scope) if accept else 0
        change = {"event": "answered", "request_id": request_id, "state": "accepted" if accept else "refused",
                  "scope": scope if accept else None, "answered_by": user.name, "shared_documents": shared}
        self._append(self.path, change)
        self.service.audit.write(user, "access_answer", filters={"request": request_id, "state": change["state"],
                                                                  "to": request.from_agency},
                                 result_count=shared)
        return self.all()[request_id]

    def _share(self, request: AccessRequest, scope: str) -> int:
        docs = self._holder_documents(request.to_agency, request.ref)
        if scope == "batch":
            batches = sorted({d["_source"]["batch_id"] for d in docs})
            docs, after = [], None
            while True:
                response = self.service.client.search(
                    index=self.service.docs, size=1000, sort=[{"item_id": "asc"}], search_after=after,
                    query={"bool": {"filter": [{"terms": {"batch_id": batches}},
                                               {"term": {"owner_agency": request.to_agency}}]}},
                    source_includes=["batch_id", "shared_with"])
                docs += response["hits"]["hits"]
                if len(response["hits"]["hits"]) < 1000:
                    break
                after = response["hits"]["hits"][-1]["sort"]
        actions: list[dict[str, Any]] = []
        for doc in docs:
            shared_with = sorted(set(doc["_source"].get("shared_with") or []) | {request.from_agency})
            actions += [{"update": {"_index": doc["_index"], "_id": doc["_id"]}}, {"doc": {"shared_with": shared_with}}]
        for start in range(0, len(actions), 2000):
            self.service.client.bulk(operations=actions[start : start + 2000], refresh=True)
        self._append(self.shares, {"request_id": request.request_id, "agency": request.from_agency,
                                   "doc_ids": [d["_id"] for d in docs], "time": _now()})
        # what the requester no longer needs to ask for: those documents' values counted again
        recount = Recount(self.service.client, self.service.docs, self.path.parent, self.agencies)
        ids = [d["_id"] for d in docs]
        for start in range(0, len(ids), 5000):
            recount.refresh({"ids": {"values": ids[start : start + 5000]}})
        return len(docs)
