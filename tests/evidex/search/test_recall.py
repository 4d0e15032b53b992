"""Recall for words no dictionary knows, precision for compounds, names and dates: on a generated case.

Made-up Korean codenames (2–6 syllables, the way nicknames, shell companies and code words look to Kiwi) are
written into sentences with and without particles, into mail subjects and bodies and into scanned pages that go
through OCR; each must be found by its bare form. Compound/near-miss pairs must give no false hit.
"""

from __future__ import annotations

import random
from dataclasses import asdict
from email.message import EmailMessage
from pathlib import Path

import pytest

from evidex.pipeline.batch import BatchSpec
from evidex.search.builder import Filters
from evidex.search.factory import search_service
from evidex.search.identity import User
from evidex.settings import load_settings
from flows.runtime import run_ingest

SYLLABLES = ("가나다라마바사아자차카타파하거너더러머버서어저처커터퍼허고노도로모보소오조초코토포호구누두루무부수우"
             "주추쿠투푸후기니디리미비시이지치키티피히네데레메베세에제케테페헤린민빈신진한란만반산잔탄판강낭당랑"
             "망방상장창탕팡항")
PARTICLES = ("은", "는", "이", "가", "을", "를", "의", "에게", "와", "과", "로", "에서", "도", "만", "")
FRAMES = ("{w} 중심으로 자금이 이동하였다.", "어제 {w} 관련 회의가 열렸다.", "담당자는 {w} 계정을 삭제했다고 진술했다.",
          "채팅방에서 {w} 닉네임이 반복해서 등장한다.", "{w} 측은 유출 사실을 부인하였다.")
NEAR_MISSES = [  # (query, must find, must not find)
    ("개인정보", "고객 개인정보보호위원회에 신고하였다.", "개인적으로 말하자면 그 정보는 틀렸다."),
    ("유출사고", "이번 유출사고의 원인은 서명키였다.", "유출된 자료와 교통 사고 기록을 대조하였다."),
    ("결제대행", "결제대행사 계약서를 압수하였다.", "결제 후 다른 업체가 업무를 대행하였다."),
    ("배송기사", "야간 배송기사 근무표를 제출받았다.", "배송 중 사고를 다룬 신문 기사가 있다."),
]
PARTICLE_MISSES = [  # parts with only a particle, an ending or a suffix between them are not neighbours (nothing
    # else between them is left in text_ko, so the phrase of the morphemes alone matches these: held through
    # text_ko_pairs, which a document indexed before pairs broke at such gaps has only once reindexed)
    ("개인정보", "개인 정보 처리방침을 고쳤다.", "개인적인 정보라고 말했다."),
    ("서버관리", "서버관리 대장을 압수하였다.", "서버를 관리하는 부서가 없다."),
    ("보안팀", "보안팀 회의록을 확보하였다.", "보안이 팀 전체의 과제다."),
    ("접근권한", "퇴사자의 접근권한을 회수하지 않았다.", "접근할 권한이 없었다."),
]


def codenames(count: int, seed: int = 5) -> list[str]:
    rng = random.Random(seed)
    names: set[str] = set()
    while len(names) < count:
        names.add("".join(rng.choice(SYLLABLES) for _ in range(rng.randint(2, 6))))
    return sorted(names)


def _scan(path: Path, lines: list[str]) -> None:
    """A page image of ``lines`` in a Korean font, the way a scanner delivers a printed page."""
    from PIL import Image, ImageDraw, ImageFont

    font = ImageFont.truetype("/usr/share/fonts/truetype/nanum/NanumGothic.ttf", 44)
    image = Image.new("L", (1700, 140 + 90 * len(lines)), 255)
    draw = ImageDraw.Draw(image)
    for i, line in enumerate(lines):
        draw.text((80, 70 + 90 * i), line, font=font, fill=0)
    image.save(path, dpi=(300, 300))


