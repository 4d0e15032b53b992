"""Entity hygiene and language per sentence: junk that must go, names that must stay, mixed documents."""

from __future__ import annotations

import pytest

from models.ner import SOURCE_EN, SOURCE_KO, NerTagger
from models.ner.chunking import hangul_islands, language_runs, segment_language, segments
from models.ner.hygiene import REASONS, junk_reason
from models.ner.tagger import KO_ARTIFACT

JUNK = [
    ("PERSON", "Sid\nVincent", SOURCE_EN, "line_break"),
    ("ORG", "Ministerul Educaţiei\tOficiu Service", SOURCE_EN, "line_break"),
    ("ORG", "press@nurimall.example", SOURCE_EN, "identifier"),
    ("ORG", "https://nurimall.example/notice", SOURCE_EN, "identifier"),
    ("LOCATION", "au-suchtipps145.gif", SOURCE_EN, "identifier"),
    ("ORG", "GADLmKHTI8ycc9Wp7BV+5mCPpHgLhoQe6Y8ia9B2Gyg5", SOURCE_EN, "identifier"),
    ("ORG", "9f86d081884c7d659a2feaa0c55ad015", SOURCE_EN, "identifier"),
    ("ORG", "KRW 90bn", SOURCE_EN, "amount"),
    ("ORG", "165bn", SOURCE_EN, "amount"),
    ("LOCATION", "40", SOURCE_KO, "amount"),
    ("ORG", "312억 원", SOURCE_KO, "amount"),
    ("PERSON", "Владимир", SOURCE_EN, "script"),
    ("ORG", "EntÃ£o talvez", SOURCE_EN, "script"),
    ("PERSON", "\uf0fc Le", SOURCE_EN, "script"),
    ("ORG", "RAM", SOURCE_EN, "technical"),
    ("ORG", "VAT", SOURCE_EN, "technical"),
    ("ORG", "SHA-256", SOURCE_EN, "technical"),
    ("ORG", "PDF/A", SOURCE_KO, "technical"),
    ("ORG", "HWPX", SOURCE_KO, "technical"),
    ("ORG", "사실을 신고하였다", SOURCE_KO, "predicate"),
    ("PERSON", "바탕체", SOURCE_KO, "font"),
    ("PERSON", "나눔고딕", SOURCE_KO, "font"),
    ("ORG", "HY헤드라인M", SOURCE_KO, "font"),
    ("ORG", "HY견명조", SOURCE_EN, "font"),
    ("PERSON", "누름틀롱 누름틀롱", SOURCE_KO, "repeated"),
    ("PERSON", "Annex A.", SOURCE_EN, "reference"),
    ("ORG", "Section 4.2", SOURCE_EN, "reference"),
    ("ORG", "Exhibit E-7", SOURCE_EN, "reference"),
    ("ORG", "Schedule 2(b)", SOURCE_EN, "reference"),
    ("ORG", "별첨 1", SOURCE_KO, "reference"),
    ("ORG", "제3조", SOURCE_KO, "reference"),
    ("PERSON", "심전도", SOURCE_KO, "common_noun"),
    ("PERSON", "게이트웨이", SOURCE_KO, "common_noun"),
    ("PERSON", "보안담당자", SOURCE_KO, "common_noun"),
    ("PERSON", "결제대행사", SOURCE_EN, "common_noun"),
    ("PERSON", "A", SOURCE_EN, "too_short"),
    ("PERSON", "John Smith46", SOURCE_EN, "digits"),
    ("LOCATION", "Sheet1", SOURCE_EN, "digits"),
]

