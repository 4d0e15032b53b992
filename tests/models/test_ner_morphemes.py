"""Kiwi once per Korean document: the NER and index-time analysis share one analysis (models.ner.morphemes)."""

from __future__ import annotations

import pytest

from index_config.analysis import analyse_many
from models.identifiers import find_identifiers
from models.ner import NerConfig, NerTagger
from models.ner.morphemes import Morpheme, Morphemes, document_morphemes, for_analysis, pieces
from models.ner.tagger import KO_ARTIFACT

TEXT = ("경찰청은 어제 서울에서 김철수 씨를 조사했다고 밝혔다.\n"
        "John Smith of Microsoft visited Seoul on Monday.\n"
        "쿠팡 물류센터 담당자 이영희 과장에게 010-2345-6789로 연락했다.")


def test_window_clips_and_shifts_and_without_drops_touching_morphemes():
    found = Morphemes.of([Morpheme(0, 2, "서울", "NNP"), Morpheme(2, 3, "에", "JKB"), Morpheme(4, 6, "가다", "VV")])
    assert found.window(1, 5) == [(0, 1, "NNP"), (1, 2, "JKB"), (3, 4, "VV")]
    assert found.window(3, 4) == []
    assert [m.form for m in found.without([(2, 3)]).items] == ["서울", "가다"]
    assert found.without([]) is found


def test_pieces_cover_the_text_in_order():
    text = ("가나다 라마바\n" * 50)[:-1]
    cut = pieces(text, 64)
    assert "".join(p for _, p in cut) == text
    assert all(text[o:o + len(p)] == p and len(p) <= 64 for o, p in cut)


def test_documents_without_hangul_are_not_analysed():
    assert document_morphemes(["only English here", ""]) == [None, None]


@pytest.mark.skipif(not (KO_ARTIFACT / "meta.json").exists(), reason="Korean model not trained")
def test_ner_from_shared_morphemes_matches_its_own_kiwi_and_never_loads_it():
    shared = NerTagger(NerConfig())
    own = NerTagger(NerConfig())
    morphemes = document_morphemes([TEXT])
    found = shared.tag([TEXT], [None], morphemes)[0]
    assert shared.pipeline("ko").tokenizer._kiwi is None  # the pipeline's own Kiwi never ran
    assert [(e.label, e.text, e.start) for e in found] == [(e.label, e.text, e.start)
                                                          for e in own.tag([TEXT], [None])[0]]
    assert {"김철수", "이영희", "John Smith"} <= {e.text for e in found if e.label == "PERSON"}


def test_analysis_from_shared_morphemes_keeps_no_identifier_digit():
    secret = b"test-secret"
    identifiers = find_identifiers(TEXT, secret=secret)
    assert [e.label for e in identifiers if e.sensitive] == ["PHONE"]
    blanked = TEXT.replace("010-2345-6789", " " * len("010-2345-6789"))
    morphemes = document_morphemes([TEXT])
    shared = analyse_many([blanked], [for_analysis(morphemes[0], identifiers)])[0]
    own = analyse_many([blanked])[0]
    assert shared == own
    assert "2345" not in shared[0] and "6789" not in shared[0]
    assert "쿠팡" in shared[0].split() and "경찰청" in shared[0].split()


def test_topics_from_shared_morphemes_are_the_topics_of_their_own_kiwi_run(monkeypatch: pytest.MonkeyPatch):
    """The topic features take a Korean document's one analysis (no second Kiwi run) and give the same topics;
    a text too long to be one piece is analysed by the features themselves, as before."""
    import models.topics.morphs as features
    from models.topics.features import KiwiMorphemes
    from models.enrich import EnrichConfig, Enricher
    from models.ner.morphemes import PIECE_CHARS

    texts = [TEXT,
             "고객 개인정보 3천만 건이 외부 서버로 유출되어 개인정보보호위원회가 조사에 착수했다. 접속 기록과 방화벽 로그를 확보했다.",
             "야간 배송 기사들의 근로시간이 주 52시간을 넘었다는 신고가 노동부에 접수됐다. 물류센터 근무표를 제출하라고 요구했다.",
             "법인세 신고에서 이전가격 조정으로 해외 자회사에 이익을 옮긴 정황이 있다. 국세청이 세무조사를 예고했다."]
    long_text = texts[1] * (PIECE_CHARS // len(texts[1]) + 2)
    languages = ["ko"] * (len(texts) + 1)
    enricher = Enricher(EnrichConfig(b"topics-test-key"))
    features._analyse_cached.cache_clear()
    own = enricher.enrich_many(texts + [long_text], languages)
    assert any(e.topics for e in own)

    features._analyse_cached.cache_clear()
    runs: list[str] = []
    kiwi = features.shared_kiwi()

    class Counting:
        def tokenize(self, text: str):
            runs.append(text)
            return kiwi.tokenize(text)

    monkeypatch.setattr(features, "shared_kiwi", lambda: Counting())
    shared = enricher.enrich_many(texts + [long_text], languages, document_morphemes(texts + [long_text]))
    assert [e.topics for e in shared] == [e.topics for e in own]
    assert len(runs) == 1 and len(runs[0]) == features.MAX_CHARS  # only the long text's head, by the features
    for text, found in zip(texts, document_morphemes(texts)):
        with features.given_morphemes({text: found.items}):
            assert KiwiMorphemes().transform([text]) == [features._analyse_text(text, features.CONTENT_TAGS,
                                                                                        True)]
