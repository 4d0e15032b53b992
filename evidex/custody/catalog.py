"""The item catalogue: every occurrence of a stored blob and how far its processing got.

An item id is derived from where the bytes were found (agency, case, exhibit, parent item, path) and what they
are (SHA-256), so running the same batch again, or resuming a killed run, names the same items and the index
receives each document exactly once.

``ItemCatalog`` is the interface; ``Catalog`` is the embedded SQLite one (a file under the store) and
``evidex.custody.catalog_pg.PgCatalog`` the PostgreSQL one shared by many machines (``open_catalog`` in
``evidex.custody.backends`` picks by ``EVIDEX_CATALOG_URL``). An item's ``state`` is ``pending``, ``claimed`` (a
worker took it with ``claim``; nobody else gets it) or ``done``.
"""

from __future__ import annotations

import hashlib
import sqlite3
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

SCHEMA = """
CREATE TABLE IF NOT EXISTS batches (
    batch_id TEXT PRIMARY KEY, agency TEXT NOT NULL, case_id TEXT NOT NULL, exhibit TEXT,
    submitted_by TEXT, received_at TEXT NOT NULL, source TEXT, manifest_sha256 TEXT,
    files INTEGER, bytes INTEGER, shared_with TEXT DEFAULT '[]', ocr_languages TEXT
);
CREATE TABLE IF NOT EXISTS items (
    item_id TEXT PRIMARY KEY, batch_id TEXT NOT NULL, sha256 TEXT NOT NULL, size INTEGER NOT NULL,
    path TEXT NOT NULL, name TEXT NOT NULL, parent_id TEXT, root_id TEXT NOT NULL, depth INTEGER NOT NULL,
    agency TEXT NOT NULL, case_id TEXT NOT NULL, exhibit TEXT,
    state TEXT NOT NULL DEFAULT 'pending', status TEXT, reason TEXT, claimed_by TEXT, claimed_at REAL
);
CREATE INDEX IF NOT EXISTS items_batch_state ON items(batch_id, state);
CREATE INDEX IF NOT EXISTS items_sha ON items(sha256);
"""


_SCHEMA_NAMES = ("batches", "items", "items_batch_state", "items_sha")
_ADDED_COLUMNS = {
    "batches": (("shared_with", "TEXT DEFAULT '[]'"), ("ocr_languages", "TEXT")),
    "items": (("claimed_by", "TEXT"), ("claimed_at", "REAL")),
}
"""Columns added after the first catalogues were written: a catalogue that lacks one gets it on open."""


def use_wal(conn: sqlite3.Connection) -> None:
    """Write-ahead logging (readers never block the writer); set once per file.

    Switching a file's journal mode needs it alone, and SQLite may answer "locked" at once instead of waiting
    while another process has just opened it, so the switch is tried again for a while."""
    deadline = time.monotonic() + 60
    while True:
        try:
            if conn.execute("PRAGMA journal_mode").fetchone()[0].lower() != "wal":
                conn.execute("PRAGMA journal_mode=WAL")
            return
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) or time.monotonic() > deadline:
                raise
            time.sleep(0.05)


@dataclass(frozen=True)
class Item:
    """One occurrence of a stored blob."""

    item_id: str
    batch_id: str
    sha256: str
    size: int
    path: str
    name: str
    parent_id: str | None
    root_id: str
    depth: int
    agency: str
    case_id: str
    exhibit: str | None
    state: str = "pending"
    status: str | None = None
    reason: str | None = None


def item_id_for(agency: str, case_id: str, exhibit: str | None, parent_id: str | None, path: str, sha256: str) -> str:
    """The stable id of one occurrence."""
    key = "\x00".join([agency, case_id, exhibit or "", parent_id or "", path, sha256])
    return hashlib.sha256(key.encode()).hexdigest()[:40]


_COLUMNS = [f for f in Item.__dataclass_fields__]
CLAIMED = "claimed"


