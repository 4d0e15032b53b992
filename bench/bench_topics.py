"""Throughput of topic classification with the shipped model, one process: documents/s and characters/s, through
its scorer (``models.topics.scorer``, what the enrichment workers run) and through the scikit-learn pipeline it was
made from, on the same documents in the same run (Kiwi's memo cleared before each), as a ratio.

    python bench/bench_topics.py [--repeat 3] [--docs 400] [--batch 64]

Documents come from the corpus generator with fresh seeds for every run, so Kiwi's per-process memo never
sees a text twice: "short" are single passages (~200 characters), "long" join eight passages (~1.7k).
Model loading is timed separately (the scorer first, then the pipeline with its scikit-learn import); figures are
medians of ``--repeat`` runs.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from models.topics import CURRENT_DIR, TopicModel, load_taxonomy  # noqa: E402
from models.topics.data.generate import make_document  # noqa: E402
from models.topics import morphs  # noqa: E402


def documents(seed: int, count: int, passages: int) -> list[str]:
    rng = random.Random(seed)
    topics = list(load_taxonomy().ids)
    docs = []
    for _ in range(count):
        parts = []
        for _ in range(passages):
            labels = tuple(rng.sample(topics, rng.choice([0, 1, 1, 2])))
            parts.append(make_document(rng, labels, test=True)[0])
        docs.append("\n\n".join(parts))
    return docs


def classify_rate(model: TopicModel, docs: list[str], batch: int) -> float:
    started = time.perf_counter()
    for i in range(0, len(docs), batch):
        model.predict(docs[i: i + batch])
    return len(docs) / (time.perf_counter() - started)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--docs", type=int, default=400)
    parser.add_argument("--batch", type=int, default=64)
    parser.add_argument("--artifact", type=Path, default=CURRENT_DIR)
    args = parser.parse_args()

    started = time.perf_counter()
    scorer = TopicModel.load(args.artifact)
    scorer_s = time.perf_counter() - started
    started = time.perf_counter()
    pipeline = TopicModel.load(args.artifact, scorer=False)
    pipeline_s = time.perf_counter() - started
    started = time.perf_counter()
    morphs.shared_kiwi()
    kiwi_s = time.perf_counter() - started
    models = {"scorer": scorer, "pipeline": pipeline}
    for model in models.values():
        model.predict(documents(0, 8, 1))  # warm-up
    print(f"model {scorer.version} ({type(scorer.pipeline).__name__} / {type(pipeline.pipeline).__name__}): "
          f"load {scorer_s:.2f} s as its scorer, {pipeline_s:.2f} s as the pipeline (scikit-learn imported); "
          f"Kiwi load {kiwi_s:.2f} s; batch {args.batch}, median of {args.repeat} runs")
    for name, passages, count in (("short", 1, args.docs), ("long", 8, max(args.docs // 4, 1))):
        rates: dict[str, list[float]] = {key: [] for key in models}
        sizes = []
        for run in range(args.repeat):
            docs = documents(1000 * (run + 1) + passages, count, passages)
            sizes.append(statistics.mean(len(d) for d in docs))
            for key, model in models.items():
                morphs._analyse_cached.cache_clear()  # each model analyses the documents afresh
                rates[key].append(classify_rate(model, docs, args.batch))
        size = statistics.mean(sizes)
        rate = {key: statistics.median(values) for key, values in rates.items()}
        print(f"{name:5} docs ({size:6.0f} chars): scorer {rate['scorer']:8.1f} documents/s "
              f"{rate['scorer'] * size / 1000:7.1f} k chars/s; pipeline {rate['pipeline']:8.1f} documents/s "
              f"({rate['scorer'] / rate['pipeline']:.2f}x)")

if __name__ == "__main__":
    main()
