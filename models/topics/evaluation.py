"""Evaluation: a model on the fixed test part, and nested cross-validation next to the keyword baseline.

``python -m models.topics.evaluate`` prints the report; ``evaluate`` and ``cross_validate`` return it.
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from sklearn.model_selection import StratifiedKFold

from models.topics.corpus import Example, load_corpus
from models.topics.keywords import KeywordClassifier
from models.topics.model import TopicModel
from models.topics.realistic import load_realistic
from models.topics.routing import route
from models.topics.scoring import Scores, indicator, score
from models.topics.taxonomy import Taxonomy, load_taxonomy
from models.topics.training import _fold_keys, train

OUTER_FOLDS = 5
INNER_FOLDS = 3


@dataclass(frozen=True)
class Comparison:
    """The model's and the keyword baseline's scores on the same documents."""

    name: str
    model: Scores
    keywords: Scores

    def to_dict(self) -> dict[str, Any]:
        return {"name": self.name, "model": self.model.to_dict(), "keywords": self.keywords.to_dict()}


def evaluate(model: TopicModel | str | Path, examples: Sequence[Example] | None = None,
             taxonomy: Taxonomy | None = None) -> Comparison:
    """Score ``model`` (or the artifact directory) on ``examples`` (default: the corpus test part).

    Topics scored are the model's topics; the keyword baseline is measured on the same documents.
    """
    if not isinstance(model, TopicModel):
        model = TopicModel.load(model)
    examples = list(examples) if examples is not None else load_corpus("test")
    taxonomy = taxonomy or load_taxonomy()
    topic_ids = [t for t in model.topic_ids if t in taxonomy]
    texts = [ex.text for ex in examples]
    y_true = indicator([ex.labels for ex in examples], topic_ids)
    return Comparison(
        "test", score(y_true, model.predict_matrix(texts, topic_ids), topic_ids),
        score(y_true, KeywordClassifier(taxonomy).predict_matrix(texts, topic_ids), topic_ids),
    )


def cross_validate(examples: Sequence[Example], taxonomy: Taxonomy, seed: int = 0,
                   folds: int = OUTER_FOLDS, inner_folds: int = INNER_FOLDS) -> Comparison:
    """Nested cross-validation: each outer fold trains (tuning thresholds on inner folds) and predicts the rest.

    Decisions from all outer folds are pooled and scored once.
    """
    examples = list(examples)
    topic_ids = list(taxonomy.ids)
    y_true = indicator([ex.labels for ex in examples], topic_ids)
    y_model = np.zeros_like(y_true)
    splitter = StratifiedKFold(n_splits=folds, shuffle=True, random_state=seed)
    for fit_idx, held_idx in splitter.split(examples, _fold_keys(y_true)):
        model, _ = train([examples[i] for i in fit_idx], taxonomy, seed=seed, folds=inner_folds)
        y_model[held_idx] = model.predict_matrix([examples[i].text for i in held_idx], topic_ids)
    texts = [ex.text for ex in examples]
    keywords = KeywordClassifier(taxonomy).predict_matrix(texts, topic_ids)
    return Comparison(f"cv{folds}", score(y_true, y_model, topic_ids), score(y_true, keywords, topic_ids))


def format_report(comparisons: Sequence[Comparison]) -> str:
    """A plain-text table: per-topic P/R/F1 of model and keywords for each comparison, then macro-F1."""
    topics = [s.topic for s in comparisons[0].model.per_topic]
    head1 = f"{'':22}" + "".join(f"| {c.name + ' model':^20}| {c.name + ' keywords':^20}" for c in comparisons)
    head2 = f"{'topic':22}" + "| P      R      F1    " * (2 * len(comparisons))
    lines = [head1, head2, "-" * len(head2)]
    for topic in topics:
        row = f"{topic:22}"
        for comp in comparisons:
            for scores in (comp.model, comp.keywords):
                s = scores.topic(topic)
                row += f"| {s.precision:.3f}  {s.recall:.3f}  {s.f1:.3f} "
        lines.append(row)
    lines.append("-" * len(head2))
    for label, attr in (("macro-F1", "macro_f1"), ("micro-F1", "micro_f1")):
        row = f"{label:22}"
        for comp in comparisons:
            for scores in (comp.model, comp.keywords):
                row += f"| {'':14}{getattr(scores, attr):.3f} "
        lines.append(row)
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    """Print cross-validated and test-part scores of the classifier next to the keyword baseline."""
    parser = argparse.ArgumentParser(prog="python -m models.topics.evaluate", description=main.__doc__)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--folds", type=int, default=OUTER_FOLDS)
    parser.add_argument("--extra-taxonomy", action="append", default=[], metavar="DIR")
    args = parser.parse_args(argv)
    taxonomy = load_taxonomy(args.extra_taxonomy)
    train_part, test_part = load_corpus("train"), load_corpus("test")
    started = time.perf_counter()
    cv = cross_validate(train_part, taxonomy, seed=args.seed, folds=args.folds)
    model, _ = train(train_part, taxonomy, seed=args.seed)
    test = evaluate(model, test_part, taxonomy)
    print(f"Topic classifier vs keyword baseline (seed {args.seed}): {args.folds}-fold nested CV on the corpus "
          f"training part ({len(train_part)} docs); fixed test part ({len(test_part)} docs, held-out "
          f"phrasings) with a model trained on the whole training part.")
    print(format_report([cv, test]))
    realistic = load_realistic(taxonomy=taxonomy)
    print(f"\nHand-written realistic set ({len(realistic)} docs, never trained or tuned on), same model:")
    print(route(model, realistic, taxonomy).format())
    print(f"({time.perf_counter() - started:.0f} s)")
