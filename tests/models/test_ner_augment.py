"""Mention replacement for the English NER's training sentences (``models.ner.augment``)."""

from __future__ import annotations

import random

from models.ner.augment import mention_pool, variant
from models.ner.corpus_ko import CharSpan, LabelledText


def _item(text: str, marks: list[tuple[str, str]], missing: tuple[str, ...] = ()) -> LabelledText:
    spans = tuple(CharSpan(text.index(m), text.index(m) + len(m), tag) for m, tag in marks)
    return LabelledText(text, spans, tuple((text.index(m), text.index(m) + len(m)) for m in missing), "s1", "en")


def test_a_variant_puts_other_mentions_of_the_same_label_in_place():
    items = [_item("Tim Cook of Apple visited Paris on Monday .", [("Tim Cook", "PERSON"), ("Apple", "ORG"),
                                                                   ("Paris", "LOCATION")], missing=("Monday",)),
             _item("Satya Nadella runs Microsoft from Redmond .", [("Satya Nadella", "PERSON"), ("Microsoft", "ORG"),
                                                                   ("Redmond", "LOCATION")])]
    pool = mention_pool(items)
    assert pool["ORG"] == ["Apple", "Microsoft"]
    rng = random.Random(3)
    changed = 0
    for _ in range(200):
        made = variant(items[0], pool, rng)
        assert [s.tag for s in made.spans] == ["PERSON", "ORG", "LOCATION"]
        for span in made.spans:
            assert made.text[span.start:span.end].lower() in {m.lower() for m in pool[span.tag]}
        [(start, end)] = made.missing
        assert made.text[start:end].lower() == "monday"  # unannotated ranges stay, unannotated
        assert made.text.lower().endswith("on monday .")
        changed += made.text.lower() != items[0].text.lower()
    assert 100 < changed < 200


def test_a_sentence_without_mentions_or_with_overlapping_ranges_is_its_own_variant():
    plain = _item("nothing to see here .", [])
    odd = LabelledText("New York City", (CharSpan(0, 8, "LOCATION"),), ((4, 13),), "s2", "en")
    pool = {"LOCATION": ["Seoul"]}
    assert variant(plain, pool, random.Random(1)) is plain
    assert variant(odd, pool, random.Random(1)) is odd
