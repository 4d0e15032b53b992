"""Cross-references across agencies: counts of what others hold, never their documents; requests to share.

The police (knpa) hold a phone and a resident number that the financial commission (fsc) and the data-protection
commission (pipc) also hold in unshared batches; a switchboard number and the company's name are everywhere; a
pipc batch marked "no cross-reference" holds a value the police have too.
"""

from __future__ import annotations

import json
import uuid
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from evidex.pipeline.batch import BatchSpec
from evidex.search.factory import search_service
from evidex.search.identity import User
from evidex.search.users import UserDirectory
from evidex.settings import load_settings
from evidex.web.app import create_app
from flows.runtime import run_ingest

PHONE = "010-3141-5926"      # knpa and fsc
RRN = "880101-1234568"       # knpa and pipc
HIDDEN = "010-2718-2818"     # knpa and pipc's no-cross-reference batch
SWITCHBOARD = "02-555-0100"  # everywhere
RAW = [PHONE, "01031415926", RRN, "8801011234568", HIDDEN, "3141-5926", "1234568"]


def _write(folder: Path, files: dict[str, str]) -> Path:
    folder.mkdir(parents=True)
    for name, text in files.items():
        (folder / name).write_text(text, encoding="utf-8")
    return folder


@pytest.fixture(scope="module")
def world(es_node, tmp_path_factory):
    root = tmp_path_factory.mktemp("xref")
    prefix = f"t{uuid.uuid4().hex[:10]}"
    settings = load_settings(data_dir=root / "data", es_dir=es_node.es_home, es_local_port=es_node.es_local_port,
                             es_index_prefix=prefix, workers=1, enrich_workers=1, hmac_secret="xref-secret",
                             topics_enabled=False)
    run_ingest(BatchSpec(_write(root / "knpa", {
        "suspect.txt": f"용의자 휴대폰 {PHONE}, 주민등록번호 {RRN}. 쿠팡 고객센터 {SWITCHBOARD} 로 문의함.",
        "contact.txt": f"제보자 연락처 {HIDDEN}. 쿠팡 대표번호 {SWITCHBOARD}.",
    }), "knpa", "K1"), settings)
    fsc_files = {f"payment_{n}.txt": f"쿠팡 결제 민원 {n}, 고객센터 {SWITCHBOARD}." for n in range(6)}
    fsc_files["fsc_secret_ledger.txt"] = f"부정 결제 계좌 명의자 연락처 {PHONE}, 쿠팡 가맹점."
    run_ingest(BatchSpec(_write(root / "fsc", fsc_files), "fsc", "F1"), settings)
    run_ingest(BatchSpec(_write(root / "pipc", {
        "pipc_dump_row.txt": f"유출 레코드: 주민등록번호 {RRN}, 쿠팡 회원, 고객센터 {SWITCHBOARD}",
    }), "pipc", "P1"), settings)
    covert = run_ingest(BatchSpec(_write(root / "covert", {"informant.txt": f"정보원 번호 {HIDDEN}"}), "pipc", "P2"),
                        settings)
    service = search_service(settings)
    directory = UserDirectory(settings.data_dir)
    tokens = {"knpa": directory.add(User("kim", "knpa", ("investigator",))),
              "pipc_inv": directory.add(User("oh", "pipc", ("investigator",))),
              "fsc_admin": directory.add(User("choi", "fsc", ("admin",))),
              "pipc_admin": directory.add(User("jung", "pipc", ("admin",)))}
    client = TestClient(create_app(settings, service))

    def call(who: str, method: str, path: str, **kwargs):
        return client.request(method, path, headers={"Authorization": f"Bearer {tokens[who]}"}, **kwargs)

    excluded = call("pipc_inv", "POST", "/api/xref/exclusions", json={"batch": covert.batch_id})
    assert excluded.status_code == 200, excluded.text
    service.client.indices.refresh(index=service.docs)
    hidden_docs = service.client.search(index=service.docs, size=100, query={"bool": {"must_not": [
        {"term": {"owner_agency": "knpa"}}]}}, source_includes=["path", "title"])["hits"]["hits"]
    yield {"call": call, "service": service, "settings": settings, "hidden": hidden_docs}
    service.client.indices.delete(index=f"{prefix}-docs-v1,{prefix}-audit-v1,{prefix}-records-v1", ignore_unavailable=True)


