"""Content morphemes keep where a particle, an ending or a suffix stood between two of them (``GAP``), and the
morpheme pairs of ``text_ko_pairs`` never cross one: a compound's parts are neighbours only when nothing but
white space separates them."""

from __future__ import annotations

import pytest

from index_config.analysis import GAP, analyse_many, korean_terms
from index_config.bigrams import morpheme_pairs, query_pairs


@pytest.mark.parametrize("text,paired,unpaired", [
    ("개인정보를 유출하였다.", "개인_정보", None),
    ("개인 정보 처리방침", "개인_정보", None),  # white space alone is no gap
    ("개인적인 정보라고 말했다.", None, "개인_정보"),  # 적 (suffix), 이 and ㄴ (copula, ending) between
    ("서버를 관리하는 부서", None, "서버_관리"),
    ("보안이 팀 전체의 과제다.", None, "보안_팀"),
])
def test_pairs_never_cross_a_gap(text: str, paired: str | None, unpaired: str | None) -> None:
    gapped = korean_terms(text, gaps=True)
    pairs = morpheme_pairs(gapped).split()
    assert korean_terms(text) == " ".join(t for t in gapped.split() if t != GAP)  # the morphemes themselves
    if paired:
        assert paired in pairs, pairs
    if unpaired:
        assert GAP in gapped.split() and unpaired not in pairs, (gapped, pairs)


def test_index_analysis_writes_the_gaps_and_a_query_word_with_one_has_no_pair_phrase() -> None:
    (text_ko, _), = analyse_many(["개인적인 정보"])
    assert text_ko.split() == ["개인", GAP, "정보"]
    assert query_pairs(korean_terms("개인적정보", gaps=True).split()) == []  # falls back to the morphemes' phrase
    assert query_pairs(korean_terms("개인정보를", gaps=True).split()) == ["개인_정보"]
