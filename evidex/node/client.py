"""The one place that builds Elasticsearch clients (local node or a configured cluster)."""

from __future__ import annotations

from typing import Any

from elasticsearch import Elasticsearch

from evidex.esnode import LocalNode, NodeError
from evidex.settings import Settings


def es_url(settings: Settings) -> str:
    return settings.es_url or LocalNode(settings).url


def make_client(settings: Settings, *, start_local: bool = True) -> Elasticsearch:
    """A client for the configured cluster; starts the local node first when none is configured."""
    if settings.local_es and start_local:
        node = LocalNode(settings)
        if not node.status().running:
            node.start()
    kwargs: dict[str, Any] = {"request_timeout": 120, "retry_on_timeout": True, "max_retries": 3}
    if settings.es_api_key:
        kwargs["api_key"] = settings.es_api_key
    elif settings.es_username:
        kwargs["basic_auth"] = (settings.es_username, settings.es_password)
    if settings.es_ca_certs:
        kwargs["ca_certs"] = settings.es_ca_certs
    if not settings.es_verify_certs:
        kwargs["verify_certs"] = False
    client = Elasticsearch(es_url(settings), **kwargs)
    try:
        client.cluster.health(wait_for_status="yellow", timeout="60s")
    except Exception as exc:  # noqa: BLE001 - turned into one clear message
        raise NodeError(f"Elasticsearch at {es_url(settings)} does not answer: {exc}") from exc
    return client