def _matches(world) -> tuple[dict, str]:
    response = world["call"]("knpa", "GET", "/api/xref", params={"case": "K1"})
    assert response.status_code == 200, response.text
    assert response.json()["source"] == "table"  # the holder table the ingest flow keeps, not a live count
    return response.json(), response.text


def test_each_overlap_with_its_holders_and_nothing_of_their_documents(world) -> None:
    body, text = _matches(world)
    by_value = {m["value"]: m for m in body["matches"]}
    assert "010-****-5926" in by_value, body
    phone = by_value["010-****-5926"]
    assert phone["other_agencies"] == {"fsc": 1} and phone["label"] == "PHONE"
    rrn = by_value["880101-1******"]
    assert rrn["other_agencies"] == {"pipc": 1}
    board = next(m for m in body["matches"] if m["value"].endswith("0100"))
    assert board["other_agencies"] == {"fsc": 6, "pipc": 1}
    order = [m["value"] for m in body["matches"]]
    assert order.index("010-****-5926") < order.index(board["value"])  # specific before common
    assert not any(m["value"] == "010-****-2818" for m in body["matches"])  # the covert batch never counts
    for doc in world["hidden"]:
        assert doc["_id"] not in text and doc["_source"]["path"] not in text
    assert not [raw for raw in RAW if raw in text]
    assert all(d["path"] in ("suspect.txt", "contact.txt") for m in body["matches"] for d in m["own_documents"])


def test_one_documents_values_for_the_workbench_badge(world) -> None:
    call = world["call"]
    hits = call("knpa", "GET", "/api/search", params={"q": "용의자", "group_copies": "false"}).json()["hits"]
    doc = next(h["doc_id"] for h in hits if h["path"] == "suspect.txt")
    response = call("knpa", "GET", "/api/xref", params={"doc": doc})
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["source"] == "table" and body["scope"] == {"document": doc}  # kept by the xref flow
    by_value = {m["value"]: m["other_agencies"] for m in body["matches"]}
    assert by_value["010-****-5926"] == {"fsc": 1} and by_value["880101-1******"] == {"pipc": 1}
    assert not any(v == "010-****-2818" for v in by_value)  # contact.txt's value, and covert anyway
    assert all(m["mentions"] for m in body["matches"] if m["ref"].startswith("k:"))
    for d in world["hidden"]:
        assert d["_id"] not in response.text and d["_source"]["path"] not in response.text
    assert not [raw for raw in RAW if raw in response.text]
    assert call("pipc_inv", "GET", "/api/xref", params={"doc": doc}).status_code == 404  # not theirs to see


def test_request_accept_shares_exactly_the_matching_documents(world) -> None:
    call = world["call"]
    body, _ = _matches(world)
    phone = next(m for m in body["matches"] if m["value"] == "010-****-5926")
    before = call("knpa", "GET", "/api/search", params={"q": "부정 결제 계좌"}).json()
    assert before["total"] == 0
    created = call("knpa", "POST", "/api/xref/requests", json={"ref": phone["ref"], "to": "fsc", "case": "K1",
                                                             "message": "용의자 번호 관련 자료 요청"})
    assert created.status_code == 200, created.text
    request_id = created.json()["request_id"]
    incoming = call("fsc_admin", "GET", "/api/xref/requests").json()["requests"]
    shown = next(r for r in incoming if r["request_id"] == request_id)
    assert shown["value"] == "010-****-5926" and shown["matching_documents"] == 1
    assert call("knpa", "POST", f"/api/xref/requests/{request_id}/answer", json={"accept": True}).status_code == 403
    answered = call("fsc_admin", "POST", f"/api/xref/requests/{request_id}/answer", json={"accept": True})
    assert answered.status_code == 200 and answered.json()["shared_documents"] == 1
    after = call("knpa", "GET", "/api/search", params={"q": "부정 결제 계좌"}).json()
    assert [h["path"] for h in after["hits"]] == ["fsc_secret_ledger.txt"]
    assert call("knpa", "GET", "/api/search", params={"q": "결제 민원"}).json()["total"] == 0  # only that one
    again = call("fsc_admin", "POST", f"/api/xref/requests/{request_id}/answer", json={"accept": True})
    assert again.status_code == 409


