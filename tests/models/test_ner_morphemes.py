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