NAMES = [
    ("PERSON", "김민준", SOURCE_KO), ("PERSON", "박", SOURCE_KO), ("PERSON", "A", SOURCE_KO),
    ("PERSON", "말론브랜도", SOURCE_KO), ("PERSON", "安倍晋三", SOURCE_KO), ("LOCATION", "北京", SOURCE_KO),
    ("LOCATION", "한", SOURCE_KO), ("ORG", "kbs", SOURCE_KO), ("PERSON", "2NE1", SOURCE_KO),
    ("PERSON", "트럼프", SOURCE_KO), ("PERSON", "이순신", SOURCE_KO), ("PERSON", "탁무진", SOURCE_KO),
    ("PERSON", "남궁민수", SOURCE_KO), ("PERSON", "재석", SOURCE_KO), ("LOCATION", "게이트웨이", SOURCE_KO),
    ("ORG", "HY 그룹", SOURCE_KO), ("PERSON", "Art Garfunkel", SOURCE_EN), ("PERSON", "Sirhan Sirhan", SOURCE_EN),
    ("PERSON", "김 민수", SOURCE_KO), ("LOCATION", "Table Mountain", SOURCE_EN), ("PERSON", "Page", SOURCE_EN),
    ("ORG", "개인정보보호위원회", SOURCE_KO), ("ORG", "한국남부발전", SOURCE_KO), ("ORG", "국방부 감사관실", SOURCE_KO),
    ("PERSON", "Satya Nadella", SOURCE_EN), ("PERSON", "bin Laden", SOURCE_EN), ("PERSON", "Zoë Kravitz", SOURCE_EN),
    ("LOCATION", "florida", SOURCE_EN), ("LOCATION", "MD", SOURCE_EN), ("ORG", "AP", SOURCE_EN),
    ("ORG", "Audi A3", SOURCE_EN), ("ORG", "3M", SOURCE_EN), ("ORG", "Hana Card", SOURCE_EN),
    ("ORG", "Nurimall Singapore Pte.", SOURCE_EN), ("LOCATION", "Ai", SOURCE_EN), ("ORG", "Microsoft", SOURCE_EN),
]


@pytest.mark.parametrize(("label", "text", "source", "reason"), JUNK)
def test_junk_goes_with_its_reason(label, text, source, reason):
    assert reason in REASONS
    assert junk_reason(label, text, source) == reason


@pytest.mark.parametrize(("label", "text", "source"), NAMES)
def test_real_names_stay(label, text, source):
    assert junk_reason(label, text, source) is None


def test_other_labels_are_never_judged():
    assert junk_reason("MONEY", "KRW 90bn", SOURCE_EN) is None and junk_reason("DATE", "2025\n11", SOURCE_KO) is None


def test_sentences_route_by_their_own_language():
    text = "경찰은 어제 압수수색을 벌였다. John Smith of Microsoft visited Seoul on Monday. 이후 조사가 이어졌다."
    runs = language_runs(text, "ko", False, 0.3, 5000)
    assert [language for _, language in runs] == ["ko", "en", "ko"]
    assert all(text[c.start:c.start + len(c.text)] == c.text for c, _ in runs)
    assert "".join(c.text for c, _ in runs) == text
    assert segment_language("Ich habe deinem Handy eine kurze Nachricht geschickt.", None, True, 0.3) is None
    assert segment_language("Ich habe deinem Handy eine kurze Nachricht geschickt.", None, False, 0.3) is None
    assert segment_language("Best regards, Dan", None, True, 0.3) is None  # short, in a German document
    assert segment_language("Best regards, Dan", "ko", False, 0.3) == "en"
    assert segment_language("2025-11-29 12:00", "ko", False, 0.3) is None
    assert [s.text for s in segments("a. b\n\nc")] == ["a. ", "b\n\n", "c"]
    [island] = hangul_islands(runs[1][0].__class__(10, "Prepared by 김민준 (team)"))
    assert (island.start, island.text) == (22, "김민준")


@pytest.mark.skipif(not (KO_ARTIFACT / "meta.json").exists(), reason="Korean model not trained")
def test_mixed_document_gets_both_languages_entities():
    tagger = NerTagger()
    korean = "경찰은 어제 서울에서 압수수색을 벌였다. John Smith of Microsoft visited Seoul on Monday. 이후 조사가 이어졌다."
    english = "Prepared by 김민준 (Investigation Team 2)\nThe meeting with Tim Cook of Apple was postponed."
    german = "Die Teilnahme an der Veranstaltung in Potsdam ist kostenlos, sagte Frau Müller gestern."
    found_ko, found_en, found_de = tagger.tag([korean, english, german], ["ko", "en", "de"])
    by_source = {(e.text, e.source) for e in found_ko}
    assert {("John Smith", SOURCE_EN), ("Microsoft", SOURCE_EN)} <= by_source
    assert any(e.source == SOURCE_KO for e in found_ko)
    assert ("김민준", SOURCE_KO) in {(e.text, e.source) for e in found_en if e.label == "PERSON"}
    assert {"Tim Cook", "Apple"} <= {e.text for e in found_en if e.source == SOURCE_EN}
    assert [e for e in found_de if e.source == SOURCE_EN] == []  # German is not English
    for text, found in ((korean, found_ko), (english, found_en)):
        assert all(text[e.start:e.end] == e.text for e in found)
        spans = sorted((e.start, e.end) for e in found)
        assert all(a[1] <= b[0] for a, b in zip(spans, spans[1:]))  # islands never overlap English mentions
