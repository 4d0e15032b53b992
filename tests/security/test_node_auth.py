"""The local Elasticsearch node runs with security on: anonymous requests are refused, the client gets in, and
the node's files are private (finding 5 of issue 9)."""

from __future__ import annotations

import base64
import stat
import urllib.error
import urllib.request

import pytest

from evidex.node.client import make_client
from evidex.node.local import LocalNode
from evidex.node.security import credentials_path, world_readable


@pytest.fixture
def node(es_node) -> LocalNode:
    if not es_node.local_es:
        pytest.skip("EVIDEX_ES_URL points at an external cluster: its security is not Evidex's")
    return LocalNode(es_node)


def _status(url: str, auth: tuple[str, str] | None = None) -> int:
    request = urllib.request.Request(url)
    if auth:
        request.add_header("Authorization", "Basic " + base64.b64encode(":".join(auth).encode()).decode())
    try:
        with urllib.request.urlopen(request, timeout=10) as resp:
            return resp.status
    except urllib.error.HTTPError as exc:
        return exc.code


@pytest.mark.parametrize("path", ["/_cluster/health", "/_cat/indices", "/_all/_search", "/_security/_authenticate"])
def test_anonymous_requests_are_refused(node: LocalNode, path: str) -> None:
    assert _status(node.url + path) == 401


def test_a_wrong_password_is_refused_and_the_client_gets_in(node: LocalNode, settings) -> None:
    creds = node.credentials()
    assert creds is not None
    assert _status(node.url + "/_cluster/health", (creds.username, creds.password + "x")) == 401
    assert _status(node.url + "/_cluster/health", ("elastic", "changeme")) == 401  # reserved users are off
    client = make_client(settings)
    assert client.security.authenticate()["username"] == creds.username
    assert node.status().security == "on"


def test_the_service_user_cannot_manage_security(node: LocalNode, settings) -> None:
    from elasticsearch import AuthorizationException

    with pytest.raises(AuthorizationException):
        make_client(settings).security.put_user(username="intruder", password="long-enough-pw", roles=["superuser"])


def test_node_files_are_not_world_readable(node: LocalNode) -> None:
    creds = credentials_path(node.base)
    assert stat.S_IMODE(creds.stat().st_mode) == 0o600
    assert stat.S_IMODE(node.base.stat().st_mode) & 0o077 == 0
    exposed = world_readable(node.private_paths(), 0o004)
    assert exposed == []
    assert (node.home / "config" / "users").stat().st_uid == node.base.stat().st_uid  # the node's user owns it
