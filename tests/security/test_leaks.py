"""Attacks on masking and on the wall between agencies, tried through every endpoint and the CLI.

Three agencies: the police (knpa) hold a batch full of personal identifiers, one document of which the financial
commission (fsc) also sees because the batch is shared with it; the data-protection commission (pipc) holds a
byte-identical copy of one police file inside its own unshared archive. Every masked role reads everything it
can, and no response, snippet, facet, custody record, error, log, receipt or Prefect record may carry a raw value.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import uuid
import zipfile
from email.message import EmailMessage
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

REPO = Path(__file__).resolve().parents[2]
RRN = "790326-2708605"
PHONE = "010-4821-7735"
CARD = "4111-1111-1111-1111"
EMAIL = "younghee.lee@example.com"
# every way a raw value could show: as written, digits only, and the parts a masked form must hide
FORBIDDEN = [RRN, "7903262708605", "2708605", PHONE, "01048217735", "4821-7735", "48217735", CARD, "4111111111111111",
             "1111-1111", EMAIL, "younghee.lee", "younghee"]
MASKED_ROLES = ("clerk", "investigator", "analyst")


WHOLE = [RRN, "7903262708605", PHONE, "01048217735", CARD, "4111111111111111", EMAIL]
"""Whole values: what the audit journal may not hold either (it records what users typed, guesses included)."""


def leaks(text: str, forbidden: list[str] = FORBIDDEN) -> list[str]:
    return [value for value in forbidden if value in text]


@pytest.fixture(scope="module")
def world(es_node, tmp_path_factory):
    """Three agencies' batches ingested once, tokens for every role, an API client."""
    root = tmp_path_factory.mktemp("leaks")
    prefix = f"t{uuid.uuid4().hex[:10]}"
    settings = load_settings(data_dir=root / "data", es_dir=es_node.es_home, es_local_port=es_node.es_local_port,
                             es_index_prefix=prefix, workers=1, enrich_workers=1, hmac_secret="leak-secret")
    police = root / "police"
    police.mkdir()
    (police / "진술서.txt").write_text(
        f"피의자 이영희의 주민등록번호는 {RRN} 이고 휴대폰은 {PHONE} 이다. 결제 카드 {CARD} 로 "
        f"부정 결제가 있었다. 메일 주소 {EMAIL} 로 연락하였다. 쿠팡 내부 보고서 참조.", encoding="utf-8")
    (police / f"연락처_{PHONE}.txt").write_text("연락처 목록 파일 쿠팡 협력사", encoding="utf-8")
    (police / "statement_en.txt").write_text(
        f"The suspect Lee Yeonghui (RRN {RRN}) used card {CARD} and phone {PHONE}; mail {EMAIL}. "
        "Coupang shipping records were copied.", encoding="utf-8")
    mail = EmailMessage()
    mail["From"] = f"Lee Yeonghui <{EMAIL}>"
    mail["To"] = "investigator@knpa.example"
    mail["Subject"] = f"연락처 {PHONE}"
    mail.set_content(f"쿠팡 건 관련 자료를 보냅니다. 제 번호는 {PHONE} 입니다.")
    (police / "mail.eml").write_bytes(bytes(mail))
    run_ingest(BatchSpec(police, "knpa", "K1", "E-1", shared_with=("fsc",)), settings)

    privacy = root / "privacy"
    privacy.mkdir()
    with zipfile.ZipFile(privacy / "pipc_private_dump.zip", "w") as archive:
        archive.writestr("pipc_secret_folder/copy_of_statement.txt", (police / "진술서.txt").read_bytes())
    run_ingest(BatchSpec(privacy, "pipc", "P9", "E-9"), settings)

    service = search_service(settings)
    service.client.indices.refresh(index=f"{prefix}-docs")
    directory = UserDirectory(settings.data_dir)
    tokens = {role: directory.add(User(f"u-{role}", "knpa", (role,))) for role in (*MASKED_ROLES, "privacy_officer")}
    tokens["fsc"] = directory.add(User("u-fsc", "fsc", ("investigator",)))
    client = TestClient(create_app(settings, service))
    yield {"settings": settings, "service": service, "client": client, "tokens": tokens, "root": root}
    service.client.indices.delete(index=f"{prefix}-docs-v1,{prefix}-audit-v1,{prefix}-records-v1", ignore_unavailable=True)


def _get(world, role: str, path: str, **params):
    return world["client"].get(path, params=params, headers={"Authorization": f"Bearer {world['tokens'][role]}"})


def _all_responses(world, role: str) -> list[str]:
    """Every search, document, custody and facet response a user of ``role`` can obtain for the case."""
    bodies = []
    ids = set()
    for q in ["쿠팡", "", "연락처", "Coupang", "이영희", "younghee", RRN, PHONE, EMAIL, '"주민등록번호는"']:
        response = _get(world, role, "/api/search", q=q, limit=50)
        assert response.status_code == 200, response.text
        body = response.json()
        body.pop("explain")  # it repeats the words the user typed (identifiers by their type only)
        bodies.append(json.dumps(body, ensure_ascii=False))
        ids |= {h["doc_id"] for h in response.json()["hits"]}
    assert ids, "the masked user found nothing at all"
    for doc_id in ids:
        for reveal in ("false", "true"):  # asking to reveal without the right changes nothing
            bodies.append(_get(world, role, f"/api/documents/{doc_id}", reveal=reveal).text)
        bodies.append(_get(world, role, f"/api/documents/{doc_id}/custody").text)
    return bodies


