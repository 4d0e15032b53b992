"""Audit records: who searched, viewed, downloaded or exported what, when, with how many results.

Records go to ``<data_dir>/audit.jsonl`` (so an audit survives an index rebuild), a journal chained with a keyed
hash (``evidex.custody.chain``, key ``audit.key``), and then to the ``<prefix>-audit`` index carrying their
``seq`` and ``hash``: every indexed record is an anchor of the journal, so removing or rewriting journal lines is
caught by ``verify_audit`` even by someone holding the key. The custody log's head is anchored here too
(``custody_anchor`` records). Query strings are stored with personal identifiers masked.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from evidex.custody.chain import Anchor, ChainHead, ChainReport, Journal
from evidex.search.identity import User

CHAIN_FIELDS = {"seq": {"type": "long"}, "prev": {"type": "keyword"}, "chain": {"type": "keyword"},
                "hash": {"type": "keyword"}, "flags": {"type": "keyword"}}
"""Audit index fields of the chain (added to the mapping if the template does not have them yet)."""
CUSTODY_ANCHOR = "custody_anchor"
PAGE = 1000


@dataclass(frozen=True)
class AuditRecord:
    user: str
    agency: str
    roles: list[str]
    action: str
    query: str
    filters: dict[str, Any] = field(default_factory=dict)
    doc_ids: list[str] = field(default_factory=list)
    result_count: int = 0
    outcome: str = "ok"
    revealed: bool = False
    flags: list[str] = field(default_factory=list)
    time: str = field(default_factory=lambda: datetime.now(timezone.utc).isoformat())


class AuditTrail:
    """Writes audit records; failures to write are errors, never silently dropped."""

    def __init__(self, client: Any, alias: str, journal: Path) -> None:
        self.client = client
        self.alias = alias
        self.journal = journal
        self.chain = Journal(journal, kind_field="action", compact=False)  # lines as before chains
        self._mapped = False

    def write(self, user: User, action: str, *, query: str = "", filters: dict[str, Any] | None = None,
              doc_ids: list[str] | None = None, result_count: int = 0, outcome: str = "ok",
              revealed: bool = False, flags: list[str] | None = None) -> AuditRecord:
        record = AuditRecord(
            user=user.name, agency=user.agency, roles=list(user.roles), action=action, query=query,
            filters={k: v for k, v in (filters or {}).items() if v not in (None, [], "")},
            doc_ids=list(doc_ids or []), result_count=result_count, outcome=outcome, revealed=revealed,
            flags=list(flags or []),
        )
        self._store(asdict(record))
        return record

    def anchor_custody(self, head: ChainHead, batch_id: str | None = None) -> None:
        """Keep the custody log's head in the audit index (and journal), out of reach of the log's file alone."""
        record = AuditRecord(user="evidex", agency="-", roles=[], action=CUSTODY_ANCHOR, query="",
                             filters={"custody_seq": head.seq, "custody_hash": head.hash},
                             doc_ids=[batch_id] if batch_id else [])
        self._store(asdict(record))

    def _store(self, body: dict[str, Any]) -> None:
        stored = self.chain.append(body)  # journal first: the index copy is the anchor of that line
        self._ensure_mapping()
        self.client.index(index=self.alias, document=stored)

    def _ensure_mapping(self) -> None:
        if self._mapped:
            return
        try:
            self.client.indices.put_mapping(index=self.alias, properties=CHAIN_FIELDS)
        except Exception as exc:  # noqa: BLE001 - a missing index is created by the write that follows
            if getattr(exc, "status_code", None) != 404 and getattr(getattr(exc, "meta", None), "status", 0) != 404:
                raise
        self._mapped = True


def _scan(client: Any, alias: str, query: dict[str, Any], source: list[str]) -> Iterator[dict[str, Any]]:
    """Every document of ``alias`` matching ``query`` in ``seq`` order (search_after pages)."""
    after: list[Any] | None = None
    while True:
        kwargs: dict[str, Any] = {"search_after": after} if after else {}
        page = client.search(index=alias, query=query, size=PAGE, source=source, track_total_hits=False,
                             sort=[{"seq": {"order": "asc", "unmapped_type": "long"}},
                                   {"hash": {"order": "asc", "unmapped_type": "keyword"}}], **kwargs)
        hits = page["hits"]["hits"]
        yield from (hit["_source"] for hit in hits)
        if len(hits) < PAGE:
            return
        after = hits[-1]["sort"]


def _index_exists(client: Any, alias: str) -> bool:
    return bool(client.indices.exists(index=alias))


def index_anchors(client: Any, alias: str) -> Iterator[Anchor]:
    """Every chained audit record in the index, as an anchor of the journal (in seq order)."""
    if not _index_exists(client, alias):
        return
    client.indices.refresh(index=alias)
    for doc in _scan(client, alias, {"exists": {"field": "hash"}}, ["seq", "hash"]):
        if isinstance(doc.get("seq"), int):
            yield Anchor(doc["seq"], str(doc["hash"]), f"audit index record {doc['seq']}")


def custody_anchors(client: Any, alias: str) -> list[Anchor]:
    """The custody heads kept in the audit index."""
    if not _index_exists(client, alias):
        return []
    client.indices.refresh(index=alias)
    found = []
    for doc in _scan(client, alias, {"term": {"action": CUSTODY_ANCHOR}}, ["filters", "doc_ids", "seq"]):
        seq, digest = doc.get("filters", {}).get("custody_seq"), doc.get("filters", {}).get("custody_hash")
        if seq is not None and digest:
            batch = ", batch " + doc["doc_ids"][0] if doc.get("doc_ids") else ""
            found.append(Anchor(int(seq), str(digest), f"custody head in audit record {doc.get('seq')}{batch}"))
    return found


def verify_audit(journal: Path, client: Any | None, alias: str) -> ChainReport:
    """Check the audit journal's chain, and (with a client) every record the index holds against it."""
    anchors = index_anchors(client, alias) if client is not None else iter(())
    return Journal(journal, kind_field="action").verify(anchors, presorted=True)
