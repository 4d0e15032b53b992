"""The PostgreSQL catalogue database: one connection pool per process, and its migrations.

Every machine of a scaled-out deployment points ``EVIDEX_CATALOG_URL`` at the same database. It holds the
catalogue (``batches``, ``items``), the journals (``journal``: the custody log and the audit journal, one
append-only keyed chain each) and the cross-reference state (``xref_*``, see ``evidex.custody.xref_pg``).
Migrations are numbered, applied once, in order, inside one transaction holding an advisory lock, so machines
starting together never apply one twice; ``evidex_migrations`` says what was applied.
"""

from __future__ import annotations

import atexit
import os
import re
import threading
from typing import Any

APP_LOCK = 0x45564458  # "EVDX": the advisory lock key of migrations
MIGRATIONS: list[tuple[int, str, str]] = [
    (1, "catalogue: batches and items", """
CREATE TABLE batches (
    batch_id TEXT PRIMARY KEY, agency TEXT NOT NULL, case_id TEXT NOT NULL, exhibit TEXT,
    submitted_by TEXT, received_at TEXT NOT NULL, source TEXT, manifest_sha256 TEXT,
    files BIGINT, bytes BIGINT, shared_with TEXT DEFAULT '[]', ocr_languages TEXT
);
CREATE TABLE items (
    item_id TEXT PRIMARY KEY, batch_id TEXT NOT NULL, sha256 TEXT NOT NULL, size BIGINT NOT NULL,
    path TEXT NOT NULL, name TEXT NOT NULL, parent_id TEXT, root_id TEXT NOT NULL, depth INTEGER NOT NULL,
    agency TEXT NOT NULL, case_id TEXT NOT NULL, exhibit TEXT,
    state TEXT NOT NULL DEFAULT 'pending', status TEXT, reason TEXT,
    claimed_by TEXT, claimed_at TIMESTAMPTZ
);
CREATE INDEX items_batch_state ON items (batch_id, state);
CREATE INDEX items_sha ON items (sha256);
CREATE INDEX items_root ON items (root_id);
"""),
    (2, "journals: custody log and audit journal, append-only keyed chains", """
CREATE TABLE journal (
    journal TEXT NOT NULL, seq BIGINT NOT NULL, hash TEXT NOT NULL, kind TEXT, line TEXT NOT NULL,
    written_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    PRIMARY KEY (journal, seq)
);
CREATE TABLE journal_keys (journal TEXT PRIMARY KEY, key_check TEXT NOT NULL);
CREATE FUNCTION evidex_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'evidex journals are append-only (% on %)', TG_OP, TG_TABLE_NAME;
END $$;
CREATE TRIGGER journal_no_update BEFORE UPDATE OR DELETE ON journal
    FOR EACH ROW EXECUTE FUNCTION evidex_append_only();
CREATE TRIGGER journal_no_truncate BEFORE TRUNCATE ON journal
    FOR EACH STATEMENT EXECUTE FUNCTION evidex_append_only();
CREATE TRIGGER journal_keys_no_update BEFORE UPDATE OR DELETE ON journal_keys
    FOR EACH ROW EXECUTE FUNCTION evidex_append_only();
"""),
    (3, "claims in path order from an index (no sort of a whole batch per claim)", """
CREATE INDEX items_claim_order ON items (batch_id, state, depth, path COLLATE "C");
"""),
    (4, "cross-reference: the holder table and the batches kept out, shared by every machine", """
CREATE TABLE xref_holders (
    field TEXT NOT NULL, value TEXT NOT NULL, viewer TEXT NOT NULL, owner TEXT NOT NULL, n INTEGER NOT NULL,
    PRIMARY KEY (field, value, viewer, owner)
);
CREATE TABLE xref_freq (field TEXT NOT NULL, value TEXT NOT NULL, n INTEGER NOT NULL, PRIMARY KEY (field, value));
CREATE TABLE xref_meta (key TEXT PRIMARY KEY, value TEXT);
CREATE TABLE xref_excluded (batch_id TEXT PRIMARY KEY, agency TEXT NOT NULL,
                            marked_at TIMESTAMPTZ NOT NULL DEFAULT now());
"""),
]


class CatalogUnavailable(RuntimeError):
    """The PostgreSQL catalogue cannot be reached or set up; the message names it with its password masked."""


def redact_url(url: str) -> str:
    """``url`` with any password replaced by ``***`` (for messages and logs)."""
    url = re.sub(r"(://[^:/@]+):[^@]*@", r"\1:***@", url)
    return re.sub(r"(password=)[^&\s]*", r"\1***", url)


_POOLS: dict[tuple[str, int], Any] = {}
_LOCK = threading.Lock()


def pool_for(url: str, size: int = 4, timeout_s: float = 30.0) -> Any:
    """This process's pool for ``url`` (created and migrated on first use; a forked child gets its own)."""
    key = (url, os.getpid())
    with _LOCK:
        pool = _POOLS.get(key)
        if pool is not None:
            return pool
        import psycopg
        from psycopg_pool import ConnectionPool, PoolTimeout

        pool = ConnectionPool(url, min_size=1, max_size=max(1, size), kwargs={"autocommit": True},
                              name="evidex-catalog", open=False)
        try:
            with psycopg.connect(url, autocommit=True, connect_timeout=max(1, int(timeout_s))) as conn:
                migrate(conn)  # one plain connection first: a refused password is one message, at once
            pool.open(wait=True, timeout=timeout_s)
        except PoolTimeout as exc:
            pool.close()
            raise CatalogUnavailable(f"PostgreSQL catalogue {redact_url(url)} did not answer within "
                                     f"{timeout_s:.0f} s") from exc
        except Exception as exc:
            pool.close()
            if type(exc).__module__.startswith("psycopg"):
                raise CatalogUnavailable(f"PostgreSQL catalogue {redact_url(url)}: "
                                         f"{redact_url(str(exc)).strip()}") from exc
            raise
        _POOLS[key] = pool
        return pool


def migrate(conn: Any) -> list[int]:
    """Apply every migration not applied yet, in order; returns the versions applied now."""
    done: list[int] = []
    with conn.transaction():
        conn.execute("SELECT pg_advisory_xact_lock(%s)", (APP_LOCK,))
        conn.execute("CREATE TABLE IF NOT EXISTS evidex_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL,"
                     " applied_at TIMESTAMPTZ NOT NULL DEFAULT now())")
        applied = {row[0] for row in conn.execute("SELECT version FROM evidex_migrations")}
        for version, name, sql in MIGRATIONS:
            if version in applied:
                continue
            conn.execute(sql)
            conn.execute("INSERT INTO evidex_migrations (version, name) VALUES (%s, %s)", (version, name))
            done.append(version)
    return done


def close_pools() -> None:
    """Close this process's pools (at exit, and in tests between databases)."""
    with _LOCK:
        for key in [k for k in _POOLS if k[1] == os.getpid()]:
            _POOLS.pop(key).close()


atexit.register(close_pools)
