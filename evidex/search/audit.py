"""Audit records: who searched, viewed, downloaded or exported what, when, with how many results.

Records go to ``<data_dir>/audit.jsonl`` (so an audit survives an index rebuild), a journal chained with a keyed
hash (``evidex.custody.chain``, key ``audit.key``; with a PostgreSQL catalogue, its database's ``audit`` chain), and then to the ``<prefix>-audit`` index carrying their
``seq`` and ``hash``: every indexed record is an anchor of the journal, so removing or rewriting journal lines is
caught by ``verify_audit`` even by someone holding the key. The custody log's head is anchored here too
(``custody_anchor`` records). Query strings are stored with personal identifiers masked.

Only the journal line is written on the request path: appended under the journal's lock, so it is in the file
(read by every reader, kept through a crash of this process) once ``write`` returns. The file journal's fsync is
left to a background thread that syncs every line within ``SYNC_DELAY_S`` (one fsync for all lines written
meanwhile); ``flush``/``close``, custody anchors and interpreter exit wait for it. Its index copy is queued and
sent in bulk by a background thread (the records of ``GATHER_S`` in one request), retried until the index takes
it, and flushed before anything reads the anchors back, by ``AuditTrail.flush``/``close`` and at interpreter exit.
Custody anchors are indexed before ``anchor_custody`` returns.
"""

from __future__ import annotations

import atexit
import logging
import os
import threading
import time
import weakref
from collections import deque
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
BULK_RECORDS = 500
FLUSH_TIMEOUT_S = 30.0
IDLE_S = 5.0
SYNC_DELAY_S = 0.02
"""How long a journal line may stay in the page cache before the background fsync (group commit)."""
GATHER_S = 0.2
"""How long the sender gathers records into one bulk request (the journal already holds them): one index write
for many searches instead of one each, beside the searches on the same node. ``flush`` does not wait for it."""
log = logging.getLogger("evidex.audit")


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

    def __init__(self, client: Any, alias: str, journal: Path, chain: Journal | None = None) -> None:
        """``chain``: the journal to append to when it is not the file ``journal`` (the catalogue database's audit
        chain of a scaled-out deployment, ``evidex.custody.backends.open_audit_journal``)."""
        self.client = client
        self.alias = alias
        self.journal = journal
        self.chain = chain or _SyncedLater(journal, kind_field="action", compact=False)  # lines as before chains
        self._mapped = False
        self._sender = _IndexSender(self._send)

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
        self.flush()

    def flush(self, timeout: float = FLUSH_TIMEOUT_S) -> bool:
        """Wait until every record written so far is fsynced and in the index; False if the index is still
        unreachable."""
        self.sync()
        return self._sender.flush(timeout)

    def sync(self) -> None:
        """Wait until every journal line written so far is on disk (fsynced)."""
        if isinstance(self.chain, _SyncedLater):
            self.chain.sync()

    def close(self) -> None:
        """Flush, and stop the background sender (a later write starts it again)."""
        self.sync()
        self._sender.flush(FLUSH_TIMEOUT_S)
        self._sender.stop()

    def _store(self, body: dict[str, Any]) -> None:
        stored = self.chain.append(body)  # journal first: the index copy is the anchor of that line
        self._sender.put(stored)

    def _send(self, records: list[dict[str, Any]]) -> None:
        """Index ``records``; raises when the index could not take them (they are then sent again)."""
        self._ensure_mapping()
        operations: list[dict[str, Any]] = []
        for record in records:
            operations += [{"index": {"_index": self.alias}}, record]
        # never into an index of the alias's name made up on the spot: it would block the real alias later
        response = self.client.bulk(operations=operations, require_alias=True)
        if response.get("errors"):
            retry = [r for r, item in zip(records, response["items"])
                     if item["index"].get("status", 500) >= 500 or item["index"].get("status") == 429]
            refused = [item["index"].get("error") for item in response["items"]
                       if 400 <= item["index"].get("status", 200) < 500 and item["index"].get("status") != 429]
            if refused:  # the journal keeps them; the index never will
                log.error("audit index refused %d record(s) (kept in the journal): %s", len(refused), refused[0])
            if retry:
                raise _Retry(retry)

    def _ensure_mapping(self) -> None:
        if self._mapped:
            return
        try:
            self.client.indices.put_mapping(index=self.alias, properties=CHAIN_FIELDS)
        except Exception as exc:  # noqa: BLE001 - a missing index is created by the write that follows
            if getattr(exc, "status_code", None) != 404 and getattr(getattr(exc, "meta", None), "status", 0) != 404:
                raise
        self._mapped = True


