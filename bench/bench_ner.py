"""Throughput of NER enrichment, one process: words/s for English and Korean, characters/s for Korean.

    python bench/bench_ner.py [--repeat 3] [--doc-chars 3000]

Texts are real sentences from the shared corpus (wikigold for English, KLUE-NER for Korean) joined into
documents of about ``--doc-chars`` characters. Model loading is timed separately; figures are medians.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from models.ner.corpus_en import ENGLISH_SETS, read_english  # noqa: E402
from models.ner.corpus_ko import KLUE_DEV, corpus_root, read_klue  # noqa: E402
from models.ner.tagger import NerConfig, NerTagger  # noqa: E402


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


def measure(tagger: NerTagger, docs: list[str], language: str, repeat: int) -> tuple[float, float, int]:
    """Median seconds, words and characters of one pass."""
    times = []
    entities = 0
    for _ in range(repeat):
        started = time.perf_counter()
        found = tagger.tag(docs, [language] * len(docs))
        times.append(time.perf_counter() - started)
        entities = sum(len(f) for f in found)
    return statistics.median(times), float(entities), len(docs)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--doc-chars", type=int, default=3000)
    args = parser.parse_args(argv)
    root = corpus_root()
    english = [item.text for item in read_english(root, ENGLISH_SETS[0])]
    korean = [item.text for item in read_klue(root / "ko-ner" / KLUE_DEV)]
    tagger = NerTagger(NerConfig())
    print(f"NER enrichment throughput, 1 process, median of {args.repeat} runs, documents of ~{args.doc_chars} chars")
    for language, sentences in (("en", english), ("ko", korean)):
        started = time.perf_counter()
        tagger.pipeline(language)
        load = time.perf_counter() - started
        docs = documents(sentences, args.doc_chars)
        tagger.tag(docs[:2], [language] * 2)  # warm-up (Kiwi loads its model on first use)
        seconds, entities, count = measure(tagger, docs, language, args.repeat)
        words = sum(len(d.split()) for d in docs)
        chars = sum(len(d) for d in docs)
        print(
            f"{language}: {count} docs, {words} words, {chars} chars, {int(entities)} entities | load {load:.1f}s | "
            f"{seconds:.2f}s -> {words / seconds:,.0f} words/s, {chars / seconds:,.0f} chars/s"
        )
        make_doc = tagger.pipeline(language).make_doc
        started = time.perf_counter()
        for doc in docs:
            make_doc(doc)
        tokenising = time.perf_counter() - started
        print(f"    tokenizer alone ({'Kiwi' if language == 'ko' else 'spaCy rules'}): "
              f"{chars / tokenising:,.0f} chars/s, {tokenising / seconds:.0%} of the enrichment time")
    return 0


if __name__ == "__main__":
    sys.exit(main())
