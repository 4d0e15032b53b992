"""Language detection: dominant language plus every significant one (mixed = more than one)."""

from __future__ import annotations

from extractors.language import detect_languages


def test_single_languages():
    assert detect_languages("공정거래위원회는 입찰 담합 사건을 조사하고 과징금을 부과했다. " * 5) == ("ko", ("ko",))
    assert detect_languages("The commission fined the companies for rigging public tenders. " * 5)[0] == "en"
    assert detect_languages("日本の公正取引委員会は入札談合の疑いで調査を開始しました。" * 5)[0] == "ja"
    assert detect_languages("中国国家市场监督管理总局对该公司的垄断行为进行了调查和处罚。" * 5)[0] == "zh"


def test_mixed_document_lists_both():
    text = ("공정거래위원회는 입찰 담합 사건을 조사하고 과징금을 부과했다. " * 6
            + "The commission fined the companies for rigging public tenders last year. " * 6)
    language, languages = detect_languages(text)
    assert language in ("ko", "en") and set(languages) == {"ko", "en"}


def test_too_little_text():
    assert detect_languages("12 34 --") == (None, ())
