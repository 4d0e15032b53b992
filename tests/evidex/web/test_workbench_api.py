"""The workbench API with users of two agencies: sessions, copies, near-duplicates, family, pages, annotations,
saved searches and uploads; nothing of an unshared case appears and every read is audited."""

from __future__ import annotations

import io
import json
import time
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

MEMO = ("수사 보고. 피의자는 2025년 11월 고객 배송지 정보에 접근하였고 접근 기록은 서버 로그에 남아 있다. "
        "보안팀은 서명키를 폐기하고 새 키를 발급하였다. 유출 규모는 약 3370만 건으로 추정되며 관련 부서는 "
        "경찰청과 개인정보보호위원회에 사실을 통보하였다. 향후 조치로 접근 권한을 재검토하고 외부 감사를 받을 예정이다. "
        "담당 부서는 주간 보고서를 작성하여 제출한다. 회의록은 별도로 보관한다. 압수한 노트북 두 대와 외장 하드 한 개는 "
        "증거물 보관실에 봉인하여 두었다. 포렌식 분석팀은 디스크 이미지를 만들고 해시 값을 기록하였다. 분석 결과는 "
        "다음 달 첫째 주에 보고될 예정이며 추가 압수수색 영장 신청 여부는 그 결과를 보고 결정한다. 피의자의 진술은 "
        "일관되지 않았고 동료 직원 세 명의 참고인 진술을 더 받을 필요가 있다.")
OTHER = ("야간 배송 기사들의 근무 시간 기록을 고용노동부에 제출하였다. 휴게 시간이 보장되지 않은 사례가 다수 있었고 "
         "건강 검진 결과와 함께 검토가 필요하다. 물류센터별 인력 현황표와 교대 근무 일정표를 첨부한다. "
         "노동조합의 의견서도 함께 접수되었다. 다음 주에 현장 점검이 예정되어 있다.")


def _blank_pdf(path: Path) -> None:
    import pypdfium2 as pdfium

    pdf = pdfium.PdfDocument.new()
    pdf.new_page(300, 200)
    pdf.save(str(path))
    pdf.close()


@pytest.fixture(scope="module")
def bench(es_node, tmp_path_factory):
    root = tmp_path_factory.mktemp("wb")
    prefix = f"t{uuid.uuid4().hex[:10]}"
    settings = load_settings(data_dir=root / "data", es_dir=es_node.es_home, es_local_port=es_node.es_local_port,
                             es_index_prefix=prefix, workers=1, enrich_workers=1, hmac_secret="wb",
                             topics_enabled=False)
    batch = root / "police"
    (batch / "a").mkdir(parents=True)
    (batch / "b").mkdir()
    (batch / "a" / "memo.txt").write_text(MEMO, encoding="utf-8")
    (batch / "b" / "memo_copy.txt").write_text(MEMO, encoding="utf-8")  # same bytes twice
    (batch / "memo_edited.txt").write_text(MEMO.replace("주간 보고서", "주간 보고서(초안)"), encoding="utf-8")
    (batch / "other.txt").write_text(OTHER, encoding="utf-8")
    (batch / "contacts.txt").write_text("연락처 010-2468-1357", encoding="utf-8")
    _blank_pdf(batch / "scan.pdf")
    first = EmailMessage()
    first["From"], first["To"], first["Subject"] = "a@example.org", "b@example.org", "자료 요청"
    first["Message-ID"] = "<thread-1@example.org>"
    first.set_content("자료를 보내 주십시오.")
    reply = EmailMessage()
    reply["From"], reply["To"], reply["Subject"] = "b@example.org", "a@example.org", "Re: 자료 요청"
    reply["Message-ID"], reply["In-Reply-To"] = "<thread-2@example.org>", "<thread-1@example.org>"
    reply.set_content("첨부와 같이 보냅니다.")
    (batch / "first.eml").write_bytes(bytes(first))
    (batch / "reply.eml").write_bytes(bytes(reply))
    with zipfile.ZipFile(batch / "bundle.zip", "w") as archive:
        archive.writestr("inside/one.txt", "압축 파일 안의 첫째 문서")
        archive.writestr("inside/two.txt", "압축 파일 안의 둘째 문서")
    run_ingest(BatchSpec(batch, "knpa", "W1"), settings)
    service = search_service(settings)
    service.client.indices.refresh(index=service.docs)
    directory = UserDirectory(settings.data_dir)
    tokens = {"kim": directory.add(User("kim", "knpa", ("investigator",))),
              "clerk": directory.add(User("lee", "knpa", ("clerk",))),
              "moel": directory.add(User("park", "moel", ("investigator",)))}
    yield {"settings": settings, "service": service, "tokens": tokens,
           "app": create_app(settings, service)}
    service.client.indices.delete(index=f"{prefix}-docs-v1,{prefix}-audit-v1,{prefix}-records-v1", ignore_unavailable=True)


