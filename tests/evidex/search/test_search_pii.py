"""Identifiers in search: pivots by keyed hash, masking in every rendered output."""

from __future__ import annotations

import json
from dataclasses import asdict
from pathlib import Path

from evidex.search.identity import User
from evidex.pipeline.batch import BatchSpec
from evidex.search.builder import Filters
from evidex.search.factory import search_service
from flows.runtime import run_ingest

RRN = "850315-1234566"  # valid pre-2020 check digit
CARD = "4111 1111 1111 1111"


def test_phone_pivot_and_masking(settings, tmp_path: Path) -> None:
    batch = tmp_path / "b"
    batch.mkdir()
    (batch / "a.txt").write_text("피의자 연락처 010-1234-5678 로 연락함", encoding="utf-8")
    (batch / "b.txt").write_text("Call the suspect at +82 10 1234 5678 tomorrow.", encoding="utf-8")
    (batch / f"{RRN}_신분증사본.txt").write_text(f"주민등록번호 {RRN}, 카드번호 {CARD} 결제 내역", encoding="utf-8")
    summary = run_ingest(BatchSpec(batch, "knpa", "P1"), settings)
    assert RRN not in json.dumps(summary.as_dict(), ensure_ascii=False)

    service = search_service(settings)
    investigator = User("kim", "knpa", ("investigator",))
    pivot = service.search(investigator, "+82 10 1234 5678")
    assert {h.path for h in pivot.hits} >= {"a.txt", "b.txt"}
    pivot2 = service.search(investigator, "010.1234.5678")
    assert {h.path for h in pivot2.hits} >= {"a.txt", "b.txt"}

    found = service.search(investigator, "카드번호")
    rendered = json.dumps([asdict(h) for h in found.hits], ensure_ascii=False)
    assert found.total == 1
    assert RRN not in rendered and "1234566" not in rendered
    assert CARD not in rendered and "4111111111111111" not in rendered
    document = service.get(investigator, found.hits[0].doc_id)
    assert RRN not in json.dumps(document, ensure_ascii=False)
    pivot_by_entity = service.search(investigator, "", Filters(entity=("PHONE", "010-1234-5678")))
    assert pivot_by_entity.total >= 0

    # the pivots fetched the phone's token table; its masked form, the same in every document, is then known
    from evidex.search.display import TOKEN_TABLE_STATS

    before = dict(TOKEN_TABLE_STATS)
    shown = " ".join(next(h for h in service.search(investigator, "suspect").hits if h.path == "b.txt").snippets)
    assert "010-****-5678" in shown and "1234" not in shown, shown
    assert TOKEN_TABLE_STATS == {"known": before["known"] + 1, "fetched": before["fetched"]}
    officer = User("yoon", "knpa", ("privacy_officer",))
    raw = " ".join(next(h for h in service.search(officer, "suspect", reveal=True).hits if h.path == "b.txt").snippets)
    assert "+82 10 1234 5678" in raw and TOKEN_TABLE_STATS["fetched"] == before["fetched"] + 1  # its own spelling
    revealed = service.search(officer, "카드번호", reveal=True)
    assert RRN in json.dumps([asdict(h) for h in revealed.hits], ensure_ascii=False)
    audit = (settings.data_dir / "audit.jsonl").read_text(encoding="utf-8")
    assert "1234 5678" not in audit and "010.1234.5678" not in audit and "010-1234-5678" not in audit
    assert '"revealed": true' in audit


def test_snippet_cut_inside_an_identifier_shows_no_digits_of_it(settings, tmp_path: Path) -> None:
    batch = tmp_path / "b"
    batch.mkdir()
    filler = " ".join(["가나다라마바사"] * 40)
    (batch / "long.txt").write_text(f"카드번호 {CARD} {filler} 유출 {filler} 주민번호 {RRN}", encoding="utf-8")
    run_ingest(BatchSpec(batch, "knpa", "P2"), settings)
    service = search_service(settings)
    found = service.search(User("kim", "knpa"), "유출 가나다라마바사")
    rendered = json.dumps([asdict(h) for h in found.hits], ensure_ascii=False)
    assert found.total == 1
    assert "1111 1111" not in rendered and "1234566" not in rendered
