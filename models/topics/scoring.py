"""Multi-label scores: per-topic precision/recall/F1 and their macro average."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np
from sklearn.metrics import precision_recall_fscore_support


@dataclass(frozen=True)
class TopicScore:
    """Precision, recall and F1 of one topic; ``support`` is the number of true documents."""

    topic: str
    precision: float
    recall: float
    f1: float
    support: int


@dataclass(frozen=True)
class Scores:
    """Scores of one system on one set of documents. ``macro_f1`` averages topics that have support."""

    macro_f1: float
    micro_f1: float
    per_topic: tuple[TopicScore, ...]
    n_docs: int

    def topic(self, topic_id: str) -> TopicScore:
        return next(s for s in self.per_topic if s.topic == topic_id)

    def to_dict(self) -> dict[str, Any]:
        return {"macro_f1": self.macro_f1, "micro_f1": self.micro_f1, "n_docs": self.n_docs,
                "per_topic": {s.topic: {k: v for k, v in asdict(s).items() if k != "topic"}
                              for s in self.per_topic}}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Scores:
        per_topic = tuple(TopicScore(topic, **vals) for topic, vals in data["per_topic"].items())
        return cls(data["macro_f1"], data["micro_f1"], per_topic, data["n_docs"])


def indicator(label_sets: Sequence[Sequence[str]], topic_ids: Sequence[str]) -> np.ndarray:
    """0/1 matrix, one row per document, one column per topic id (other labels ignored)."""
    index = {t: j for j, t in enumerate(topic_ids)}
    out = np.zeros((len(label_sets), len(topic_ids)), dtype=int)
    for i, labels in enumerate(label_sets):
        for label in labels:
            if label in index:
                out[i, index[label]] = 1
    return out


def score(y_true: np.ndarray, y_pred: np.ndarray, topic_ids: Sequence[str]) -> Scores:
    """Per-topic and averaged scores of ``y_pred`` against ``y_true`` (same column order as ``topic_ids``)."""
    p, r, f, s = precision_recall_fscore_support(y_true, y_pred, average=None, zero_division=0.0)
    per_topic = tuple(TopicScore(t, round(float(p[j]), 4), round(float(r[j]), 4), round(float(f[j]), 4),
                                 int(s[j])) for j, t in enumerate(topic_ids))
    supported = [x.f1 for x in per_topic if x.support > 0]
    tp = int((y_true & y_pred).sum())
    micro = 2 * tp / max(int(y_true.sum()) + int(y_pred.sum()), 1)
    return Scores(round(float(np.mean(supported)) if supported else 0.0, 4), round(micro, 4), per_topic,
                  int(y_true.shape[0]))
