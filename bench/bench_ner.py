"""Throughput of NER enrichment, one process, beside bare spaCy NER and bare Kiwi measured in the same run.

    python bench/bench_ner.py [--repeat 3] [--doc-chars 3000] [--max-docs N] [--ko-model DIR ...]

Texts are real sentences from the shared corpus (wikigold for English, KLUE-NER for Korean) joined into
documents of about ``--doc-chars`` characters. Model loading is timed separately; figures are medians of process
CPU time (all threads: Kiwi may use several), so other work on the shared cores does not inflate them.

- English: the tagger (routing, hygiene, the shipped English NER) against ``en_core_web_sm``'s NER component
  alone on the same documents (``bare spaCy NER = 1.00x``).
- Korean: against ``Kiwi.tokenize`` alone (``bare Kiwi = 1.00x``): the tagger running Kiwi itself, and the
  ingest path, where Kiwi runs once per document and its morphemes feed both the NER and index analysis
  (``text_ko``), next to the former path (NER with its own Kiwi, then analysis with Kiwi again); and the whole
  enrichment (identifiers, NER, topics) with the topic features given the same morphemes, next to topics that
  run Kiwi again.
- ``--ko-model DIR`` (repeatable): the tagger with that Korean pipeline too, in the same run, beside the shipped
  one (to check that a candidate model is no slower).
- The case gazetteer: characters/s of ``CaseRuler.matches`` on the Korean documents.
"""

from __future__ import annotations

import argparse
import contextlib
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from index_config.analysis import analyse_many  # noqa: E402
from models.ner.corpus_en import SETS_BY_NAME, read_english  # noqa: E402
from models.ner.corpus_ko import KLUE_DEV, corpus_root, read_klue  # noqa: E402
from models.ner.morphemes import document_morphemes, for_analysis, shared_kiwi  # noqa: E402
from models.ner import english as english_models  # noqa: E402
from models.ner.tagger import EN_EXCLUDE, NerConfig, NerTagger  # noqa: E402

BARE_EN = english_models.SM_MODEL


def documents(sentences: list[str], doc_chars: int) -> list[str]:
    docs: list[str] = []
    current: list[str] = []
    size = 0
    for sentence in sentences:
        current.append(sentence)
        size += len(sentence) + 1
        if size >= doc_chars:
            docs.append("\n".join(current))
            current, size = [], 0
    if current:
        docs.append("\n".join(current))
    return docs


