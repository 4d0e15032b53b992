"""The HTTP API: tokens, access filter, original download, custody, audit."""

from __future__ import annotations

from pathlib import Path

from fastapi.testclient import TestClient

from evidex.web.app import create_app
from evidex.search.identity import User
from evidex.pipeline.batch import BatchSpec
from evidex.samples import write_demo_batch
from evidex.search.factory import search_service
from evidex.search.users import UserDirectory
from flows.runtime import run_ingest


def test_api_search_view_download_custody(settings, tmp_path: Path) -> None:
    batch = write_demo_batch(tmp_path / "b")
    run_ingest(BatchSpec(batch, "knpa", "A1", "E-7"), settings)
    users = UserDirectory(settings.data_dir)
    police = {"Authorization": f"Bearer {users.add(User('kim', 'knpa'))}"}
    labour = {"Authorization": f"Bearer {users.add(User('lee', 'moel'))}"}
    client = TestClient(create_app(settings, search_service(settings)))

    assert client.get("/api/search", params={"q": "쿠팡"}).status_code == 401
    assert client.get("/api/search", params={"q": "쿠팡"}, headers={"Authorization": "Bearer nope"}).status_code == 401
    found = client.get("/api/search", params={"q": "쿠팡"}, headers=police).json()
    assert found["total"] >= 2
    assert client.get("/api/search", params={"q": "쿠팡"}, headers=labour).json()["total"] == 0

    hit = next(h for h in found["hits"] if h["path"] == "보고서_유출사고.txt")
    doc = client.get(f"/api/documents/{hit['doc_id']}", headers=police).json()
    assert "쿠팡의" in doc["text"]
    original = client.get(f"/api/documents/{hit['doc_id']}/original", headers=police)
    assert original.content == (batch / "보고서_유출사고.txt").read_bytes()
    custody = client.get(f"/api/documents/{hit['doc_id']}/custody", headers=police).json()
    assert custody["events"][0]["event"] == "batch_received" and custody["events"][0]["exhibit"] == "E-7"
    assert client.get(f"/api/documents/{hit['doc_id']}/original", headers=labour).status_code == 404
    analyst = {"Authorization": f"Bearer {users.add(User('han', 'knpa', ('analyst',)))}"}
    assert client.get(f"/api/documents/{hit['doc_id']}", headers=analyst).status_code == 200
    assert client.get(f"/api/documents/{hit['doc_id']}/original", headers=analyst).status_code == 403
    assert client.get("/", headers=police).status_code == 200

    audit = (settings.data_dir / "audit.jsonl").read_text(encoding="utf-8")
    assert '"action": "download"' in audit and '"action": "view_custody"' in audit
    assert audit.count('"outcome": "denied_or_missing"') == 1