@pytest.fixture(scope="module")
def case(es_node, tmp_path_factory):
    if not Path("/usr/share/fonts/truetype/nanum/NanumGothic.ttf").exists():
        pytest.skip("fonts-nanum is not installed (scripts/setup.sh installs it)")
    root = tmp_path_factory.mktemp("recall")
    settings = load_settings(data_dir=root / "data", es_dir=es_node.es_home, es_local_port=es_node.es_local_port,
                             es_index_prefix=f"rc{random.randrange(16**8):08x}", workers=1, enrich_workers=1,
                             hmac_secret="recall", topics_enabled=False)
    batch = root / "batch"
    batch.mkdir()
    rng = random.Random(9)
    names = codenames(42)
    placed: dict[str, str] = {}
    for i, name in enumerate(names[:30]):  # sentences, with and without particles
        frame = FRAMES[i % len(FRAMES)]
        word = name + rng.choice(PARTICLES)
        (batch / f"note_{i:02d}.txt").write_text("수사 메모\n" + frame.format(w=word) + "\n", encoding="utf-8")
        placed[name] = f"note_{i:02d}.txt"
    for i, name in enumerate(names[30:38]):  # mail: subject or body
        mail = EmailMessage()
        mail["From"] = "informant@example.org"
        mail["To"] = "desk@knpa.example"
        mail["Subject"] = f"{name}{'의 ' if i % 2 else ' '}건" if i % 3 == 0 else "자료 송부"
        mail.set_content(f"요청하신 자료입니다. {name}{PARTICLES[i % len(PARTICLES)]} 거래 내역을 첨부합니다.")
        (batch / f"mail_{i:02d}.eml").write_bytes(bytes(mail))
        placed[name] = f"mail_{i:02d}.eml"
    scanned = [n for n in names[38:42]]
    for i, name in enumerate(scanned):  # OCR'd scans
        _scan(batch / f"scan_{i:02d}.png", ["압수물 분석 보고서", f"{name}에게 송금한 기록이 확인되었다."])
        placed[name] = f"scan_{i:02d}.png"
    for i, (_, hit, miss) in enumerate(NEAR_MISSES + PARTICLE_MISSES):
        (batch / f"pair_{i}_hit.txt").write_text(hit, encoding="utf-8")
        (batch / f"pair_{i}_miss.txt").write_text(miss, encoding="utf-8")
    (batch / "customers_dump.csv").write_text("id,name\n1,홍길동\n", encoding="utf-8")
    (batch / "marks.txt").write_text("미래정보통신이 고객 개인정보를 넘겼고, 담당자는 유출했다고 인정하였다.", encoding="utf-8")
    run_ingest(BatchSpec(batch, "knpa", "R1"), settings)
    service = search_service(settings)
    service.client.indices.refresh(index=service.docs)
    yield service, placed
    p = settings.es_index_prefix
    service.client.indices.delete(index=f"{p}-docs-v1,{p}-audit-v1,{p}-records-v1", ignore_unavailable=True)


USER = User("kim", "knpa", ("investigator",))


def test_every_codename_is_found_by_its_bare_form(case) -> None:
    service, placed = case
    missed = {}
    for name, path in placed.items():
        paths = [h.path for h in service.search(USER, name, limit=20).hits]
        if path not in paths:
            missed[name] = (path, paths[:3])
    assert not missed, f"{len(missed)} of {len(placed)} codenames not found: {missed}"


def test_an_index_without_trigrams_in_every_document_finds_them_through_bigrams(case) -> None:
    """An index upgraded in place (``text_tri`` and ``text_ko_pairs`` added to its mapping, not yet reindexed) is
    searched through ``text_bi`` and ``text_ko``; once marked complete, through the added fields: both find every
    codename and hold the compound/near-miss pairs (``PARTICLE_MISSES`` only through ``text_ko_pairs``)."""
    import index_config
    from index_config import COMPLETE, mark_complete

    service, placed = case
    word = next(n for n in placed if len(n) >= 3)
    assert "trigrams" in service.search(USER, word).explain["words"][0]  # a new index: complete
    concrete, mapping = next(iter(service.client.indices.get_mapping(index=service.docs).items()))
    service.client.indices.put_mapping(index=concrete, meta={**mapping["mappings"]["_meta"], COMPLETE: []})
    index_config._complete_cache.clear()
    try:
        result = service.search(USER, word)
        assert "bigrams" in result.explain["words"][0] and "trigrams" not in result.explain["words"][0]
        assert "morpheme_pairs" not in service.search(USER, "개인정보").explain["words"][0]
        missed = [n for n, path in placed.items()
                  if path not in [h.path for h in service.search(USER, n, limit=20).hits]]
        assert not missed, missed
        for index, (query, _, _) in enumerate(NEAR_MISSES):
            paths = {h.path for h in service.search(USER, query, limit=50).hits}
            assert f"pair_{index}_hit.txt" in paths and f"pair_{index}_miss.txt" not in paths, query
    finally:
        mark_complete(service.client, service.docs)
    assert "trigrams" in service.search(USER, word).explain["words"][0]
    assert service.search(USER, "개인정보").explain["words"][0]["morpheme_pairs"] == ["개인_정보"]


