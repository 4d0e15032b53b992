"""Term lists: one query per line, each with its own count, documents and error; a bad line never stops the list."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

from click.testing import CliRunner
from fastapi.testclient import TestClient

from evidex.cli.root import main
from evidex.custody.catalog import Item
from evidex.pipeline.indexer import BulkIndexer
from evidex.search.factory import search_service
from evidex.search.identity import User
from evidex.search.termlist import parse_terms, run_terms
from evidex.search.users import UserDirectory
from evidex.web.app import create_app
from extractors.base import Extracted, Status
from index_config.documents import build_document
from models.identifiers import find_identifiers
from models.types import Enrichment

INVESTIGATOR = User("kim", "knpa", ("investigator",))
TEXTS = {
    "a.txt": ("블루문서버 접속 기록과 refund 내역", "블루문서버 접속 기록 refund 내역", "refund"),
    "b.txt": ("쿠팡 협력사 명단, 연락처 010-2345-6789", "쿠팡 협력사 명단 연락처", ""),
    "c.txt": ("Shipping manifest of 쿠팡 parcels", "쿠팡", "ship manifest of parcel"),
}
LIST = """# suspects and servers
블루문서버

쿠팡
date:[2025-13-01 TO 2025-12-31]
010-1111-2222 010-3333-4444 010-5555-6666 010-7777-8888
nothing-matches-this
"""


def _index(settings) -> None:
    secret = settings.secret_bytes()
    docs = []
    for n, (name, (text, ko, en)) in enumerate(TEXTS.items()):
        item = Item(item_id=f"t-{n}", batch_id="B", sha256=f"{n:064x}", size=len(text), path=f"case/{name}",
                    name=name, parent_id=None, root_id=f"t-{n}", depth=0, agency="knpa", case_id="T1", exhibit=None)
        docs.append(build_document(item, Extracted(status=Status.OK, text=text),
                                   Enrichment(entities=tuple(find_identifiers(text, secret=secret))),
                                   shared_with=[], analysed=(ko, en), secret=secret))
    service = search_service(settings)
    BulkIndexer(service.client, service.docs).index(docs)
    service.client.indices.refresh(index=service.docs)


def test_a_bad_line_never_stops_the_list(settings) -> None:
    _index(settings)
    service = search_service(settings)
    terms = parse_terms(LIST.splitlines())
    assert [t.line for t in terms] == [2, 4, 5, 6, 7]
    results = {r.term: r for r in run_terms(service, INVESTIGATOR, terms, top=2)}
    assert results["블루문서버"].count == 1 and results["블루문서버"].hits[0].path == "case/a.txt"
    assert results["쿠팡"].count == 2 and len(results["쿠팡"].hits) == 2 and not results["쿠팡"].error
    refused = results["010-1111-2222 010-3333-4444 010-5555-6666 010-7777-8888"]
    assert refused.status == 422 and "identifiers" in refused.error and refused.count == 0
    assert results["nothing-matches-this"].count == 0 and results["nothing-matches-this"].error is None
    syntax = results["date:[2025-13-01 TO 2025-12-31]"]
    assert syntax.status == 422 and "date" in syntax.error and syntax.count == 0
    assert service.audit.flush()
    service.client.indices.refresh(index=service.audit.alias)
    audited = service.client.count(index=service.audit.alias, query={"term": {"action": "search"}})["count"]
    assert audited == len(terms)  # every term is its own audited search, refused ones included


def test_term_lists_through_the_cli_and_the_api(settings, tmp_path: Path) -> None:
    _index(settings)
    terms_file = tmp_path / "terms.txt"
    terms_file.write_text(LIST, encoding="utf-8")
    env = {"EVIDEX_ES_DIR": str(settings.es_home), "EVIDEX_ES_INDEX_PREFIX": settings.es_index_prefix,
           "EVIDEX_ES_LOCAL_PORT": str(settings.es_local_port), "EVIDEX_HMAC_SECRET": "test-secret"}
    base = ["--data-dir", str(settings.data_dir), "batch-search", str(terms_file), "--as", "kim@knpa"]
    runner = CliRunner(env=env)
    table = runner.invoke(main, base, catch_exceptions=False)
    assert table.exit_code == 0 and "case/a.txt" in table.output and "error:" in table.output
    rows = list(csv.DictReader(io.StringIO(runner.invoke(main, base + ["--format", "csv"]).stdout)))
    assert {r["term"] for r in rows} >= {"블루문서버", "쿠팡", "nothing-matches-this"}
    assert sum(1 for r in rows if r["term"] == "쿠팡") == 2
    as_json = json.loads(runner.invoke(main, base + ["--format", "json", "--top", "1"]).stdout)
    assert len(as_json) == 5 and all(len(r["hits"]) <= 1 for r in as_json)

    service = search_service(settings)
    token = UserDirectory(settings.data_dir).add(INVESTIGATOR)
    client = TestClient(create_app(settings, service))
    headers = {"Authorization": f"Bearer {token}"}
    body = {"terms": LIST.splitlines(), "top": 3, "case": "T1"}
    found = client.post("/api/batch-search", json=body, headers=headers)
    assert found.status_code == 200, found.text
    data = found.json()
    assert data["refused"] >= 1 and len(data["terms"]) == 5
    assert next(t for t in data["terms"] if t["term"] == "쿠팡")["count"] == 2
    as_csv = client.post("/api/batch-search", params={"format": "csv"}, json=body, headers=headers)
    assert as_csv.headers["content-type"].startswith("text/csv") and "블루문서버" in as_csv.text
    assert "010-2345-6789" not in found.text + as_csv.text
    too_many = client.post("/api/batch-search", json={"terms": ["x"] * 1001}, headers=headers)
    assert too_many.status_code == 422
    # several entity filters hold at once (no document here names these entities: nothing is left)
    narrowed = client.post("/api/batch-search", json={**body, "entity": ["ORG:쿠팡", "PERSON:탁무진"]}, headers=headers)
    assert narrowed.status_code == 200 and all(t["count"] == 0 for t in narrowed.json()["terms"] if not t["error"])
    malformed = client.post("/api/batch-search", json={**body, "entity": ["ORG:쿠팡", "no-label"]}, headers=headers)
    assert malformed.status_code == 422 and "LABEL:value" in malformed.text
    rows = client.get("/api/export", params=[("q", "쿠팡"), ("format", "jsonl"), ("entity", "ORG:쿠팡"),
                                             ("entity", "PERSON:탁무진")], headers=headers)
    assert rows.status_code == 200 and rows.text.strip() == ""
    assert len(client.get("/api/export", params={"q": "쿠팡", "format": "jsonl"}, headers=headers)
               .text.strip().splitlines()) == 2