def _client(bench, who: str) -> TestClient:
    client = TestClient(bench["app"])
    client.headers["Authorization"] = f"Bearer {bench['tokens'][who]}"
    return client


def _doc(client: TestClient, path: str) -> str:
    hits = client.get("/api/search", params={"q": "", "limit": 100, "group_copies": "false"}).json()["hits"]
    return next(h["doc_id"] for h in hits if h["path"] == path)


def test_sessions_cookie_and_csrf(bench) -> None:
    client = TestClient(bench["app"])
    assert client.get("/api/session").status_code == 401
    assert client.post("/api/session", json={"token": "x" * 20}).status_code == 401
    signed = client.post("/api/session", json={"token": bench["tokens"]["kim"]})
    assert signed.status_code == 200
    cookie = signed.headers["set-cookie"].lower()
    assert "httponly" in cookie and "samesite=strict" in cookie
    csrf = signed.json()["csrf"]
    assert client.get("/api/search", params={"q": "수사"}).status_code == 200  # the cookie alone reads
    doc = _doc(client, "other.txt")
    assert client.post(f"/api/documents/{doc}/star", json={"starred": True}).status_code == 403  # no CSRF header
    assert client.post(f"/api/documents/{doc}/star", json={"starred": True},
                       headers={"X-CSRF-Token": csrf}).status_code == 200
    client.delete("/api/session", headers={"X-CSRF-Token": csrf})
    client.cookies.clear()
    assert client.get("/api/search", params={"q": "수사"}).status_code == 401


def test_one_hit_per_original_with_its_occurrences(bench) -> None:
    hits = _client(bench, "kim").get("/api/search", params={"q": "서명키를 폐기"}).json()["hits"]
    copies = [h for h in hits if h["path"] in ("a/memo.txt", "b/memo_copy.txt")]
    assert len(copies) == 1 and len(copies[0]["occurrences"]) == 2


def test_near_duplicates_grouped_and_diffed(bench) -> None:
    client = _client(bench, "kim")
    memo = _doc(client, "memo_edited.txt")
    similar = client.get(f"/api/documents/{memo}/similar").json()["similar"]
    assert {s["path"] for s in similar} & {"a/memo.txt", "b/memo_copy.txt"}
    assert "other.txt" not in {s["path"] for s in similar}
    other = _doc(client, "other.txt")
    assert client.get(f"/api/documents/{other}/similar").json()["similar"] == []
    diff = client.get("/api/diff", params={"a": memo, "b": similar[0]["id"]}).json()["diff"]
    assert "(초안)" in diff


def test_family_archive_members_and_mail_thread(bench) -> None:
    client = _client(bench, "kim")
    bundle = _doc(client, "bundle.zip")
    children = client.get(f"/api/documents/{bundle}/family").json()["children"]
    assert {c["path"].rsplit("/", 1)[-1] for c in children} == {"one.txt", "two.txt"}
    member = children[0]["id"]
    family = client.get(f"/api/documents/{member}/family").json()
    assert family["parent"][0]["id"] == bundle and len(family["siblings"]) == 1
    reply = _doc(client, "reply.eml")
    thread = client.get(f"/api/documents/{reply}/family").json()["thread"]
    assert [t["path"] for t in thread] == ["first.eml"]


def test_page_images_and_the_masked_rule(bench) -> None:
    client = _client(bench, "kim")
    scan = _doc(client, "scan.pdf")
    image = client.get(f"/api/documents/{scan}/pages/1")
    assert image.status_code == 200 and image.content[:8] == b"\x89PNG\r\n\x1a\n"
    assert client.get(f"/api/documents/{scan}/pages/2").status_code == 404
    contacts = _doc(client, "contacts.txt")
    refused = client.get(f"/api/documents/{contacts}/pages/1")
    assert refused.status_code == 403 and "privacy officers" in refused.json()["detail"]


