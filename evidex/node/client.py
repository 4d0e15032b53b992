"""The one place that builds Elasticsearch clients (local node or a configured cluster).

``EVIDEX_ES_URL`` may list several nodes of one cluster, comma-separated; the client spreads requests (bulk
indexing too) over them and leaves out a node that stops answering. Explicit credentials (``EVIDEX_ES_API_KEY``, ``EVIDEX_ES_USERNAME``/``EVIDEX_ES_PASSWORD``) win; without them the
local node is reached as its generated service user (``<es_home>/credentials.json``).
"""

from __future__ import annotations

from typing import Any

from elasticsearch import Elasticsearch

from evidex.node.local import LocalNode, NodeError
from evidex.node.security import CredentialsError, read_credentials
from evidex.settings import Settings


def es_url(settings: Settings) -> str:
    return settings.es_url or LocalNode(settings).url


def es_hosts(settings: Settings) -> list[str]:
    """The cluster's nodes: ``es_url`` may name several, comma-separated (requests go round them)."""
    return [host.strip() for host in es_url(settings).split(",") if host.strip()]


def auth_of(settings: Settings) -> dict[str, Any]:
    """Client keyword arguments that authenticate: explicit API key or user name first, else the local node's."""
    if settings.es_api_key:
        return {"api_key": settings.es_api_key}
    if settings.es_username:
        return {"basic_auth": (settings.es_username, settings.es_password)}
    if settings.local_es:
        try:
            creds = read_credentials(settings.es_home)
        except CredentialsError as exc:
            raise NodeError(str(exc)) from exc
        if creds is not None:
            return {"basic_auth": (creds.username, creds.password)}
    return {}


def make_client(settings: Settings, *, start_local: bool = True) -> Elasticsearch:
    """A client for the configured cluster; starts the local node first when none is configured."""
    if settings.local_es and start_local:
        node = LocalNode(settings)
        if not node.status().running:
            node.start()
    kwargs: dict[str, Any] = {"request_timeout": 120, "retry_on_timeout": True, "max_retries": 3}
    kwargs.update(auth_of(settings))
    if settings.es_ca_certs:
        kwargs["ca_certs"] = settings.es_ca_certs
    if not settings.es_verify_certs:
        kwargs["verify_certs"] = False
    client = Elasticsearch(es_hosts(settings), **kwargs)
    try:
        client.cluster.health(wait_for_status="yellow", timeout="60s")
    except Exception as exc:  # noqa: BLE001 - turned into one clear message
        raise NodeError(f"Elasticsearch at {es_url(settings)} does not answer: {exc}") from exc
    return client