@pytest.mark.parametrize("role", MASKED_ROLES)
def test_no_raw_identifier_reaches_a_masked_role(world, role: str) -> None:
    found = [(value, body[:200]) for body in _all_responses(world, role) for value in leaks(body)]
    assert not found, f"{role} received raw identifiers: {found[:5]}"


def test_the_privacy_officer_sees_raw_values_and_pivots_work(world) -> None:
    found = _get(world, "privacy_officer", "/api/search", q="카드", reveal="true").json()
    assert found["total"] >= 1 and any(RRN in s or CARD in s for h in found["hits"] for s in h["snippets"])
    doc = _get(world, "privacy_officer", f"/api/documents/{found['hits'][0]['doc_id']}", reveal="true").json()
    assert RRN in doc["text"] and "pii_" not in doc["text"]
    for written in (PHONE, "+82 10 4821 7735", "010.4821.7735"):
        pivot = _get(world, "investigator", "/api/search", q=written).json()
        assert pivot["total"] >= 3, written  # statement, English statement, mail (and the file named after it)
        assert all(not leaks(json.dumps(h, ensure_ascii=False)) for h in pivot["hits"])
    masked = _get(world, "investigator", "/api/search", q=PHONE).json()
    assert any("010-****-7735" in s for h in masked["hits"] for s in h["snippets"])


def test_entities_and_facets_hold_no_identifier(world) -> None:
    found = _get(world, "investigator", "/api/search", q="").json()
    for name, buckets in found["facets"].items():
        assert not any(leaks(str(key)) or "@" in str(key) for key, _ in buckets), (name, buckets)
    for hit in found["hits"]:
        doc = _get(world, "analyst", f"/api/documents/{hit['doc_id']}").json()
        for label, values in (doc.get("entities") or {}).items():
            assert not leaks(json.dumps(values, ensure_ascii=False)), (label, values)


@pytest.mark.parametrize("probe", ["790326*", "7903262*", "2708605", "4821", "7735", '"4821 7735"', "4821-7735",
                                   "younghee*", "younghee.lee*", "example.com younghee", "01048217734~2",
                                   "4111*", "1111", "lee@example.com"])
def test_probes_of_the_searchable_text_find_nothing(world, probe: str) -> None:
    response = _get(world, "investigator", "/api/search", q=probe)
    assert response.status_code in (200, 422), response.text
    if response.status_code == 200:
        hits = response.json()["hits"]
        assert not [h for h in hits if "진술서" in h["path"] or "statement" in h["path"]], probe


def test_a_list_of_candidate_identifiers_is_refused_and_audited(world) -> None:
    candidates = " | ".join(f"790326-2{n:06d}" for n in range(708600, 708640))
    response = _get(world, "investigator", "/api/search", q=f"+주민등록번호는 +({candidates})")
    assert response.status_code == 422 and "at most 3" in response.json()["detail"]
    audit = (world["settings"].data_dir / "audit.jsonl").read_text(encoding="utf-8")
    assert "refused" in audit and not leaks(audit, WHOLE)


def test_enumeration_is_throttled_and_flagged(world) -> None:
    statuses = []
    for n in range(40):
        response = _get(world, "clerk", "/api/search", q=f"쿠팡 010-4821-{7000 + n:04d}")
        statuses.append(response.status_code)
    assert 429 in statuses and statuses[0] == 200
    records = [json.loads(line) for line in
               (world["settings"].data_dir / "audit.jsonl").read_text(encoding="utf-8").splitlines()]
    assert any(r.get("flags") and r["user"] == "u-clerk" for r in records)


def test_custody_shows_no_other_agency(world) -> None:
    found = _get(world, "investigator", "/api/search", q="주민등록번호는").json()
    hit = next(h for h in found["hits"] if h["path"] == "진술서.txt")
    custody = _get(world, "investigator", f"/api/documents/{hit['doc_id']}/custody")
    text = custody.text
    assert "pipc" not in text and "copy_of_statement" not in text and "pipc_secret_folder" not in text
    assert custody.json()["other_holders"] == 1


@pytest.mark.parametrize("params", [{"q": "쿠팡", "offset": 10001}, {"q": "쿠팡", "offset": 9995, "limit": 10},
                                    {"q": " | ".join(f"w{n}" for n in range(4000))},
                                    {"q": "쿠팡", "case": "x" * 40000}, {"q": "쿠팡", "agency": "kpna"},
                                    {"q": "쿠팡", "limit": 0}, {"q": '"unclosed ((( +-|~*'}])