class ItemCatalog(Protocol):
    """What the pipeline asks of a catalogue (both implementations pass ``tests/evidex/scale/test_catalog``)."""

    def close(self) -> None: ...
    def add_batch(self, **row: object) -> bool: ...
    def batch(self, batch_id: str) -> dict | None: ...
    def batches(self) -> list[dict]: ...
    def reset(self, batch_id: str) -> int: ...
    def add_items(self, items: Iterable[Item]) -> int: ...
    def adopt_pending(self, batch_id: str, root_ids: list[str]) -> int: ...
    def pending(self, batch_id: str, limit: int) -> list[Item]: ...
    def pending_by_ids(self, item_ids: list[str]) -> list[Item]: ...
    def claim(self, batch_id: str, limit: int, worker: str) -> list[Item]: ...
    def release(self, batch_id: str, *, worker: str | None = None, older_than_s: float | None = None) -> int: ...
    def renew(self, batch_id: str, worker: str) -> int: ...
    def total(self, batch_id: str) -> int: ...
    def mark_done(self, results: Iterable[tuple[str, str, str | None]]) -> None: ...
    def items(self, batch_id: str) -> Iterator[Item]: ...
    def counts(self, batch_id: str) -> dict[str, int]: ...
    def custody_log(self) -> Any: ...