def median_seconds(run: Callable[[], object], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        started = time.process_time()
        run()
        times.append(time.process_time() - started)
    return statistics.median(times)


def row(name: str, words: int, seconds: float, baseline: float) -> str:
    rate = words / seconds
    return f"  {name:<58} {rate:>10,.0f} words/s  {rate / baseline:5.2f}x"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--doc-chars", type=int, default=3000)
    parser.add_argument("--max-docs", type=int, default=0, help="use only the first N documents of each language")
    parser.add_argument("--ko-model", action="append", default=[], metavar="DIR",
                        help="also time the tagger with this Korean pipeline (repeatable)")
    args = parser.parse_args(argv)
    root = corpus_root()
    english = documents([i.text for i in read_english(root, SETS_BY_NAME["wikigold"])], args.doc_chars)
    korean = documents([i.text for i in read_klue(root / "ko-ner" / KLUE_DEV)], args.doc_chars)
    if args.max_docs:
        english, korean = english[: args.max_docs], korean[: args.max_docs]
    tagger = NerTagger(NerConfig())
    print(f"NER enrichment throughput, 1 process, median of {args.repeat} runs, documents of ~{args.doc_chars} chars")

    started = time.perf_counter()
    tuned = tagger.pipeline("en")
    # The baseline is the published pipeline the shipped NER was fine-tuned from (same architecture), NER only;
    # the small one is timed too when that is the medium one.
    origin = english_models.base_of(tuned.meta)
    bares = {name: english_models.load(name, exclude=EN_EXCLUDE) for name in dict.fromkeys((origin, BARE_EN))}
    print(f"en: {len(english)} docs, {sum(len(d.split()) for d in english)} words "
          f"(load bare + tagger {time.perf_counter() - started:.1f}s)")
    words = sum(len(d.split()) for d in english)
    seconds = {name: median_seconds(lambda: list(nlp.pipe(english, batch_size=32)), args.repeat)
               for name, nlp in bares.items()}
    base = words / seconds[origin]
    for name in bares:
        print(row(f"bare spaCy NER ({name}, ner only)", words, seconds[name], base))
    en_seconds = median_seconds(lambda: tagger.tag(english, ["en"] * len(english)), args.repeat)
    print(row(f"tagger ({tagger.en_label()}, routing, hygiene, gazetteer)", words, en_seconds, base))

    started = time.perf_counter()
    tagger.pipeline("ko")
    kiwi = shared_kiwi()
    kiwi.tokenize(korean[0])
    tagger.tag(korean[:2], ["ko"] * 2)  # warm-up: the pipeline's own Kiwi loads on first use
    words = sum(len(d.split()) for d in korean)
    print(f"ko: {len(korean)} docs, {words} words, {sum(map(len, korean))} chars "
          f"(load {time.perf_counter() - started:.1f}s)")
    base = words / median_seconds(lambda: kiwi.tokenize(korean), args.repeat)
    print(row("bare Kiwi (Kiwi.tokenize)", words, words / base, base))
    ner_seconds = median_seconds(lambda: tagger.tag(korean, ["ko"] * len(korean)), args.repeat)
    print(row("tagger, its own Kiwi per slice", words, ner_seconds, base))
    for folder in args.ko_model:
        other = NerTagger(NerConfig(ko_model=folder))
        other.tag(korean[:2], ["ko"] * 2)
        seconds = median_seconds(lambda: other.tag(korean, ["ko"] * len(korean)), args.repeat)
        print(row(f"tagger with {Path(folder).name}, its own Kiwi per slice", words, seconds, base))

    def former() -> None:
        tagger.tag(korean, ["ko"] * len(korean))
        analyse_many(korean)

    def shared() -> None:
        morphemes = document_morphemes(korean)
        tagger.tag(korean, ["ko"] * len(korean), morphemes)
        analyse_many(korean, [for_analysis(m, []) for m in morphemes])

    print(row("NER + index analysis, Kiwi twice (former)", words, median_seconds(former, args.repeat), base))
    print(row("NER + index analysis, Kiwi once per document", words, median_seconds(shared, args.repeat), base))

    from models.enrich import EnrichConfig, Enricher
    from models.topics import morphs as features

    enricher = Enricher(EnrichConfig(b"bench-key"))
    enricher.warm()

    def enrichment(shared_with_topics: bool) -> None:
        features._analyse_cached.cache_clear()  # the topic features' memo: each document is new in a batch
        morphemes = document_morphemes(korean)
        given = features.given_morphemes
        if not shared_with_topics:  # as before: the NER and the analysis share the morphemes, topics do not
            features.given_morphemes = lambda found: contextlib.nullcontext()
        try:
            found = enricher.enrich_many(korean, ["ko"] * len(korean), morphemes)
        finally:
            features.given_morphemes = given
        analyse_many(korean, [for_analysis(m, e.entities) for m, e in zip(morphemes, found)])

    print(row("whole enrichment (NER, topics, identifiers) + analysis, topics run Kiwi again", words,
              median_seconds(lambda: enrichment(False), args.repeat), base))
    print(row("whole enrichment + analysis, Kiwi once per document (the ingest path)", words,
              median_seconds(lambda: enrichment(True), args.repeat), base))

    ruler = tagger.case_ruler()
    chars = sum(map(len, korean))
    seconds = median_seconds(lambda: [ruler.matches(d) for d in korean], args.repeat)
    print(f"case gazetteer (Aho-Corasick, {len(ruler.patterns)} surfaces): {chars / seconds:,.0f} chars/s, "
          f"{seconds / (chars / 128_000):.3f}s per 128k chars")
    return 0


if __name__ == "__main__":
    sys.exit(main())
