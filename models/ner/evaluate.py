"""Print NER quality: Korean on the held-out KLUE part next to a dictionary/rule baseline, English per set.

    python -m models.ner.evaluate [--korean-only | --english-only] [--ko-model DIR] [--korean-part tuning]
                                  [--against DIR] [--en-model DIR]

``--korean-part tuning`` scores KLUE train 4500–4999 (the checkpoint-selection part) instead of the held-out
part, so candidate models can be compared without looking at the held-out sentences; ``--against DIR`` also
prints how far the Korean model leads the one in DIR on that part, with a paired-bootstrap 90 % interval (a lead
inside the interval's reach of 0 is noise).

English: each set's held-out part (``models.ner.corpus_en``), the published ``en_core_web_sm`` and
``en_core_web_md`` NERs beside the fine-tuned one, and how far the fine-tuned one still gives its published
base's other labels.

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

from models.ner import english
from models.ner.baseline_ko import DictionaryBaseline
from models.ner.corpus_en import ENGLISH_SETS, SETS_BY_NAME, english_part
from models.ner.corpus_ko import HELD_OUT, TUNING, LabelledText, corpus_root, held_out, training_texts, tuning_texts
from models.ner.labels import (
    DATE, EVENT, LAW, LOCATION, MONEY, NORP, ORG, PERCENT, PERSON, QUANTITY, SHARED_TO_KLUE, TIME, WORK,
)
from models.ner.metrics import Scores, SpanSet, format_table, paired_bootstrap, score
from models.ner.tagger import EN_ARTIFACT, NerConfig, NerTagger

KLUE_TAGS = ("PS", "LC", "OG", "DT", "TI", "QT")
ENGLISH_LABELS = (PERSON, ORG, LOCATION)
RETAINED_LABELS = (NORP, DATE, TIME, MONEY, PERCENT, QUANTITY, EVENT, WORK, LAW)
BASE_MODEL = english.SM_MODEL
#: Published pipelines scored beside the fine-tuned one (report name -> what NerConfig.en_model takes).
PUBLISHED = {english.published_name(model): model for model in (english.SM_MODEL, english.MD_MODEL)}


def gold_sets(items: list[LabelledText]) -> list[SpanSet]:
    return [{(s.start, s.end, s.tag) for s in item.spans} for item in items]


def model_klue_sets(tagger: NerTagger, items: list[LabelledText]) -> list[SpanSet]:
    """Korean model predictions with shared labels mapped back to KLUE tags."""
    found = tagger.tag([item.text for item in items], ["ko"] * len(items))
    return [
        {(e.start, e.end, SHARED_TO_KLUE[e.label]) for e in entities if e.label in SHARED_TO_KLUE}
        for entities in found
    ]


def evaluate_korean(root: Path, config: NerConfig, part: str = "held-out") -> dict[str, Scores]:
    """Scores of the model, the model with the gazetteer, and the baseline on KLUE dev 3000–3999
    (``part="tuning"``: KLUE train 4500–4999)."""
    items = tuning_texts(root) if part == "tuning" else held_out(root)
    gold = gold_sets(items)
    baseline = DictionaryBaseline().fit(training_texts(root))
    plain = NerTagger(replace(config, use_case_ruler=False))
    ruled = NerTagger(replace(config, use_case_ruler=True))
    return {
        "ko-ner model": score(gold, model_klue_sets(plain, items), KLUE_TAGS),
        "model + case gazetteer": score(gold, model_klue_sets(ruled, items), KLUE_TAGS),
        "dictionary/rule baseline": score(gold, [baseline.predict(i.text) for i in items], KLUE_TAGS),
    }


def korean_lead(root: Path, config: NerConfig, other: str, part: str = "held-out") -> str:
    """One line: the macro-F1 lead of ``config``'s Korean model over the pipeline in ``other`` on ``part``,
    with its paired-bootstrap 90 % interval and the share of resamplings where it leads (no gazetteer)."""
    items = tuning_texts(root) if part == "tuning" else held_out(root)
    gold = gold_sets(items)
    first = model_klue_sets(NerTagger(replace(config, use_case_ruler=False)), items)
    second = model_klue_sets(NerTagger(replace(config, ko_model=other, use_case_ruler=False)), items)
    lead, low, high, share = paired_bootstrap(gold, first, second, KLUE_TAGS)
    return (f"macro F1 lead over {other}: {lead:+.4f} (90% interval {low:+.4f} to {high:+.4f}, ahead in {share:.0%} "
            f"of 1,000 resamplings of the {len(items)} sentences)")


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


def english_spans(tagger: NerTagger, items: list[LabelledText]) -> list[SpanSet]:
    """Shared-label predictions; those touching a span the set does not annotate (MISC, products…) are left out."""
    found = tagger.tag([item.text for item in items], ["en"] * len(items))
    return [
        {(e.start, e.end, e.label) for e in entities if not any(a < e.end and e.start < b for a, b in item.missing)}
        for item, entities in zip(items, found)
    ]


def english_taggers(config: NerConfig) -> dict[str, NerTagger]:
    """The published ``en_core_web_sm`` and ``en_core_web_md`` NERs and, when it is there, the fine-tuned one
    (the shipped artifact unless ``config.en_model`` names another), in that order."""
    taggers = {f"{name} (published)": NerTagger(replace(config, en_model=model, use_case_ruler=False))
               for name, model in PUBLISHED.items()}
    if config.en_model or (EN_ARTIFACT / "meta.json").exists():
        tuned = NerTagger(replace(config, use_case_ruler=False))
        taggers[f"{tuned.en_label()}"] = tuned
    return taggers


def evaluate_english(root: Path, config: NerConfig) -> dict[str, dict[str, Scores]]:
    """Scores of each English model (no gazetteer) on each set's held-out part."""
    taggers = english_taggers(config)
    results: dict[str, dict[str, Scores]] = {}
    for spec in ENGLISH_SETS:
        items = english_part(root, spec, "test")
        gold = gold_sets(items)
        results[spec.name] = {name: score(gold, english_spans(t, items), ENGLISH_LABELS) for name, t in taggers.items()}
    return results


