"""The cross-reference state of every machine in the PostgreSQL catalogue: holder table and exclusions.

``evidex.search.xref`` keeps two things under the data directory: the holder table (counts per value, viewing
agency and holding agency; ``xref_holders.sqlite``) and the batches their owners keep out of cross-references
(``xref_excluded.json``). On one machine that is right; scaled out, every machine must read the counts the
``xref_refresh`` flow of any worker wrote, and a batch marked "no cross-reference" on the clerk's machine must be
left out by every worker's recount. So when the settings of a data directory put the catalogue in PostgreSQL,
``HolderTable(data_dir)`` and ``ExclusionList(data_dir)`` are built as variants whose storage is the tables
``xref_holders``, ``xref_freq``, ``xref_meta`` and ``xref_excluded`` of that database; the rest of their logic
(which documents an exclusion leaves out, what ``complete`` means) stays in ``evidex.search.xref``.

The data directory's catalogue is known from the settings the process opened it with
(``evidex.custody.backends.catalog_of``): every caller of the cross-reference builds its search service or opens
the catalogue first.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from evidex.custody.pg import pool_for

HOLDERS_LOCK = 0x45565852  # "EVXR": replacing rows of the holder table, one machine at a time
PAGE = 500


class SharedInCatalog:
    """Base of a class built for a data directory whose storage moves to the PostgreSQL catalogue when there is
    one: ``class HolderTable(SharedInCatalog, storage=PgHolderStorage)``. Its instances are then of the class
    ``Pg<Name>`` (the storage class first, then the class itself), so only the storage methods change."""

    _pg_storage: type | None = None
    _variants: dict[type, type] = {}

    def __init_subclass__(cls, storage: type | None = None, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if storage is not None:
            cls._pg_storage = storage

    def __new__(cls, data_dir: Path, *args: Any, **kwargs: Any) -> Any:
        from evidex.custody.backends import catalog_of

        storage = cls._pg_storage
        if storage is not None and not issubclass(cls, storage) and catalog_of(data_dir) is not None:
            cls = _variant(cls, storage)
        return super().__new__(cls)


def _variant(cls: type, storage: type) -> type:
    """``Pg<Name>``: ``storage`` before ``cls``; also a name of ``cls``'s module, so its objects pickle."""
    import sys

    if cls not in SharedInCatalog._variants:
        name = f"Pg{cls.__name__}"
        variant = type(name, (storage, cls), {"__module__": cls.__module__, "__qualname__": name})
        setattr(sys.modules[cls.__module__], name, variant)
        SharedInCatalog._variants[cls] = variant
    return SharedInCatalog._variants[cls]


class _PgStorage:
    def __init__(self, data_dir: Path, *args: Any, **kwargs: Any) -> None:
        from evidex.custody.backends import catalog_of

        self.catalog = catalog_of(data_dir) or ("", 0)
        super().__init__(data_dir, *args, **kwargs)  # type: ignore[call-arg]

    def __reduce__(self) -> Any:  # unpickled in another process: the same data directory, noted there too
        return (_PgStorage._rebuild, (type(self), self.path.parent, self.catalog))

    @staticmethod
    def _rebuild(cls: type, data_dir: Path, catalog: tuple[str, int]) -> Any:
        obj = object.__new__(cls)
        obj.catalog = catalog
        super(_PgStorage, obj).__init__(data_dir)  # type: ignore[misc]
        return obj

    @property
    def pool(self) -> Any:
        """This process's pool of the catalogue (a forked or unpickled copy opens its own)."""
        return pool_for(*self.catalog)