def test_tags_notes_stars_are_the_agencys_own(bench) -> None:
    client = _client(bench, "kim")
    doc = _doc(client, "other.txt")
    assert client.post(f"/api/documents/{doc}/tags", json={"tag": "야간근무"}).json()["tags"] == ["야간근무"]
    noted = client.post(f"/api/documents/{doc}/notes", json={"text": "제보자 번호 010-9999-8888 확인 필요"}).json()
    assert "9999-8888" not in json.dumps(noted, ensure_ascii=False)
    viewed = client.get(f"/api/documents/{doc}").json()
    assert viewed["tags"] == ["야간근무"] and viewed["notes"][0]["user"] == "kim"
    tagged = client.get("/api/search", params={"q": "", "tag": "야간근무"}).json()
    assert [h["path"] for h in tagged["hits"]] == ["other.txt"]
    assert ["야간근무", 1] in [list(b) for b in tagged["facets"]["tag"]]
    journal = (bench["settings"].data_dir / "annotations.jsonl").read_text(encoding="utf-8")
    assert "야간근무" in journal


def test_saved_searches_per_user(bench) -> None:
    kim, clerk = _client(bench, "kim"), _client(bench, "clerk")
    kim.post("/api/saved-searches", json={"name": "유출", "query": "유출 규모", "filters": {"case": "W1"}})
    assert [s["name"] for s in kim.get("/api/saved-searches").json()["saved"]] == ["유출"]
    assert clerk.get("/api/saved-searches").json()["saved"] == []
    assert kim.delete("/api/saved-searches/유출").status_code == 200


def test_another_agency_sees_nothing_of_an_unshared_case(bench) -> None:
    kim, moel = _client(bench, "kim"), _client(bench, "moel")
    doc = _doc(kim, "bundle.zip")
    for path in (f"/api/documents/{doc}/family", f"/api/documents/{doc}/similar", f"/api/documents/{doc}/pages/1"):
        assert moel.get(path).status_code == 404, path
    assert moel.post(f"/api/documents/{doc}/tags", json={"tag": "x"}).status_code == 404
    assert moel.get("/api/batches").json()["batches"] == []
    audit = (bench["settings"].data_dir / "audit.jsonl").read_text(encoding="utf-8")
    assert '"view_family"' in audit and '"view_page"' in audit


def test_a_clerk_uploads_a_zip_and_gets_its_receipt(bench) -> None:
    clerk = _client(bench, "clerk")
    payload = io.BytesIO()
    with zipfile.ZipFile(payload, "w") as archive:
        archive.writestr("seized/notes.txt", "압수한 메모 내용")
    response = clerk.post("/api/batches", data={"case": "W2", "exhibit": "E-3", "seized_by": "lee"},
                          files=[("files", ("exhibit.zip", payload.getvalue(), "application/zip"))])
    assert response.status_code == 200, response.text
    deadline = time.monotonic() + 120
    batches: list = []
    while time.monotonic() < deadline:
        listing = clerk.get("/api/batches").json()
        batches = [b for b in listing["batches"] if b["case_id"] == "W2"]
        failed = [u for u in listing["uploads"] if u["state"] == "failed"]
        assert not failed, failed
        if batches and batches[0]["state"] == "done":
            break
        time.sleep(1)
    assert batches, "the upload never became a batch"
    receipt = clerk.get(batches[0]["receipt_url"]).json()
    assert receipt["exhibit"] == "E-3" and any(i["path"].endswith("exhibit.zip") for i in receipt["items"])
    assert _client(bench, "moel").get(batches[0]["receipt_url"]).status_code == 404
    too_big = bench["settings"].model_copy(update={"max_upload_mb": 0})
    small = TestClient(create_app(too_big, bench["service"]))
    small.headers["Authorization"] = f"Bearer {bench['tokens']['clerk']}"
    refused = small.post("/api/batches", data={"case": "W3"}, files=[("files", ("a.txt", b"x" * 10, "text/plain"))])
    assert refused.status_code == 413


