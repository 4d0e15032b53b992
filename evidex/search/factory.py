"""Wiring: build application services from settings (used by the CLI and the HTTP API)."""

from __future__ import annotations

from evidex.custody.backends import open_audit_journal
from evidex.node.client import make_client
from evidex.search.builder import SearchService
from evidex.settings import Settings
from index_config import ensure_indices


def search_service(settings: Settings) -> SearchService:
    client = make_client(settings)
    ensure_indices(client, settings.es_index_prefix, shards=settings.es_shards, replicas=settings.es_replicas)
    chain = open_audit_journal(settings) if settings.catalog_url else None
    return SearchService(client, settings.es_index_prefix, settings.data_dir, settings.secret_bytes(), chain)