class PgHolderStorage(_PgStorage):
    """The holder table's rows in PostgreSQL (the methods of ``HolderTable`` that touch storage)."""

    def exists(self) -> bool:
        with self.pool.connection() as conn:
            return bool(conn.execute("SELECT EXISTS (SELECT 1 FROM xref_meta) OR EXISTS "
                                     "(SELECT 1 FROM xref_freq)").fetchone()[0])

    def clear(self) -> None:
        with self.pool.connection() as conn, conn.transaction():
            conn.execute("SELECT pg_advisory_xact_lock(%s)", (HOLDERS_LOCK,))
            for table in ("xref_holders", "xref_freq", "xref_meta"):
                conn.execute(f"DELETE FROM {table}")

    def meta(self) -> dict[str, str]:
        with self.pool.connection() as conn:
            return {k: v for k, v in conn.execute("SELECT key, value FROM xref_meta").fetchall()}

    def mark(self, **values: str) -> None:
        with self.pool.connection() as conn, conn.transaction():
            for key, value in values.items():
                conn.execute("INSERT INTO xref_meta (key, value) VALUES (%s, %s) ON CONFLICT (key) DO UPDATE "
                             "SET value = EXCLUDED.value", (key, value))

    def replace(self, field_: str, values: list[str], counts: dict[str, tuple[int, dict[str, dict[str, int]]]]) -> None:
        """The rows of ``values`` replaced by ``counts`` in one transaction; machines replacing at once wait."""
        freq = [(field_, v, c[0]) for v, c in counts.items()]
        rows = [(field_, v, viewer, owner, n) for v, (_, by) in counts.items()
                for viewer, owners in by.items() for owner, n in owners.items() if n]
        with self.pool.connection() as conn, conn.transaction():
            conn.execute("SELECT pg_advisory_xact_lock(%s)", (HOLDERS_LOCK,))
            for start in range(0, len(values), PAGE):
                chunk = values[start : start + PAGE]
                conn.execute("DELETE FROM xref_holders WHERE field = %s AND value = ANY(%s)", (field_, chunk))
                conn.execute("DELETE FROM xref_freq WHERE field = %s AND value = ANY(%s)", (field_, chunk))
            with conn.cursor() as cur:
                cur.executemany("INSERT INTO xref_freq (field, value, n) VALUES (%s, %s, %s)", freq)
                cur.executemany("INSERT INTO xref_holders (field, value, viewer, owner, n) VALUES (%s, %s, %s, %s, %s)",
                                rows)

    def holders(self, user: Any, field_: str, values: list[str]) -> dict[str, tuple[dict[str, int], int]]:
        """For each of ``values``: counts per other agency of documents hidden from ``user``, and its frequency."""
        viewer = "*" if user.is_admin else user.agency
        out: dict[str, tuple[dict[str, int], int]] = {}
        with self.pool.connection() as conn:
            for start in range(0, len(values), PAGE):
                rows = conn.execute(
                    "SELECT h.value, h.owner, h.n, f.n FROM xref_holders h JOIN xref_freq f ON f.field = h.field "
                    "AND f.value = h.value WHERE h.field = %s AND h.viewer = %s AND h.owner <> %s "
                    "AND h.value = ANY(%s)", (field_, viewer, user.agency, values[start : start + PAGE])).fetchall()
                for value, owner, n, freq in rows:
                    out.setdefault(value, ({}, freq))[0][owner] = n
        return out


class PgExclusionStorage(_PgStorage):
    """The batches kept out of cross-references, in PostgreSQL (the storage methods of ``ExclusionList``)."""

    def batches(self) -> dict[str, str]:
        with self.pool.connection() as conn:
            return {b: a for b, a in conn.execute("SELECT batch_id, agency FROM xref_excluded "
                                                  "ORDER BY batch_id").fetchall()}

    def set(self, batch_id: str, agency: str, excluded: bool) -> None:
        with self.pool.connection() as conn:
            if excluded:
                conn.execute("INSERT INTO xref_excluded (batch_id, agency) VALUES (%s, %s) ON CONFLICT (batch_id) "
                             "DO UPDATE SET agency = EXCLUDED.agency, marked_at = now()", (batch_id, agency))
            else:
                conn.execute("DELETE FROM xref_excluded WHERE batch_id = %s", (batch_id,))