def test_each_hit_counts_its_near_duplicates(bench) -> None:
    kim, moel = _client(bench, "kim"), _client(bench, "moel")
    hits = {h["path"]: h for h in kim.get("/api/search", params={"q": "", "limit": 100}).json()["hits"]}
    edited = hits["memo_edited.txt"]
    assert edited["similar_count"] == 1  # the memo (its two occurrences are one stored original)
    assert hits["other.txt"]["similar_count"] == 0
    original = next(h for p, h in hits.items() if p in ("a/memo.txt", "b/memo_copy.txt"))
    assert original["similar_count"] == 1 and len(original["occurrences"]) == 2
    assert moel.get("/api/search", params={"q": "수사 보고"}).json()["hits"] == []  # nothing of W1 for moel
    audit = (bench["settings"].data_dir / "audit.jsonl").read_text(encoding="utf-8")
    assert '"view_similar_counts"' in audit


def test_the_diff_is_word_by_word(bench) -> None:
    client = _client(bench, "kim")
    memo, edited = _doc(client, "a/memo.txt"), _doc(client, "memo_edited.txt")
    body = client.get("/api/diff", params={"a": memo, "b": edited}).json()
    changed = [(op, text) for op, text in body["words"] if op in "+-"]
    assert changed == [("-", "보고서를"), ("+", "보고서(초안)를")]
    assert body["words"][0][0] == "…"  # the long unchanged start is cut
    assert "".join(text for op, text in body["words"] if op == "=").count("주간") == 1
    assert body["a"]["path"] == "a/memo.txt" and body["b"]["path"] == "memo_edited.txt"
    assert _client(bench, "moel").get("/api/diff", params={"a": memo, "b": edited}).status_code == 404


def test_several_entity_filters_at_once(bench) -> None:
    client = _client(bench, "kim")

    def ids(*entities: str) -> set[str]:
        response = client.get("/api/search", params={"q": "", "limit": 100, "group_copies": "false",
                                                      "entity": list(entities)})
        assert response.status_code == 200, response.text
        return {h["doc_id"] for h in response.json()["hits"]}

    facets = client.get("/api/search", params={"q": ""}).json()["facets"]
    values = [f"{label}:{value}" for name, label in (("org", "ORG"), ("person", "PERSON"), ("location", "LOCATION"))
              for value, _ in facets.get(name, [])][:4]
    assert len(values) >= 2, facets
    first, second = values[0], values[1]
    assert ids(first, second) == ids(first) & ids(second)
    counted = client.get("/api/facets", params={"q": "", "entity": [first, second]}).json()
    assert counted["total"] == len(ids(first, second))  # the facets of the same result set
    phone = ids("PHONE:010-2468-1357")
    assert phone == {_doc(client, "contacts.txt")} and ids("PHONE:010-2468-1357", "PHONE:010-2468-1357") == phone
    assert client.get("/api/search", params={"entity": ["ORG:x"] * 11 + [f"ORG:{n}" for n in range(11)]}) \
        .status_code == 422
    assert client.get("/api/search", params={"entity": [first, "no-colon"]}).status_code == 422
    client.post("/api/saved-searches", json={"name": "둘", "query": "", "filters": {"entity": [first, second]}})
    saved = next(s for s in client.get("/api/saved-searches").json()["saved"] if s["name"] == "둘")
    assert saved["filters"]["entity"] == [first, second]
    audit = (bench["settings"].data_dir / "audit.jsonl").read_text(encoding="utf-8")
    assert "2468-1357" not in audit  # a pivot's identifier is masked in the audit trail, the second one too


def test_identifiers_of_a_document_pivot_by_their_token(bench) -> None:
    kim, moel = _client(bench, "kim"), _client(bench, "moel")
    contacts = _doc(kim, "contacts.txt")
    found = kim.get(f"/api/documents/{contacts}/identifiers").json()["identifiers"]
    assert [(i["label"], i["value"]) for i in found] == [("PHONE", "010-****-1357")]
    hits = kim.get("/api/search", params={"q": found[0]["token"]}).json()["hits"]
    assert [h["path"] for h in hits] == ["contacts.txt"]
    assert moel.get(f"/api/documents/{contacts}/identifiers").status_code == 404
    assert '"view_identifiers"' in (bench["settings"].data_dir / "audit.jsonl").read_text(encoding="utf-8")
