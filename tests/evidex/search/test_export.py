"""Exports of whole result sets: every matching row exactly once, masked by role, one audit record with its count.

Documents are generated straight into the index (``build_document`` and a bulk load, not the NLP pipeline):
the police hold a case whose file names and titles carry phone numbers, the data-protection commission holds
unshared documents with the same words, which no police export may contain.
"""

from __future__ import annotations

import csv
import io
import json
import uuid
from pathlib import Path

import pytest
from click.testing import CliRunner
from fastapi.testclient import TestClient

from evidex.cli.root import main
from evidex.custody.catalog import Item
from evidex.pipeline.indexer import BulkIndexer
from evidex.search.builder import Filters
from evidex.search.export import DEFAULT_FIELDS, encode_rows, start_export
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

SECRET = "export-secret"
INVESTIGATOR = User("kim", "knpa", ("investigator",))
OFFICER = User("park", "knpa", ("privacy_officer",))


def phone(n: int) -> str:
    return f"010-{5000 + n % 4000:04d}-{1000 + n % 9000:04d}"


def generate(settings, count: int, *, agency: str = "knpa", case: str = "X1", every_phone: int = 50,
             start: int = 0) -> None:
    """``count`` small documents of one agency, bulk-indexed; every ``every_phone``-th names a phone number."""
    secret = settings.secret_bytes()
    docs = []
    for n in range(start, start + count):
        with_phone = n % every_phone == 0
        name = f"연락처 {phone(n)}.txt" if with_phone else f"report_{n:05d}.txt"
        text = f"수사 보고서 {n} 블루문 exportword 자료." + (f" 연락처는 {phone(n)} 이다." if with_phone else "")
        item = Item(item_id=f"{agency}-{n:06d}", batch_id=f"B-{agency}", sha256=f"{n:064x}", size=len(text),
                    path=f"{case}/{name}", name=name, parent_id=None, root_id=f"{agency}-{n:06d}", depth=0,
                    agency=agency, case_id=case, exhibit="E-1")
        extracted = Extracted(status=Status.OK, text=text, content_type="text/plain", language="ko")
        enrichment = Enrichment(entities=tuple(find_identifiers(text, secret=secret)))
        docs.append(build_document(item, extracted, enrichment, shared_with=[], secret=secret,
                                   analysed=("수사 보고서 블루문", "exportword")))
    service = search_service(settings)
    BulkIndexer(service.client, service.docs).index(docs)
    service.client.indices.refresh(index=service.docs)


def _settings(es_node, root: Path):
    return load_settings(data_dir=root / "data", es_dir=es_node.es_home, es_local_port=es_node.es_local_port,
                         es_index_prefix=f"t{uuid.uuid4().hex[:10]}", workers=1, enrich_workers=1, hmac_secret=SECRET)


@pytest.fixture(scope="module")
def small(es_node, tmp_path_factory):
    """1,300 police documents (more than one page of the tests' 500-row pages) and 40 unshared ones of pipc."""
    settings = _settings(es_node, tmp_path_factory.mktemp("export"))
    generate(settings, 1300)
    generate(settings, 40, agency="pipc", case="P1", start=90_000)
    service = search_service(settings)
    yield settings, service
    drop(settings)


def drop(settings) -> None:
    prefix = settings.es_index_prefix
    search_service(settings).client.indices.delete(index=f"{prefix}-docs-v1,{prefix}-audit-v1",
                                                   ignore_unavailable=True)


def exports(service) -> list[dict]:
    assert service.audit.flush()  # index copies of audit records are sent in the background
    service.client.indices.refresh(index=service.audit.alias)
    response = service.client.search(index=service.audit.alias, query={"term": {"action": "export"}}, size=100,
                                     sort=[{"seq": "asc"}])
    return [h["_source"] for h in response["hits"]["hits"]]


def test_an_export_has_every_match_once_masked_and_audited(small) -> None:
    settings, service = small
    before = len(exports(service))
    stream = start_export(service, INVESTIGATOR, "exportword", page_size=500)
    rows = list(stream)
    assert len(rows) == 1300 and len({r["id"] for r in rows}) == 1300
    assert all(r["agency"] == "knpa" for r in rows)
    assert tuple(rows[0]) == DEFAULT_FIELDS
    named = [r for r in rows if r["name"].startswith("연락처 ")]
    assert len(named) == 26
    blob = json.dumps(rows, ensure_ascii=False)
    assert not any(phone(n) in blob or phone(n).replace("-", "") in blob for n in range(0, 1300, 50))
    assert all("****" in r["name"] or "*" in r["name"] for r in named), named[:2]
    records = exports(service)
    assert len(records) == before + 1
    assert records[-1]["result_count"] == 1300 and records[-1]["outcome"] == "ok"
    assert records[-1]["query"] == "exportword" and records[-1]["user"] == "kim"


def test_a_revealing_role_sees_raw_values(small) -> None:
    _, service = small
    rows = list(start_export(service, OFFICER, "블루문", Filters(case_id="X1"), reveal=True,
                             fields=("id", "name", "title")))
    assert len(rows) == 1300
    assert any(r["name"] == f"연락처 {phone(50)}.txt" for r in rows)