def retained_labels(root: Path, config: NerConfig) -> tuple[str, Scores] | None:
    """How far the fine-tuned model still gives its published base's other labels (DATE, MONEY, NORP…) on the
    held-out formal text (wikigold and SEC filings): the base's mentions are the reference."""
    taggers = list(english_taggers(config).values())
    if len(taggers) <= len(PUBLISHED):
        return None
    tuned = taggers[-1]
    base = english.published_name(english.base_of(tuned.pipeline("en").meta))
    reference = taggers[list(PUBLISHED).index(base)]
    items = [i for name in ("wikigold", "sec-filings") for i in english_part(root, SETS_BY_NAME[name], "test")]
    texts = [item.text for item in items]
    return base, score(_sets(reference, texts), _sets(tuned, texts), RETAINED_LABELS)


def _sets(tagger: NerTagger, texts: list[str]) -> list[SpanSet]:
    return [{(e.start, e.end, e.label) for e in found} for found in tagger.tag(texts, ["en"] * len(texts))]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    group = parser.add_mutually_exclusive_group()
    group.add_argument("--korean-only", action="store_true")
    group.add_argument("--english-only", action="store_true")
    parser.add_argument("--ko-model", default="", help="Korean pipeline folder (default: the shipped artifact)")
    parser.add_argument("--korean-part", choices=("held-out", "tuning"), default="held-out")
    parser.add_argument("--against", default="", metavar="DIR",
                        help="also print the Korean model's macro-F1 lead over this pipeline, "
                        "with a bootstrap interval")
    parser.add_argument("--en-model", default="", help="English pipeline folder or package (default: the shipped "
                        "artifact), scored beside the published models")
    args = parser.parse_args(argv)
    root = corpus_root()
    config = NerConfig(ko_model=args.ko_model, en_model=args.en_model)
    if not args.english_only:
        started = time.monotonic()
        korean = evaluate_korean(root, config, args.korean_part)
        part, kind = (TUNING, "tuning part") if args.korean_part == "tuning" else (HELD_OUT, "held out")
        title = (
            f"Korean NER, KLUE-NER v1.1 {part[0]} sentences {part[1]}-{part[2] - 1} ({kind}), "
            f"entity level, exact character edges ({time.monotonic() - started:.0f}s)"
        )
        print(format_table(title, korean, KLUE_TAGS))
        if args.against:
            print(korean_lead(root, config, args.against, args.korean_part))
        print("label mapping: PS=PERSON, LC=LOCATION, OG=ORG, DT=DATE, TI=TIME, QT=QUANTITY+MONEY+PERCENT")
        inside, total = alignment_ceiling(NerTagger(config), held_out(root))
        share = inside / total
        print(f"tokenisation loss: {inside} of {total} held-out gold spans ({share:.1%}) have an edge inside a Kiwi "
              f"token, so exact-edge recall is capped at {1 - share:.1%}")
        print()
    if not args.korean_only:
        started = time.monotonic()
        english = evaluate_english(root, config)
        print(f"English NER (NER component only, no gazetteer), PER/ORG/LOC, entity level, exact character edges, "
              f"held-out part of each set ({time.monotonic() - started:.0f}s)")
        for spec in ENGLISH_SETS:
            print(format_table(f"{spec.name}: {spec.mapping_note}", english[spec.name], ENGLISH_LABELS))
            print()
        names = list(next(iter(english.values())))
        print("macro F1 by set (held-out parts): " + " | ".join(names))
        for spec in ENGLISH_SETS:
            print(f"  {spec.name:<16}" + "".join(f" {english[spec.name][n].macro_f1:8.3f}" for n in names))
        print("spaCy OntoNotes labels mapped: PERSON→PERSON, ORG→ORG, GPE/LOC/FAC→LOCATION; predictions touching a "
              "span the set does not annotate are left out; other labels (DATE, NORP, …) are not scored here.")
        retained = retained_labels(root, config)
        if retained is not None:
            base, agreement = retained
            print()
            print(format_table(f"Other labels kept: fine-tuned against its base's own mentions on the held-out "
                               f"wikigold and SEC text (reference = {base}, published)",
                               {"agreement": agreement}, RETAINED_LABELS))
    return 0


if __name__ == "__main__":
    sys.exit(main())
