"""Query language on real documents: mixed Korean/English words, operators, phrases, identifier pivots."""

from __future__ import annotations

from pathlib import Path

from evidex.search.identity import User
from evidex.pipeline.batch import BatchSpec
from evidex.search.builder import Filters
from evidex.search.factory import search_service
from flows.runtime import run_ingest

ADMIN = User("root", "local", ("admin",))
DOCS = {
    "a.txt": "쿠팡의 결제 내역과 refund payments 목록",
    "b.txt": "쿠팡이 발표한 개인정보 유출 경위",
    "c.txt": "Shipping delays were reported by 배송 기사들",
    "d.txt": "연락처 010-9876-5432 로 문의",
    "e.txt": "회사의 개인정보가 새어 나갔다",
    "f.txt": "서류에 인정보 라고 적혀 있었다",
}


def _paths(service, query: str, filters: Filters | None = None) -> set[str]:
    return {h.path for h in service.search(ADMIN, query, filters, limit=20).hits}


def test_query_forms(settings, tmp_path: Path) -> None:
    batch = tmp_path / "q"
    batch.mkdir()
    for name, text in DOCS.items():
        (batch / name).write_text(text, encoding="utf-8")
    run_ingest(BatchSpec(batch, "knpa", "Q1"), settings)
    service = search_service(settings)
    assert _paths(service, "쿠팡 payment") == {"a.txt"}  # Korean noun + English lemma in one query
    assert _paths(service, "쿠팡") == {"a.txt", "b.txt"}
    assert _paths(service, "쿠팡 -개인정보") == {"a.txt"}
    assert _paths(service, '"개인정보 유출"') == {"b.txt"}
    assert _paths(service, "ship 기사") == {"c.txt"}
    assert _paths(service, "배송 | 결제") == {"a.txt", "c.txt"}
    assert _paths(service, "", Filters(entity=("PHONE", "+82 10 9876 5432"))) == {"d.txt"}
    # a word written as such ranks above one found only through its bigrams (인정보 inside 개인정보), both marked
    found = service.search(ADMIN, "인정보", limit=20)
    assert found.hits[0].path == "f.txt" and {h.path for h in found.hits} == {"f.txt", "e.txt", "b.txt"}
    assert all("[" in " ".join(h.snippets) for h in found.hits), [h.snippets for h in found.hits]
