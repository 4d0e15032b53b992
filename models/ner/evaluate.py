"""Print NER quality: Korean on the held-out KLUE part next to a dictionary/rule baseline, English per set.

    python -m models.ner.evaluate [--korean-only | --english-only]

Scores are entity-level with exact character edges. KLUE's entity macro F1 is the unweighted mean of the
six per-tag F1 scores (PS, LC, OG, DT, TI, QT). Korean is scored without the case gazetteer (its entries
are not KLUE's annotation policy: KLUE tags ``경찰`` but rarely an agency's full name); a second column shows
the model with it.
"""

from __future__ import annotations

import argparse
import sys
import time
from dataclasses import replace
from pathlib import Path

from models.ner.baseline_ko import DictionaryBaseline
from models.ner.corpus_en import ENGLISH_SETS, read_english
from models.ner.corpus_ko import HELD_OUT, LabelledText, corpus_root, held_out, training_texts
from models.ner.labels import LOCATION, ORG, PERSON, SHARED_TO_KLUE
from models.ner.metrics import Scores, SpanSet, format_table, score
from models.ner.tagger import NerConfig, NerTagger

KLUE_TAGS = ("PS", "LC", "OG", "DT", "TI", "QT")
ENGLISH_LABELS = (PERSON, ORG, LOCATION)


def gold_sets(items: list[LabelledText]) -> list[SpanSet]:
    return [{(s.start, s.end, s.tag) for s in item.spans} for item in items]


def model_klue_sets(tagger: NerTagger, items: list[LabelledText]) -> list[SpanSet]:
    """Korean model predictions with shared labels mapped back to KLUE tags."""
    found = tagger.tag([item.text for item in items], ["ko"] * len(items))
    return [
        {(e.start, e.end, SHARED_TO_KLUE[e.label]) for e in entities if e.label in SHARED_TO_KLUE}
        for entities in found
    ]


def evaluate_korean(root: Path, config: NerConfig) -> dict[str, Scores]:
    """Scores of the model, the model with the gazetteer, and the baseline on KLUE dev 3000–3999."""
    items = held_out(root)
    gold = gold_sets(items)
    baseline = DictionaryBaseline().fit(training_texts(root))
    plain = NerTagger(replace(config, use_case_ruler=False))
    ruled = NerTagger(replace(config, use_case_ruler=True))
    return {
        "ko-ner model": score(gold, model_klue_sets(plain, items), KLUE_TAGS),
        "model + case gazetteer": score(gold, model_klue_sets(ruled, items), KLUE_TAGS),
        "dictionary/rule baseline": score(gold, [baseline.predict(i.text) for i in items], KLUE_TAGS),
    }


def alignment_ceiling(tagger: NerTagger, items: list[LabelledText]) -> tuple[int, int]:
    """Gold spans whose edges fall inside a Kiwi token (the model cannot hit those exactly), and all spans."""
    make_doc = tagger.pipeline("ko").make_doc
    inside = total = 0
    for item in items:
        doc = make_doc(item.text)
        for span in item.spans:
            total += 1
            inside += doc.char_span(span.start, span.end) is None
    return inside, total


def evaluate_english(root: Path, config: NerConfig) -> dict[str, Scores]:
    """Scores of the English pipeline (no gazetteer) on each English set."""
    tagger = NerTagger(replace(config, use_case_ruler=False))
    results: dict[str, Scores] = {}
    for spec in ENGLISH_SETS:
        items = list(read_english(root, spec))
        found = tagger.tag([item.text for item in items], ["en"] * len(items))
        predicted = [{(e.start, e.end, e.label) for e in entities} for entities in found]
        results[spec.name] = score(gold_sets(items), predicted, ENGLISH_LABELS)
    return results


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    group = parser.add_mutually_exclusive_group()
    group.add_argument("--korean-only", action="store_true")
    group.add_argument("--english-only", action="store_true")
    args = parser.parse_args(argv)
    root = corpus_root()
    config = NerConfig()
    if not args.english_only:
        started = time.monotonic()
        korean = evaluate_korean(root, config)
        title = (
            f"Korean NER, KLUE-NER v1.1 {HELD_OUT[0]} sentences {HELD_OUT[1]}-{HELD_OUT[2] - 1} (held out), "
            f"entity level, exact character edges ({time.monotonic() - started:.0f}s)"
        )
        print(format_table(title, korean, KLUE_TAGS))
        print("label mapping: PS=PERSON, LC=LOCATION, OG=ORG, DT=DATE, TI=TIME, QT=QUANTITY+MONEY+PERCENT")
        inside, total = alignment_ceiling(NerTagger(config), held_out(root))
        share = inside / total
        print(f"tokenisation loss: {inside} of {total} held-out gold spans ({share:.1%}) have an edge inside a Kiwi "
              f"token, so exact-edge recall is capped at {1 - share:.1%}")
        print()
    if not args.korean_only:
        started = time.monotonic()
        english = evaluate_english(root, config)
        print(f"English NER ({config.en_model}, NER component only), entity level, exact character edges "
              f"({time.monotonic() - started:.0f}s)")
        for spec in ENGLISH_SETS:
            print(format_table(f"{spec.name}: {spec.mapping_note}", {spec.name: english[spec.name]},
                               ENGLISH_LABELS))
            print()
        print("spaCy OntoNotes labels mapped: PERSON→PERSON, ORG→ORG, GPE/LOC/FAC→LOCATION; other predicted "
              "labels (DATE, NORP, …) are not scored against these sets.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