def test_a_refusal_changes_nothing_and_everything_is_audited(world) -> None:
    call = world["call"]
    body, _ = _matches(world)
    rrn = next(m for m in body["matches"] if m["value"] == "880101-1******")
    request_id = call("knpa", "POST", "/api/xref/requests",
                      json={"ref": rrn["ref"], "to": "pipc", "case": "K1"}).json()["request_id"]
    refused = call("pipc_admin", "POST", f"/api/xref/requests/{request_id}/answer", json={"accept": False})
    assert refused.status_code == 200 and refused.json()["state"] == "refused"
    assert call("knpa", "GET", "/api/search", params={"q": "유출 레코드"}).json()["total"] == 0
    journal = [json.loads(line) for line in
               (world["settings"].data_dir / "audit.jsonl").read_text(encoding="utf-8").splitlines()]
    actions = {r["action"] for r in journal}
    assert {"xref", "access_request", "access_answer", "xref_exclusion"} <= actions
    bad = call("knpa", "POST", "/api/xref/requests", json={"ref": "h:nonexistent", "to": "pipc", "case": "K1"})
    assert bad.status_code == 404
    assert call("knpa", "POST", "/api/xref/requests", json={"ref": "zz", "to": "pipc", "case": "K1"}).status_code == 422
    assert call("knpa", "GET", "/api/xref").status_code == 422  # no case or batch


def test_the_cli_marks_a_batch_before_it_lands_and_shows_only_counts(world, tmp_path) -> None:
    from click.testing import CliRunner

    from evidex.cli.root import main

    settings = world["settings"]
    env = {"EVIDEX_ES_DIR": str(settings.es_home), "EVIDEX_ES_INDEX_PREFIX": settings.es_index_prefix,
           "EVIDEX_ES_LOCAL_PORT": str(settings.es_local_port), "EVIDEX_HMAC_SECRET": "xref-secret"}
    runner = CliRunner(env=env)
    base = ["--data-dir", str(settings.data_dir)]
    source = _write(tmp_path / "covert2", {"source_b.txt": f"두 번째 정보원 {RRN}"})
    marked = runner.invoke(main, base + ["xref", "exclude", "--source", str(source), "--case", "P3",
                                         "--as", "oh@pipc:investigator"], catch_exceptions=False)
    assert marked.exit_code == 0, marked.output
    landed = run_ingest(BatchSpec(source, "pipc", "P3"), settings)
    assert landed.batch_id in marked.output  # the id the mark named is the one the batch landed under
    shown = runner.invoke(main, base + ["xref", "--case", "K1", "--as", "kim@knpa:investigator", "--json"],
                          catch_exceptions=False)
    assert shown.exit_code == 0, shown.output
    rrn = next(m for m in json.loads(shown.output)["matches"] if m["value"] == "880101-1******")
    assert rrn["other_agencies"] == {"pipc": 1}  # still the one P1 document: the marked P3 never counted
    assert "source_b" not in shown.output and "정보원" not in shown.output and RRN not in shown.output
    refused = runner.invoke(main, base + ["xref", "exclude", landed.batch_id, "--as", "kim@knpa:investigator"])
    assert refused.exit_code != 0 and "not one of knpa" in refused.output  # another agency cannot unmark it