class Catalog:
    """SQLite-backed catalogue (one file under the store); claims are atomic between processes of one machine."""

    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self.conn = sqlite3.connect(path, timeout=60, isolation_level=None)
        use_wal(self.conn)
        self.conn.execute("PRAGMA synchronous=NORMAL")
        if not self._missing():
            return  # the usual case: nothing to create, no write lock taken
        # schema and upgrades under one write lock: processes opening a new catalogue at once (a run and its
        # workers, a poller) must not both add a column ("duplicate column name")
        self.conn.execute("BEGIN IMMEDIATE")
        try:
            for statement in filter(str.strip, SCHEMA.split(";")):
                self.conn.execute(statement)
            for table, added in _ADDED_COLUMNS.items():  # catalogues written before these columns existed
                columns = {row[1] for row in self.conn.execute(f"PRAGMA table_info({table})")}
                for name, decl in added:
                    if name not in columns:
                        self.conn.execute(f"ALTER TABLE {table} ADD COLUMN {name} {decl}")
            self.conn.execute("COMMIT")
        except BaseException:
            self.conn.execute("ROLLBACK")
            raise

    def _missing(self) -> list[str]:
        """What the file lacks of the schema: tables and indexes by name, added columns as ``table.column``."""
        names = {row[0] for row in self.conn.execute("SELECT name FROM sqlite_master")}
        missing = [n for n in _SCHEMA_NAMES if n not in names]
        for table, added in _ADDED_COLUMNS.items():
            if table in names:
                columns = {row[1] for row in self.conn.execute(f"PRAGMA table_info({table})")}
                missing += [f"{table}.{name}" for name, _ in added if name not in columns]
        return missing

    def custody_log(self) -> Any:
        """The custody log of the store this catalogue belongs to (both live in the store directory)."""
        from evidex.custody.log import CustodyLog

        return CustodyLog(self.path.parent / "custody.jsonl")

    def close(self) -> None:
        self.conn.close()

    def add_batch(self, **row: object) -> bool:
        """Record a batch; False when it was already known."""
        cols = ",".join(row)
        marks = ",".join("?" * len(row))
        cur = self.conn.execute(f"INSERT OR IGNORE INTO batches ({cols}) VALUES ({marks})", tuple(row.values()))
        return cur.rowcount == 1

    def batch(self, batch_id: str) -> dict | None:
        cur = self.conn.execute("SELECT * FROM batches WHERE batch_id=?", (batch_id,))
        row = cur.fetchone()
        return dict(zip([d[0] for d in cur.description], row)) if row else None

    def batches(self) -> list[dict]:
        cur = self.conn.execute("SELECT * FROM batches ORDER BY received_at")
        names = [d[0] for d in cur.description]
        return [dict(zip(names, row)) for row in cur.fetchall()]

    def reset(self, batch_id: str) -> int:
        """Mark every item of a batch pending again (to rebuild its documents); returns how many."""
        cur = self.conn.execute("UPDATE items SET state='pending' WHERE batch_id=?", (batch_id,))
        return cur.rowcount

    def add_items(self, items: Iterable[Item]) -> int:
        """Insert new occurrences; known ones are left as they are. Returns how many were new."""
        rows = [tuple(getattr(i, c) for c in _COLUMNS) for i in items]
        before = self.conn.total_changes
        self.conn.execute("BEGIN")
        self.conn.executemany(
            f"INSERT OR IGNORE INTO items ({','.join(_COLUMNS)}) VALUES ({','.join('?' * len(_COLUMNS))})", rows
        )
        self.conn.execute("COMMIT")
        return self.conn.total_changes - before

    def adopt_pending(self, batch_id: str, root_ids: list[str]) -> int:
        """Move still-pending items of these roots (and their derived items) into ``batch_id``.

        A run killed half way and then given a changed folder registers a new batch; the items the old run left
        pending are taken over by the new one instead of being stranded.
        """
        moved = 0
        for start in range(0, len(root_ids), 500):
            part = root_ids[start : start + 500]
            marks = ",".join("?" * len(part))
            cur = self.conn.execute(
                f"UPDATE items SET batch_id=? WHERE state='pending' AND batch_id<>? AND root_id IN ({marks})",
                (batch_id, batch_id, *part),
            )
            moved += cur.rowcount
        return moved

    def pending(self, batch_id: str, limit: int) -> list[Item]:
        cur = self.conn.execute(
            f"SELECT {','.join(_COLUMNS)} FROM items WHERE batch_id=? AND state='pending' "
            "ORDER BY depth, path LIMIT ?",
            (batch_id, limit),
        )
        return [Item(*row) for row in cur.fetchall()]

    def pending_by_ids(self, item_ids: list[str]) -> list[Item]:
        """The still-pending items among ``item_ids``, in the given order."""
        marks = ",".join("?" * len(item_ids))
        cur = self.conn.execute(
            f"SELECT {','.join(_COLUMNS)} FROM items WHERE state='pending' AND item_id IN ({marks})", item_ids
        )
        found = {row[0]: Item(*row) for row in cur.fetchall()}
        return [found[i] for i in item_ids if i in found]

    def claim(self, batch_id: str, limit: int, worker: str) -> list[Item]:
        """Take up to ``limit`` pending items for ``worker`` (``claimed``, in depth and path order); a claimed item
        is given to nobody else until it is done or released."""
        self.conn.execute("BEGIN IMMEDIATE")
        try:
            cur = self.conn.execute(
                f"UPDATE items SET state='{CLAIMED}', claimed_by=?, claimed_at=? WHERE item_id IN ("
                "SELECT item_id FROM items WHERE batch_id=? AND state='pending' ORDER BY depth, path LIMIT ?) "
                f"RETURNING {','.join(_COLUMNS)}",
                (worker, time.time(), batch_id, limit),
            )
            rows = cur.fetchall()
            self.conn.execute("COMMIT")
        except BaseException:
            self.conn.execute("ROLLBACK")
            raise
        return sorted((Item(*row) for row in rows), key=lambda i: (i.depth, i.path))

    def release(self, batch_id: str, *, worker: str | None = None, older_than_s: float | None = None) -> int:
        """Give claimed items back (of ``worker``, or claimed over ``older_than_s`` ago, or all); returns how many."""
        sql = f"UPDATE items SET state='pending', claimed_by=NULL WHERE batch_id=? AND state='{CLAIMED}'"
        args: list[Any] = [batch_id]
        if worker is not None:
            sql, args = sql + " AND claimed_by=?", [*args, worker]
        if older_than_s is not None:
            sql, args = sql + " AND claimed_at<?", [*args, time.time() - older_than_s]
        return self.conn.execute(sql, args).rowcount

    def renew(self, batch_id: str, worker: str) -> int:
        """A live worker's heartbeat: its claims count as fresh again (so ``release(older_than_s=…)`` spares them)."""
        return self.conn.execute(f"UPDATE items SET claimed_at=? WHERE batch_id=? AND state='{CLAIMED}' AND "
                                 "claimed_by=?", (time.time(), batch_id, worker)).rowcount

    def total(self, batch_id: str) -> int:
        return self.conn.execute("SELECT count(*) FROM items WHERE batch_id=?", (batch_id,)).fetchone()[0]

    def mark_done(self, results: Iterable[tuple[str, str, str | None]]) -> None:
        """Mark items indexed with their extraction status and reason."""
        self.conn.execute("BEGIN")
        self.conn.executemany(
            "UPDATE items SET state='done', status=?, reason=? WHERE item_id=?",
            [(status, reason, item_id) for item_id, status, reason in results],
        )
        self.conn.execute("COMMIT")

    def items(self, batch_id: str) -> Iterator[Item]:
        cur = self.conn.execute(f"SELECT {','.join(_COLUMNS)} FROM items WHERE batch_id=? ORDER BY path", (batch_id,))
        for row in cur:
            yield Item(*row)

    def counts(self, batch_id: str) -> dict[str, int]:
        cur = self.conn.execute(
            "SELECT coalesce(status, state), count(*) FROM items WHERE batch_id=? GROUP BY 1", (batch_id,)
        )
        return dict(cur.fetchall())

