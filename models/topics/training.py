"""Training: fit the pipeline, tune one threshold per topic on out-of-fold probabilities."""

from __future__ import annotations

import importlib.metadata
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import numpy as np
from sklearn.base import clone
from sklearn.model_selection import StratifiedKFold

from models.topics.corpus import Example, analyst_examples, check_labels, examples_sha256
from models.topics.decision import DecisionRule, decision_matrix, tune_rule
from models.topics.errors import LabelError
from models.topics.model import TopicModel
from models.topics.pipeline import PIPELINE_NAME, build_pipeline
from models.topics.scoring import Scores, indicator, score
from models.topics.taxonomy import Taxonomy

MIN_POSITIVES = 8
CV_FOLDS = 4
THRESHOLD_GRID = np.round(np.arange(0.05, 0.951, 0.025), 3)

LabelledPairs = Iterable[tuple[str, Sequence[str]]]


@dataclass(frozen=True)
class TrainMetrics:
    """What a training run saw and how its out-of-fold predictions scored.

    ``oof_tuned`` uses the tuned thresholds on the very predictions they were tuned on (optimistic; the
    unbiased figure comes from ``cross_validate``); ``oof_brier`` is each topic's Brier score (calibration).
    """

    version: str
    seed: int
    pipeline: str
    n_examples: int
    n_analyst: int
    train_sha256: str
    taxonomy_sha256: str
    topic_ids: tuple[str, ...]
    untrained: tuple[str, ...]
    thresholds: dict[str, float]
    cv_folds: int
    oof_tuned: Scores
    oof_default: Scores
    oof_brier: dict[str, float] = field(default_factory=dict)
    rule: DecisionRule | None = None
    oof_ruled: Scores | None = None
    packages: dict[str, str] = field(default_factory=dict)
    created_at: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {"version": self.version, "seed": self.seed, "pipeline": self.pipeline,
                "n_examples": self.n_examples, "n_analyst": self.n_analyst, "train_sha256": self.train_sha256,
                "taxonomy_sha256": self.taxonomy_sha256, "topic_ids": list(self.topic_ids),
                "untrained": list(self.untrained), "thresholds": self.thresholds, "cv_folds": self.cv_folds,
                "oof_tuned": self.oof_tuned.to_dict(), "oof_default": self.oof_default.to_dict(),
                "rule": self.rule.to_dict() if self.rule else None,
                "oof_ruled": self.oof_ruled.to_dict() if self.oof_ruled else None,
                "oof_brier": self.oof_brier, "packages": self.packages, "created_at": self.created_at}


def tune_threshold(y: np.ndarray, proba: np.ndarray) -> float:
    """The threshold maximising F1 of one topic; among equally good ones, the middle one."""
    best, chosen = -1.0, [0.5]
    for cut in THRESHOLD_GRID:
        pred = proba >= cut
        tp = int((pred & (y == 1)).sum())
        f1 = 2 * tp / max(int(pred.sum()) + int(y.sum()), 1)
        if f1 > best + 1e-9:
            best, chosen = f1, [float(cut)]
        elif abs(f1 - best) <= 1e-9:
            chosen.append(float(cut))
    return chosen[len(chosen) // 2]


def _fold_keys(Y: np.ndarray) -> np.ndarray:
    """Stratification key per document: its rarest topic (or 'none'), so every fold sees every topic."""
    freq = Y.sum(axis=0)
    keys = np.full(Y.shape[0], -1)
    for i, row in enumerate(Y):
        present = np.flatnonzero(row)
        if present.size:
            keys[i] = present[np.argmin(freq[present])]
    return keys


def out_of_fold_proba(texts: list[str], Y: np.ndarray, seed: int, folds: int = CV_FOLDS) -> np.ndarray:
    """Probabilities for every document from a pipeline that did not see it."""
    proba = np.zeros(Y.shape, dtype=float)
    splitter = StratifiedKFold(n_splits=folds, shuffle=True, random_state=seed)
    template = build_pipeline(seed)
    for fit_idx, held_idx in splitter.split(texts, _fold_keys(Y)):
        pipe = clone(template).fit([texts[i] for i in fit_idx], Y[fit_idx])
        proba[held_idx] = pipe.predict_proba([texts[i] for i in held_idx])
    return proba


def _package_versions() -> dict[str, str]:
    return {name: importlib.metadata.version(name) for name in ("scikit-learn", "kiwipiepy", "numpy")}


def train(examples: Sequence[Example], taxonomy: Taxonomy, seed: int = 0, extra: LabelledPairs = (),
          folds: int = CV_FOLDS) -> tuple[TopicModel, TrainMetrics]:
    """Train on ``examples`` plus analysts' ``extra`` ``(text, labels)`` pairs.

    Topics with fewer than ``MIN_POSITIVES`` examples stay untrained (listed in the metrics). Thresholds and
    the best-topic rule (``models.topics.decision``) come from ``folds``-fold out-of-fold probabilities; the
    final pipeline is then fit on everything.

    Raises:
        LabelError: no examples, unknown topic ids, or no topic with enough examples.
    """
    data = list(examples) + analyst_examples(extra)
    check_labels(data, taxonomy)
    counts = Counter(label for ex in data for label in ex.labels)
    topic_ids = tuple(t for t in taxonomy.ids if counts[t] >= MIN_POSITIVES)
    untrained = tuple(t for t in taxonomy.ids if counts[t] < MIN_POSITIVES)
    if not topic_ids:
        raise LabelError(f"no topic has {MIN_POSITIVES} or more examples", "T204")
    texts = [ex.text for ex in data]
    Y = indicator([ex.labels for ex in data], topic_ids)
    proba = out_of_fold_proba(texts, Y, seed, folds)
    thresholds = {t: tune_threshold(Y[:, j], proba[:, j]) for j, t in enumerate(topic_ids)}
    cut = np.array([thresholds[t] for t in topic_ids])
    rule = tune_rule(Y, proba, topic_ids)
    pipeline = build_pipeline(seed).fit(texts, Y)
    data_sha = examples_sha256(data)
    created = datetime.now(UTC)
    metrics = TrainMetrics(
        version=f"{created:%Y%m%d-%H%M%S}-{data_sha[:8]}", seed=seed, pipeline=PIPELINE_NAME,
        n_examples=len(data), n_analyst=sum(ex.source == "analyst" for ex in data), train_sha256=data_sha,
        taxonomy_sha256=taxonomy.sha256(), topic_ids=topic_ids, untrained=untrained, thresholds=thresholds,
        cv_folds=folds, oof_tuned=score(Y, (proba >= cut).astype(int), topic_ids),
        oof_default=score(Y, (proba >= 0.5).astype(int), topic_ids),
        oof_brier={t: round(float(np.mean((proba[:, j] - Y[:, j]) ** 2)), 4) for j, t in enumerate(topic_ids)},
        rule=rule, oof_ruled=score(Y, decision_matrix(proba, topic_ids, thresholds, rule), topic_ids),
        packages=_package_versions(),
        created_at=created.isoformat(timespec="seconds"),
    )
    model = TopicModel(pipeline, topic_ids, thresholds,
                       {"version": metrics.version, "pipeline": PIPELINE_NAME, "seed": seed,
                        "train_sha256": data_sha, "taxonomy_sha256": metrics.taxonomy_sha256}, rule)
    return model, metrics
