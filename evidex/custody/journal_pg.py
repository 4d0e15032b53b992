"""Keyed hash chains kept in the PostgreSQL catalogue database: the custody log and the audit journal of every
machine, one chain each (``journal`` table, rows keyed by journal name and ``seq``).

A record is the same canonical JSON line as in the embedded files, with the same HMAC-SHA256 chain, so
``Journal.verify`` checks both the same way; here a "line number" is the row's ``seq``. Appends are serialised by a
transaction-scoped advisory lock per journal, and the primary key refuses a second record with one ``seq``.
Triggers refuse UPDATE, DELETE and TRUNCATE (grant the application INSERT and SELECT only in production).

The chain's key stays outside the database: a file on each machine (copy it from the first one). The database
keeps only a check value of it, so a machine with another or a missing key refuses to append instead of forking the
chain.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from evidex.custody.chain import GENESIS, ChainHead, Journal, _create_key, _read_key
from evidex.custody.log import CustodyEvents

CUSTODY = "custody"
AUDIT = "audit"
SCAN_ROWS = 2000


class ChainKeyError(RuntimeError):
    """This machine's chain key is missing or is not the key the shared journal was started with."""


def key_check(key: bytes) -> str:
    """A value that tells keys apart without revealing them."""
    return hmac.new(key, b"evidex journal key check", hashlib.sha256).hexdigest()[:32]


class PgJournal(Journal):
    """A keyed hash chain in the catalogue database's ``journal`` table (``name``: custody or audit)."""

    def __init__(self, pool: Any, name: str, key_path: Path, kind_field: str = "event") -> None:
        super().__init__(Path(f"postgresql-{name}"), kind_field=kind_field, key_path=key_path, compact=True)
        self.pool = pool
        self.name = name
        self._key_ok = False

    @property
    def label(self) -> str:
        return f"{self.name} journal (PostgreSQL) seq"

    def _key_for_append(self) -> bytes:
        key = _read_key(self.key_path)
        if key is None:
            if self.head() is not None:
                raise ChainKeyError(f"the {self.name} journal in the catalogue database has records, but this "
                                    f"machine has no chain key at {self.key_path}: copy that file from a machine "
                                    f"that appends to it")
            key = _create_key(self.key_path)
        if not self._key_ok:
            with self.pool.connection() as conn:
                conn.execute("INSERT INTO journal_keys (journal, key_check) VALUES (%s, %s) ON CONFLICT DO NOTHING",
                             (self.name, key_check(key)))
                stored = conn.execute("SELECT key_check FROM journal_keys WHERE journal=%s",
                                      (self.name,)).fetchone()[0]
            if stored != key_check(key):
                raise ChainKeyError(f"the chain key at {self.key_path} is not the key of the {self.name} journal "
                                    f"in the catalogue database: copy the key from a machine that appends to it")
            self._key_ok = True
        return key

    def _write(self, make: Any) -> dict[str, Any]:
        with self.pool.connection() as conn, conn.transaction():
            conn.execute("SELECT pg_advisory_xact_lock(hashtext(%s))", (f"evidex-journal:{self.name}",))
            row = conn.execute("SELECT seq, hash FROM journal WHERE journal=%s ORDER BY seq DESC LIMIT 1",
                               (self.name,)).fetchone()
            prev, seq = (str(row[1]), int(row[0]) + 1) if row else (GENESIS, 0)
            record, line = make(prev, seq)
            conn.execute("INSERT INTO journal (journal, seq, hash, kind, line) VALUES (%s, %s, %s, %s, %s)",
                         (self.name, seq, record["hash"], record.get(self.kind_field), line.decode()))
        return record

    def head(self) -> ChainHead | None:
        with self.pool.connection() as conn:
            row = conn.execute("SELECT seq, hash FROM journal WHERE journal=%s ORDER BY seq DESC LIMIT 1",
                               (self.name,)).fetchone()
        return ChainHead(int(row[0]), str(row[1])) if row else None

    def exists(self) -> bool:
        return self.head() is not None

    def raw_lines(self) -> Iterator[tuple[int, bytes]]:
        """Every row in ``seq`` order, streamed by a server-side cursor."""
        with self.pool.connection() as conn, conn.transaction():
            with conn.cursor(name=f"evidex_scan_{self.name}") as cur:
                cur.itersize = SCAN_ROWS
                cur.execute("SELECT seq, line FROM journal WHERE journal=%s ORDER BY seq", (self.name,))
                for seq, line in cur:
                    yield int(seq), line.encode()


class PgCustodyLog(CustodyEvents, PgJournal):
    """The custody log of every machine, in the catalogue database."""

    def __init__(self, pool: Any, key_path: Path) -> None:
        PgJournal.__init__(self, pool, CUSTODY, key_path, kind_field="event")


def audit_journal(pool: Any, key_path: Path) -> PgJournal:
    """The audit journal of every machine, in the catalogue database."""
    return PgJournal(pool, AUDIT, key_path, kind_field="action")
