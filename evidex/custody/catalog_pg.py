"""The PostgreSQL catalogue: the same items and batches as ``Catalog``, shared by every machine of a deployment.

Claims are atomic across machines: ``claim`` locks the pending rows it takes with ``FOR UPDATE SKIP LOCKED``
and marks them claimed in the same statement, so two workers never get one item, and neither waits for the
other. Paths sort byte-wise (``COLLATE "C"``) as in SQLite, so both catalogues hand items out in one order.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from evidex.custody.catalog import _COLUMNS, CLAIMED, Item
from evidex.custody.pg import pool_for

COLS = ",".join(_COLUMNS)
ORDER = 'depth, path COLLATE "C"'
PAGE = 1000


def _dict(cur: Any, row: tuple | None) -> dict | None:
    return dict(zip([d.name for d in cur.description], row)) if row else None


class PgCatalog:
    """Catalogue in PostgreSQL (``url``); the custody chain's key file lives in ``key_dir`` on each machine."""

    def __init__(self, url: str, *, pool_size: int = 4, key_dir: Path | None = None) -> None:
        self.url = url
        self.pool = pool_for(url, pool_size)
        self.key_dir = key_dir

    def close(self) -> None:
        """Nothing to release: the process's pool is shared by every catalogue object and closed at exit."""

    def custody_log(self) -> Any:
        from evidex.custody.journal_pg import PgCustodyLog

        if self.key_dir is None:
            raise ValueError("this catalogue was opened without a key directory for the custody chain")
        return PgCustodyLog(self.pool, self.key_dir / "custody.key")

    def _one(self, sql: str, args: tuple = ()) -> Any:
        with self.pool.connection() as conn:
            return conn.execute(sql, args).fetchone()

    def add_batch(self, **row: object) -> bool:
        cols = ",".join(row)
        marks = ",".join(["%s"] * len(row))
        with self.pool.connection() as conn:
            cur = conn.execute(f"INSERT INTO batches ({cols}) VALUES ({marks}) ON CONFLICT DO NOTHING",
                               tuple(row.values()))
            return cur.rowcount == 1

    def batch(self, batch_id: str) -> dict | None:
        with self.pool.connection() as conn:
            cur = conn.execute("SELECT * FROM batches WHERE batch_id=%s", (batch_id,))
            return _dict(cur, cur.fetchone())

    def batches(self) -> list[dict]:
        with self.pool.connection() as conn:
            cur = conn.execute('SELECT * FROM batches ORDER BY received_at COLLATE "C"')
            return [_dict(cur, row) for row in cur.fetchall()]  # type: ignore[misc]

    def reset(self, batch_id: str) -> int:
        with self.pool.connection() as conn:
            return conn.execute("UPDATE items SET state='pending', claimed_by=NULL WHERE batch_id=%s",
                                (batch_id,)).rowcount

    def add_items(self, items: Iterable[Item]) -> int:
        rows = [tuple(getattr(i, c) for c in _COLUMNS) for i in items]
        added = 0
        with self.pool.connection() as conn, conn.transaction():
            for start in range(0, len(rows), PAGE):
                part = rows[start : start + PAGE]
                values = ",".join([f"({','.join(['%s'] * len(_COLUMNS))})"] * len(part))
                cur = conn.execute(f"INSERT INTO items ({COLS}) VALUES {values} ON CONFLICT DO NOTHING",
                                   [v for row in part for v in row])
                added += cur.rowcount
        return added

    def adopt_pending(self, batch_id: str, root_ids: list[str]) -> int:
        with self.pool.connection() as conn:
            return conn.execute("UPDATE items SET batch_id=%s WHERE state='pending' AND batch_id<>%s "
                                "AND root_id = ANY(%s)", (batch_id, batch_id, root_ids)).rowcount

    def pending(self, batch_id: str, limit: int) -> list[Item]:
        with self.pool.connection() as conn:
            rows = conn.execute(f"SELECT {COLS} FROM items WHERE batch_id=%s AND state='pending' ORDER BY {ORDER} "
                                "LIMIT %s", (batch_id, limit)).fetchall()
        return [Item(*row) for row in rows]

    def pending_by_ids(self, item_ids: list[str]) -> list[Item]:
        with self.pool.connection() as conn:
            rows = conn.execute(f"SELECT {COLS} FROM items WHERE state='pending' AND item_id = ANY(%s)",
                                (item_ids,)).fetchall()
        found = {row[0]: Item(*row) for row in rows}
        return [found[i] for i in item_ids if i in found]

    def claim(self, batch_id: str, limit: int, worker: str) -> list[Item]:
        with self.pool.connection() as conn:
            rows = conn.execute(
                f"UPDATE items SET state='{CLAIMED}', claimed_by=%s, claimed_at=now() WHERE item_id IN ("
                f"SELECT item_id FROM items WHERE batch_id=%s AND state='pending' ORDER BY {ORDER} LIMIT %s "
                f"FOR UPDATE SKIP LOCKED) RETURNING {COLS}", (worker, batch_id, limit)).fetchall()
        return sorted((Item(*row) for row in rows), key=lambda i: (i.depth, i.path.encode()))

    def release(self, batch_id: str, *, worker: str | None = None, older_than_s: float | None = None) -> int:
        sql = f"UPDATE items SET state='pending', claimed_by=NULL WHERE batch_id=%s AND state='{CLAIMED}'"
        args: list[Any] = [batch_id]
        if worker is not None:
            sql, args = sql + " AND claimed_by=%s", [*args, worker]
        if older_than_s is not None:
            sql, args = sql + " AND claimed_at < now() - make_interval(secs => %s)", [*args, older_than_s]
        with self.pool.connection() as conn:
            return conn.execute(sql, args).rowcount

    def renew(self, batch_id: str, worker: str) -> int:
        with self.pool.connection() as conn:
            return conn.execute(f"UPDATE items SET claimed_at=now() WHERE batch_id=%s AND state='{CLAIMED}' AND "
                                "claimed_by=%s", (batch_id, worker)).rowcount

    def total(self, batch_id: str) -> int:
        return int(self._one("SELECT count(*) FROM items WHERE batch_id=%s", (batch_id,))[0])

    def mark_done(self, results: Iterable[tuple[str, str, str | None]]) -> None:
        rows = list(results)
        with self.pool.connection() as conn, conn.transaction():
            for start in range(0, len(rows), PAGE):  # one statement per page: one round trip, not one per item
                part = rows[start : start + PAGE]
                conn.execute("UPDATE items AS i SET state='done', status=v.status, reason=v.reason "
                             "FROM unnest(%s::text[], %s::text[], %s::text[]) AS v(item_id, status, reason) "
                             "WHERE i.item_id = v.item_id",
                             ([r[0] for r in part], [r[1] for r in part], [r[2] for r in part]))

    def items(self, batch_id: str) -> Iterator[Item]:
        """Every item of a batch in path order, streamed by a server-side cursor."""
        with self.pool.connection() as conn, conn.transaction():
            with conn.cursor(name="evidex_items") as cur:
                cur.itersize = PAGE
                cur.execute(f'SELECT {COLS} FROM items WHERE batch_id=%s ORDER BY path COLLATE "C"', (batch_id,))
                for row in cur:
                    yield Item(*row)

    def counts(self, batch_id: str) -> dict[str, int]:
        with self.pool.connection() as conn:
            rows = conn.execute("SELECT coalesce(status, state), count(*) FROM items WHERE batch_id=%s GROUP BY 1",
                                (batch_id,)).fetchall()
        return {k: int(v) for k, v in rows}