def test_bad_requests_are_4xx_and_audited(world, params) -> None:
    response = _get(world, "investigator", "/api/search", **params)
    assert 400 <= response.status_code < 500 or (response.status_code == 200 and params["q"].startswith('"')), \
        response.text
    assert "Traceback" not in response.text
    follow = _get(world, "investigator", "/api/search", q="쿠팡")
    assert follow.status_code == 200


def test_labels_only_by_the_owner(world) -> None:
    from evidex.search.labels import LabelStore

    service = world["service"]
    found = service.search(User("f", "fsc"), "쿠팡")
    assert found.total >= 1  # shared with fsc
    store = LabelStore(world["settings"].data_dir, service)
    with pytest.raises(PermissionError, match="owning agency"):
        store.set(User("f", "fsc", ("analyst",)), found.hits[0].doc_id, "fraud_payment",
                  known_topics={"fraud_payment"})


def test_security_headers_and_a_local_api_reference(world) -> None:
    page = world["client"].get("/")
    assert page.headers["X-Frame-Options"] == "DENY" and page.headers["X-Content-Type-Options"] == "nosniff"
    script_src = page.headers["Content-Security-Policy"].split("script-src", 1)[1].split(";", 1)[0]
    assert "'self'" in script_src and "unsafe" not in script_src and "http" not in script_src
    docs = world["client"].get("/api/docs")
    assert docs.status_code == 200 and "<script" not in docs.text and "/api/search" in docs.text
    assert "http" not in docs.text.replace("/api/openapi.json", "")


def test_revoked_and_expired_tokens_are_refused(world) -> None:
    directory = UserDirectory(world["settings"].data_dir)
    token = directory.add(User("tmp", "knpa"))
    headers = {"Authorization": f"Bearer {token}"}
    assert world["client"].get("/api/search", params={"q": "쿠팡"}, headers=headers).status_code == 200
    assert directory.revoke("tmp")
    assert world["client"].get("/api/search", params={"q": "쿠팡"}, headers=headers).status_code == 401
    expired = directory.add(User("old", "knpa"), ttl_days=-1)
    assert world["client"].get("/api/search", params={"q": "쿠팡"},
                               headers={"Authorization": f"Bearer {expired}"}).status_code == 401
    states = {t.name: t.state for t in directory.tokens()}
    assert states["tmp"] == "revoked" and states["old"] == "expired"


def test_stored_records_hold_no_raw_identifier(world) -> None:
    data = world["settings"].data_dir
    for path in (data / "receipts").glob("*.json"):
        assert not leaks(path.read_text(encoding="utf-8")), path
    assert not leaks((data / "audit.jsonl").read_text(encoding="utf-8"), WHOLE)
    prefect_home = Path(os.environ["PREFECT_HOME"])
    stored = b"".join(p.read_bytes() for p in prefect_home.rglob("*") if p.is_file() and p.stat().st_size < 200e6)
    assert PHONE.encode() not in stored and "연락처_010".encode() not in stored
    # the searchable fields of the index itself: read with the node's own credentials
    service = world["service"]
    raw = service.client.search(index=service.docs, size=50, source_excludes=["pii_values"])
    assert not leaks(json.dumps(raw.body, ensure_ascii=False))


def _cli(world, *args: str, env_extra: dict | None = None) -> subprocess.CompletedProcess:
    settings = world["settings"]
    env = {**os.environ, "EVIDEX_DATA_DIR": str(settings.data_dir), "EVIDEX_ES_DIR": str(settings.es_home),
           "EVIDEX_ES_LOCAL_PORT": str(settings.es_local_port), "EVIDEX_ES_INDEX_PREFIX": settings.es_index_prefix,
           "EVIDEX_HMAC_SECRET": "leak-secret", **(env_extra or {})}
    return subprocess.run([sys.executable, "-m", "evidex.cli", *args], env=env, cwd=REPO, capture_output=True,
                          text=True, timeout=300)


def test_cli_masks_and_answers_bad_input_in_one_line(world) -> None:
    statement = world["root"] / "police" / "진술서.txt"
    enriched = _cli(world, "enrich", str(statement))
    assert enriched.returncode == 0, enriched.stderr
    assert not leaks(enriched.stdout), enriched.stdout
    searched = _cli(world, "search", "주민등록번호는", "--as", "kim@knpa:investigator")
    assert searched.returncode == 0 and "주민등록번호" in searched.stdout and not leaks(searched.stdout)
    for args in (["search", "쿠팡", "--as", "bad"], ["search", "쿠팡", "--as", "kim@kpna"],
                 ["search", "쿠팡", "--limit", "0"], ["users", "add", "x", "--agency", "kpna"]):
        result = _cli(world, *args)
        assert result.returncode != 0, args
        assert "Traceback" not in result.stderr and len(result.stderr.strip().splitlines()) <= 4, result.stderr
    unreachable = _cli(world, "search", "쿠팡", env_extra={"EVIDEX_ES_URL": "http://127.0.0.1:9"})
    assert unreachable.returncode == 1 and "Traceback" not in unreachable.stderr, unreachable.stderr
