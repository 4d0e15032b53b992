"""The shipped common-noun lexicon is what the installed Kiwi's core dictionary says, and it judges as expected."""

from __future__ import annotations

import gzip

from models.ner import lexicon


def test_artifact_matches_the_installed_kiwi() -> None:
    with gzip.open(lexicon.ARTIFACT, "rt", encoding="utf-8") as lines:
        header = lines.readline()
    assert header.startswith(f"# kiwipiepy-model {lexicon.model_version()}:"), (
        "the lexicon was read from another kiwipiepy-model: run `python -m models.ner.lexicon`")
    assert lexicon.common_nouns() == lexicon.read_core()


def test_common_nouns_and_names() -> None:
    assert all(lexicon.common_noun_only(w) for w in ("심전도", "게이트웨이", "관리자", "솔루션"))
    # a name (also a common noun: 트럼프 is a card game's trump), a made-up name, a Wikipedia title only
    assert not any(lexicon.common_noun_only(w) for w in ("트럼프", "김민수", "탁무진", "배송지"))
    assert lexicon.common_noun_compound("보안담당자") and lexicon.common_noun_compound("결제대행사")
    assert not lexicon.common_noun_compound("남궁민수") and not lexicon.common_noun_compound("스파이크리")