def test_a_codename_found_through_bigrams_is_highlighted(case) -> None:
    service, placed = case
    name, path = next((n, p) for n, p in placed.items() if p.startswith("note_") and len(n) >= 3)
    hit = next(h for h in service.search(USER, name).hits if h.path == path)
    assert any(f"[{name}" in s or name in s.replace("[", "").replace("]", "") and "[" in s for s in hit.snippets), \
        hit.snippets


@pytest.mark.parametrize("query,marked,unmarked", [
    ("미래정보통신", "[미래정보통신이]", "개인정보"),  # a compound is not marked by one of its parts
    ("개인정보가", "[개인정보를]", "미래정보통신"),  # the stem's other forms are marked, not a word sharing a part
    ("유출한", "[유출했다고]", "개인정보"),
])
def test_highlights_mark_what_matched_and_nothing_else(case, query: str, marked: str, unmarked: str) -> None:
    service, _ = case
    hit = next(h for h in service.search(USER, query).hits if h.path == "marks.txt")
    shown = " ".join(hit.snippets)
    assert marked in shown and f"[{unmarked}" not in shown, shown


@pytest.mark.parametrize("query,hit,miss", NEAR_MISSES + PARTICLE_MISSES)
def test_compounds_match_as_phrases_of_their_parts(case, query: str, hit: str, miss: str) -> None:
    service, _ = case
    index = (NEAR_MISSES + PARTICLE_MISSES).index((query, hit, miss))
    paths = {h.path for h in service.search(USER, query, limit=50).hits}
    assert f"pair_{index}_hit.txt" in paths
    assert f"pair_{index}_miss.txt" not in paths


def test_a_longer_word_inside_a_compound_is_found(case) -> None:
    service, _ = case
    assert "pair_0_hit.txt" in {h.path for h in service.search(USER, "보호위원회").hits}


def test_file_names_and_field_syntax(case) -> None:
    service, _ = case
    assert "customers_dump.csv" in {h.path for h in service.search(USER, "customers_dump.csv").hits}
    assert "customers_dump.csv" in {h.path for h in service.search(USER, "name:customers_dump.csv").hits}
    assert {h.path for h in service.search(USER, "name:mail_*", limit=50).hits} == \
        {f"mail_{i:02d}.eml" for i in range(8)}
    found = service.search(USER, "from:informant@example.org", limit=50)
    assert found.total == 8
    assert service.search(USER, "type:png", limit=50).total == 4


def test_explain_tells_what_the_query_became(case) -> None:
    service, placed = case
    name = next(iter(placed))
    result = service.search(USER, f"{name} name:note_*")
    words = result.explain["words"]
    assert words[0]["word"] == name and words[0]["bigrams"] and "morphemes" in words[0]
    assert result.explain["fields"] == ["name:note_*"]
    pivot = service.search(USER, "010-1234-5678")
    assert pivot.explain.get("identifiers") == ["PHONE"] and "1234" not in str(asdict(pivot))


def test_dates_facet_and_sort(case) -> None:
    service, _ = case
    result = service.search(USER, "", limit=5, sort="date")
    assert "date" in result.facets
    with pytest.raises(Exception, match="date"):
        service.search(USER, "date:2025-13")