class _SyncedLater(Journal):
    """The audit journal file, fsynced by a background thread instead of on each append.

    An append takes the journal's lock, chains the line and writes it (so it is in the file when ``append``
    returns, for every reader and through a crash of this process); a syncer thread fsyncs the file
    ``SYNC_DELAY_S`` later, once for every line written meanwhile. ``sync`` waits for it.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._key: bytes | None = None
        self._cond = threading.Condition()
        self._written = 0
        self._synced = 0
        self._thread: threading.Thread | None = None
        self._pid = 0
        _JOURNALS.add(self)

    def _key_for_append(self) -> bytes:
        if self._key is None:
            self._key = super()._key_for_append()
        return self._key

    fsync_each = False  # the syncer thread does it

    def _write(self, make: Any) -> dict[str, Any]:
        record = super()._write(make)
        with self._cond:
            self._written += 1
            if self._thread is None or self._pid != os.getpid():
                self._pid = os.getpid()
                self._thread = threading.Thread(target=self._run, name="evidex-audit-fsync", daemon=True)
                self._thread.start()
            self._cond.notify_all()
        return record

    def sync(self) -> None:
        """Fsync now every line written so far (by this process)."""
        with self._cond:
            target = self._written
            if self._synced >= target:
                return
        self._fsync()
        with self._cond:
            self._synced = max(self._synced, target)
            self._cond.notify_all()

    def _fsync(self) -> None:
        fd = os.open(self.path, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)

    def _run(self) -> None:
        while True:
            with self._cond:
                while self._synced >= self._written:
                    if not self._cond.wait(IDLE_S) and self._synced >= self._written:
                        self._thread = None
                        return
            time.sleep(SYNC_DELAY_S)  # lines written meanwhile share the fsync
            try:
                self.sync()
            except OSError as exc:  # the next line retries; close and exit sync again
                log.error("audit journal fsync failed: %s", exc)
                time.sleep(0.5)


_JOURNALS: "weakref.WeakSet[_SyncedLater]" = weakref.WeakSet()


class _Retry(Exception):
    def __init__(self, records: list[dict[str, Any]]) -> None:
        super().__init__(f"{len(records)} audit record(s) to send again")
        self.records = records


class _IndexSender:
    """Sends one trail's journalled records to the index from a thread, in bulk and in journal order.

    The thread ends after a few idle seconds and the next record starts a new one (also after a fork).
    """

    def __init__(self, send: Any) -> None:
        self._send = send
        self._queue: deque[dict[str, Any]] = deque()
        self._cond = threading.Condition()
        self._busy = 0
        self._thread: threading.Thread | None = None
        self._pid = 0
        self._stopping = False
        self._flushing = 0
        _SENDERS.add(self)

    def put(self, record: dict[str, Any]) -> None:
        with self._cond:
            _SENDERS.add(self)  # in use again after release_all
            self._stopping = False
            self._queue.append(record)
            if self._thread is None or self._pid != os.getpid():
                self._pid = os.getpid()
                self._thread = threading.Thread(target=self._run, name="evidex-audit-sender", daemon=True)
                self._thread.start()
            self._cond.notify_all()

    def flush(self, timeout: float) -> bool:
        deadline = time.monotonic() + timeout
        with self._cond:
            self._flushing += 1
            self._cond.notify_all()
            try:
                while self._queue or self._busy:
                    left = deadline - time.monotonic()
                    if left <= 0 or self._thread is None or self._pid != os.getpid():
                        return False
                    self._cond.wait(min(left, 0.5))
            finally:
                self._flushing -= 1
        return True

    def stop(self) -> None:
        with self._cond:
            self._stopping = True
            self._cond.notify_all()

    def _next_batch(self) -> list[dict[str, Any]]:
        """Records to send now; empty when the thread should end (idle or stopped)."""
        with self._cond:
            while not self._queue and not self._stopping:
                if not self._cond.wait(IDLE_S) and not self._queue:
                    break
            if not self._queue:
                self._thread = None
                self._cond.notify_all()
                return []
            gathered = time.monotonic() + GATHER_S
            while len(self._queue) < BULK_RECORDS and not (self._stopping or self._flushing):
                if (left := gathered - time.monotonic()) <= 0:
                    break
                self._cond.wait(left)
            batch = [self._queue.popleft() for _ in range(min(BULK_RECORDS, len(self._queue)))]
            self._busy = len(batch)
            return batch

    def _run(self) -> None:
        delay = 0.5
        while batch := self._next_batch():
            try:
                self._send(batch)
                delay = 0.5
            except Exception as exc:  # noqa: BLE001 - kept and sent again: the index may be restarting
                again = exc.records if isinstance(exc, _Retry) else batch
                with self._cond:
                    if self._stopping:  # stopped (close, release_all): the journal keeps them, the index goes without
                        log.warning("audit index write failed (%s); %d record(s) left to the journal",
                                    type(exc).__name__, len(again) + len(self._queue))
                        self._queue.clear()
                        continue
                    log.warning("audit index write failed (%s); %d record(s) queued again", type(exc).__name__,
                                len(again))
                    self._queue.extendleft(reversed(again))
                time.sleep(delay)
                delay = min(delay * 2, 30.0)
            finally:
                with self._cond:
                    self._busy = 0
                    self._cond.notify_all()


_SENDERS: "weakref.WeakSet[_IndexSender]" = weakref.WeakSet()


def flush_all(timeout: float = FLUSH_TIMEOUT_S) -> None:
    """Send every queued audit record of this process to the index (before anchors are read, and at exit)."""
    for journal in list(_JOURNALS):
        journal.sync()
    for sender in list(_SENDERS):
        sender.flush(timeout)


def release_all(timeout: float = 0.0) -> None:
    """Flush every sender of this process for up to ``timeout`` s, then stop it and forget it until its next
    record, whatever it still holds (the journal has every record): for a process that drops the indices it wrote
    to (tests), whose senders would otherwise retry into a missing index and hold up every later ``flush_all``."""
    flush_all(timeout)
    for sender in list(_SENDERS):
        sender.stop()
        _SENDERS.discard(sender)


atexit.register(flush_all)


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
    flush_all()
    if not _index_exists(client, alias):
        return
    client.indices.refresh(index=alias)
    for doc in _scan(client, alias, {"exists": {"field": "hash"}}, ["seq", "hash"]):
        if isinstance(doc.get("seq"), int):
            yield Anchor(doc["seq"], str(doc["hash"]), f"audit index record {doc['seq']}")


def custody_anchors(client: Any, alias: str) -> list[Anchor]:
    """The custody heads kept in the audit index."""
    flush_all()
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


def verify_audit(journal: Path, client: Any | None, alias: str, chain: Journal | None = None) -> ChainReport:
    """Check the audit journal's chain (the file ``journal``, or ``chain``), and (with a client) every record the
    index holds against it."""
    anchors = index_anchors(client, alias) if client is not None else iter(())
    return (chain or Journal(journal, kind_field="action")).verify(anchors, presorted=True)
