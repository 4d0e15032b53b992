"""Facets as a request of their own: the same counts as a search's, access-filtered, masked, audited, and fresh
after the index refreshes (Elasticsearch's request cache is keyed by the index's refresh generation).

Documents are generated straight into the index (``build_document`` and a bulk load, not the NLP pipeline).
"""

from __future__ import annotations

import uuid
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from evidex.custody.catalog import Item
from evidex.pipeline.indexer import BulkIndexer
from evidex.search.builder import Filters
from evidex.search.factory import search_service
from evidex.search.identity import User
from evidex.search.query import QueryRefused
from evidex.search.users import UserDirectory
from evidex.settings import load_settings
from evidex.web.app import create_app
from extractors.base import Extracted, Status
from index_config.documents import build_document
from models.identifiers import find_identifiers
from models.types import Enrichment

SECRET = "facet-secret"
POLICE = User("kim", "knpa", ("investigator",))


def _index(settings, agency: str, case: str, count: int, start: int) -> None:
    secret = settings.secret_bytes()
    docs = []
    for n in range(start, start + count):
        text = f"facetword 보고서 {n}." + (" 연락처 010-4321-8765." if n % 10 == 0 else "")
        name = f"report_{n:05d}.txt"
        item = Item(item_id=f"{agency}-{n:06d}", batch_id=f"B-{agency}", sha256=f"{n:064x}", size=len(text),
                    path=f"{case}/{name}", name=name, parent_id=None, root_id=f"{agency}-{n:06d}", depth=0,
                    agency=agency, case_id=case, exhibit="E-1")
        extracted = Extracted(status=Status.OK, text=text, content_type="text/plain", language="ko")
        enrichment = Enrichment(entities=tuple(find_identifiers(text, secret=secret)))
        docs.append(build_document(item, extracted, enrichment, shared_with=[], secret=secret,
                                   analysed=("facetword 보고서", "facetword")))
    service = search_service(settings)
    BulkIndexer(service.client, service.docs).index(docs)
    service.client.indices.refresh(index=service.docs)


@pytest.fixture(scope="module")
def world(es_node, tmp_path_factory):
    root: Path = tmp_path_factory.mktemp("facets")
    settings = load_settings(data_dir=root / "data", es_dir=es_node.es_home, es_local_port=es_node.es_local_port,
                             es_index_prefix=f"t{uuid.uuid4().hex[:10]}", workers=1, enrich_workers=1,
                             hmac_secret=SECRET)
    _index(settings, "knpa", "K1", 30, 0)
    _index(settings, "knpa", "K2", 10, 100)
    _index(settings, "pipc", "P1", 20, 200)  # not shared with the police
    yield settings, search_service(settings)
    prefix = settings.es_index_prefix
    search_service(settings).client.indices.delete(index=f"{prefix}-docs-v1,{prefix}-audit-v1",
                                                   ignore_unavailable=True)


def _audited(service, action: str) -> list[dict]:
    assert service.audit.flush()
    service.client.indices.refresh(index=service.audit.alias)
    found = service.client.search(index=service.audit.alias, query={"term": {"action": action}}, size=100,
                                  sort=[{"seq": "asc"}])
    return [h["_source"] for h in found["hits"]["hits"]]


def test_facets_alone_match_a_searchs_and_are_audited(world) -> None:
    _, service = world
    combined = service.search(POLICE, "facetword", limit=5)
    alone = service.facets(POLICE, "facetword")
    assert combined.total == alone.total == 40 and combined.total_exact
    assert alone.facets == combined.facets
    assert dict(alone.facets["case"]) == {"K1": 30, "K2": 10}  # the unshared pipc case is not counted
    assert dict(alone.facets["agency"]) == {"knpa": 40}
    assert dict(service.facets(POLICE, "facetword", Filters(case_id="K2")).facets["case"]) == {"K2": 10}
    record = _audited(service, "facets")[-1]
    assert record["user"] == "kim" and record["query"] == "facetword" and record["result_count"] == 10
    assert record["filters"] == {"case_id": "K2"}


def test_a_page_without_facets_can_count_loosely(world) -> None:
    _, service = world
    page = service.search(POLICE, "facetword", limit=3, facets=False, exact_total=False)
    assert page.facets == {} and len(page.hits) == 3
    assert page.total == 40 and page.total_exact  # under the bound, the count is still exact


def test_facets_follow_the_index_after_a_refresh(world) -> None:
    settings, service = world
    assert service.facets(POLICE, "facetword").total == 40
    assert service.facets(POLICE, "facetword").total == 40  # served from the request cache
    _index(settings, "knpa", "K3", 5, 300)
    fresh = service.facets(POLICE, "facetword")
    assert fresh.total == 45 and dict(fresh.facets["case"])["K3"] == 5
    assert service.search(POLICE, "facetword", limit=1).total == 45


def test_a_refused_facet_query_is_audited(world) -> None:
    _, service = world
    with pytest.raises(QueryRefused):
        service.facets(POLICE, "date:[2025-13-45 TO nonsense]")
    assert _audited(service, "facets")[-1]["outcome"].startswith("refused")


def test_facets_endpoint(world) -> None:
    settings, service = world
    token = UserDirectory(settings.data_dir).add(POLICE)
    client = TestClient(create_app(settings, service))
    auth = {"Authorization": f"Bearer {token}"}
    answer = client.get("/api/facets", params={"q": "facetword", "case": "K1"}, headers=auth)
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert body["total"] == 30 and ["K1", 30] in body["facets"]["case"]
    assert not any("010" in str(v) for buckets in body["facets"].values() for v, _ in buckets)
    hits = client.get("/api/search", params={"q": "facetword", "case": "K1", "facets": "false"}, headers=auth)
    assert hits.status_code == 200 and hits.json()["facets"] == {} and hits.json()["total"] == 30
    assert client.get("/api/facets", params={"q": "facetword", "entity": "nolabel"}, headers=auth).status_code == 422
    assert client.get("/api/facets", params={"q": "facetword"}).status_code == 401