def test_texts_are_exported_masked(small) -> None:
    _, service = small
    rows = list(start_export(service, INVESTIGATOR, "exportword", fields=("id", "text")))
    assert len(rows) == 1300
    with_phone = [r for r in rows if "연락처는" in r["text"]]
    assert len(with_phone) == 26 and all("pii_" not in r["text"] and "*" in r["text"] for r in with_phone)
    assert not any(phone(n) in r["text"] for r in with_phone for n in range(0, 1300, 50))


def test_csv_and_jsonl_and_a_reader_stopping_early(small) -> None:
    _, service = small
    csv_text = b"".join(encode_rows(start_export(service, INVESTIGATOR, "exportword", page_size=500), "csv"))
    table = list(csv.DictReader(io.StringIO(csv_text.decode("utf-8-sig"))))
    assert len(table) == 1300 and list(table[0]) == list(DEFAULT_FIELDS)
    lines = b"".join(encode_rows(start_export(service, INVESTIGATOR, "exportword", page_size=500), "jsonl"))
    parsed = [json.loads(line) for line in lines.decode().splitlines()]
    assert len(parsed) == 1300 and {p["id"] for p in parsed} == {t["id"] for t in table}
    chunks = encode_rows(start_export(service, INVESTIGATOR, "exportword", page_size=500), "jsonl", chunk_rows=100)
    next(chunks)
    chunks.close()  # the client went away
    last = exports(service)[-1]
    assert last["result_count"] == 100 and last["outcome"].startswith("stopped")


def test_refused_exports_are_audited(small) -> None:
    _, service = small
    with pytest.raises(QueryRefused):
        start_export(service, INVESTIGATOR, "010-1234-5678 010-2222-3333 010-4444-5555 010-6666-7777")
    with pytest.raises(QueryRefused):
        start_export(service, INVESTIGATOR, "exportword", fields=("id", "pii_values"))
    last = exports(service)[-1]
    assert last["outcome"].startswith("refused") and "010-1234-5678" not in json.dumps(last)


def test_export_through_the_cli_and_the_api(small, tmp_path: Path) -> None:
    settings, service = small
    env = {"EVIDEX_ES_INDEX_PREFIX": settings.es_index_prefix, "EVIDEX_HMAC_SECRET": SECRET,
           "EVIDEX_ES_DIR": str(settings.es_home), "EVIDEX_ES_LOCAL_PORT": str(settings.es_local_port)}
    out = tmp_path / "rows.csv"
    result = CliRunner(env=env).invoke(main, ["--data-dir", str(settings.data_dir), "export", "exportword",
                                              "--as", "kim@knpa", "--case", "X1", "--format", "csv",
                                              "--output", str(out)], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader(io.StringIO(out.read_text(encoding="utf-8-sig"))))
    assert len(rows) == 1300 and not any(phone(50) in r["name"] for r in rows)
    assert "1300 rows" in result.output or "1,300 rows" in result.output

    token = UserDirectory(settings.data_dir).add(User("lee", "knpa", ("analyst",)))
    client = TestClient(create_app(settings, service))
    headers = {"Authorization": f"Bearer {token}"}
    response = client.get("/api/export", params={"q": "exportword", "format": "jsonl", "fields": "id,name"},
                          headers=headers)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("application/x-ndjson")
    lines = [json.loads(line) for line in response.text.splitlines()]
    assert len(lines) == 1300 and set(lines[0]) == {"id", "name"}
    assert phone(50) not in response.text
    bad = client.get("/api/export", params={"q": "exportword", "format": "xml"}, headers=headers)
    assert bad.status_code == 422
    assert client.get("/api/export", params={"q": "x"}).status_code == 401
    assert exports(service)[-1]["user"] == "lee"


@pytest.fixture(scope="module")
def large(es_node, tmp_path_factory):
    settings = _settings(es_node, tmp_path_factory.mktemp("export12k"))
    generate(settings, 12_000, every_phone=500)
    service = search_service(settings)
    yield service
    drop(settings)


@pytest.mark.slow
def test_an_export_of_12000_rows(large) -> None:
    service = large
    stream = start_export(service, INVESTIGATOR, "exportword")
    ids = [row["id"] for row in stream]
    assert len(ids) == 12_000 and len(set(ids)) == 12_000
    assert exports(service)[-1]["result_count"] == 12_000


@pytest.mark.slow
def test_paging_to_the_last_of_12000_matches_returns_each_once(large) -> None:
    service = large
    seen: list[str] = []
    result = service.search(INVESTIGATOR, "exportword", limit=1000, cursor="", facets=False)
    pages = 1
    seen += [h.doc_id for h in result.hits]
    while result.next_cursor:
        result = service.search(INVESTIGATOR, "exportword", limit=1000, cursor=result.next_cursor)
        seen += [h.doc_id for h in result.hits]
        pages += 1
    assert result.total == 12_000 and len(seen) == 12_000 and len(set(seen)) == 12_000
    assert pages in (12, 13)
    with pytest.raises(Exception, match="another query"):
        service.search(INVESTIGATOR, "other words", limit=1000, cursor=service.search(
            INVESTIGATOR, "exportword", limit=10, cursor="").next_cursor)
