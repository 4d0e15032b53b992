"""The one place that picks the catalogue, the evidence store and the audit journal from the settings.

Embedded default (both URLs empty): the SQLite catalogue, the store directory and the journal files under the
data directory, exactly as on one machine. ``EVIDEX_CATALOG_URL=postgresql://…`` puts the catalogue, the custody
log and the audit journal in that database; ``EVIDEX_STORE_URL=s3://bucket/prefix`` puts the originals and
manifests (and a copy of each receipt) in that bucket. The chains' keys stay files on each machine
(``<store>/custody.key``, ``<data_dir>/audit.key``), copied from the first one. ``catalog_of`` tells what else
lives under a data directory (the cross-reference state, ``evidex.custody.xref_pg``) where its catalogue is.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from evidex.custody.catalog import Catalog, ItemCatalog
from evidex.custody.chain import Journal
from evidex.custody.store import BlobStore, EvidenceStore
from evidex.settings import Settings


def _check(settings: Settings) -> None:
    if settings.catalog_url and not settings.catalog_url.startswith(("postgresql://", "postgres://")):
        raise ValueError("EVIDEX_CATALOG_URL must be a postgresql:// URL (empty: the embedded SQLite catalogue)")
    if settings.store_url and not settings.store_url.startswith("s3://"):
        raise ValueError("EVIDEX_STORE_URL must be an s3://bucket/prefix URL (empty: the store directory)")


def _secret(value: Any) -> str:
    return value.get_secret_value() if hasattr(value, "get_secret_value") else str(value or "")


_CATALOGS: dict[str, tuple[str, int]] = {}


def _check_urls(settings: Settings) -> None:
    """The URLs checked, and the data directory's catalogue noted for ``catalog_of``."""
    _check(settings)
    if settings.catalog_url:
        _CATALOGS[str(settings.data_dir.resolve())] = (settings.catalog_url, settings.catalog_pool_size)
    else:
        _CATALOGS.pop(str(settings.data_dir.resolve()), None)


def catalog_of(data_dir: Path) -> tuple[str, int] | None:
    """The PostgreSQL catalogue (URL, pool size) this process opened a part of ``data_dir``'s deployment with
    (None: the embedded default); what lives under a data directory on one machine follows it there."""
    return _CATALOGS.get(str(Path(data_dir).resolve()))


def open_catalog(settings: Settings) -> ItemCatalog:
    """The catalogue of this deployment (close it when done; a PostgreSQL one keeps its pool for the process)."""
    _check_urls(settings)
    if settings.catalog_url:
        from evidex.custody.catalog_pg import PgCatalog

        return PgCatalog(settings.catalog_url, pool_size=settings.catalog_pool_size, key_dir=settings.store_dir)
    return Catalog(settings.store_dir / "catalog.sqlite")


def open_store(settings: Settings) -> BlobStore:
    """The evidence store of this deployment, with the custody log of its catalogue (call ``ensure`` to write)."""
    _check_urls(settings)
    custody: Any = None
    catalogued = None
    if settings.catalog_url:
        from evidex.custody.catalog_pg import PgCatalog

        catalog = PgCatalog(settings.catalog_url, pool_size=settings.catalog_pool_size, key_dir=settings.store_dir)
        custody = catalog.custody_log()

        def catalogued() -> set[str]:
            return {row["batch_id"] for row in catalog.batches()}

    if settings.store_url:
        from evidex.custody.store_s3 import S3EvidenceStore

        return S3EvidenceStore(settings.store_url, settings.store_dir, endpoint=settings.s3_endpoint,
                               region=settings.s3_region, access_key=settings.s3_access_key,
                               secret_key=_secret(settings.s3_secret_key), custody=custody,
                               catalogued=catalogued)
    return EvidenceStore(settings.store_dir, custody=custody, catalogued=catalogued)


def open_audit_journal(settings: Settings) -> Journal:
    """The audit journal: ``<data_dir>/audit.jsonl``, or the catalogue database's ``audit`` chain."""
    _check_urls(settings)
    if settings.catalog_url:
        from evidex.custody.journal_pg import audit_journal
        from evidex.custody.pg import pool_for

        return audit_journal(pool_for(settings.catalog_url, settings.catalog_pool_size),
                             settings.data_dir / "audit.key")
    return Journal(settings.data_dir / "audit.jsonl", kind_field="action", compact=False)
