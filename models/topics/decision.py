"""Deciding topics from probabilities: per-topic thresholds, plus the best topic when it clearly leads.

Thresholds tuned on the generated corpus are high (its documents separate cleanly), while real memos, chats and
letters score far lower on the right topic even when the ranking is right. So a document also gets its
best-scoring topic when that score is unusual *for this topic* (above the ``floor`` quantile of the scores of
documents not about it) and clearly ahead of the runner-up (``min_lead`` in log-odds). Extra topics still need
their own threshold. A best topic that only passes the lower ``hint`` level is reported as *uncertain*.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np

from models.types import Topic

State = Literal["assigned", "uncertain", "none"]
FLOOR_QUANTILES = (0.9, 0.95, 0.975, 0.98, 0.99)
LEAD_GRID = (0.0, 0.5, 1.0, 1.5, 2.0, 2.5, 3.0, 4.0)
HINT_QUANTILE = 0.9
MAX_WRONG_WHEN_FIRED = 0.02
_EPS = 1e-6


@dataclass(frozen=True)
class DecisionRule:
    """When the best topic is assigned below its threshold.

    ``floors[t]``/``hints[t]`` are quantiles of topic ``t``'s out-of-fold scores over training documents not
    about ``t``; ``min_lead`` is the log-odds gap required between the best and the second-best topic.
    """

    floors: Mapping[str, float]
    hints: Mapping[str, float]
    min_lead: float
    floor_quantile: float
    hint_quantile: float = HINT_QUANTILE

    def to_dict(self) -> dict[str, Any]:
        return {"floors": dict(self.floors), "hints": dict(self.hints), "min_lead": self.min_lead,
                "floor_quantile": self.floor_quantile, "hint_quantile": self.hint_quantile}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> DecisionRule:
        return cls(dict(data["floors"]), dict(data["hints"]), float(data["min_lead"]),
                   float(data["floor_quantile"]), float(data.get("hint_quantile", HINT_QUANTILE)))


@dataclass(frozen=True)
class TopicDecision:
    """Topics of one document. ``state`` is ``uncertain`` when none is assigned but ``best`` stands out a little."""

    topics: tuple[Topic, ...]
    state: State
    best: Topic | None


def _logit(p: np.ndarray) -> np.ndarray:
    p = np.clip(p, _EPS, 1 - _EPS)
    return np.log(p / (1 - p))


def _lead(proba: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Index of the best topic, its probability and its log-odds lead over the second, per row."""
    rows = np.arange(proba.shape[0])
    if proba.shape[1] == 1:
        best = np.zeros(proba.shape[0], dtype=int)
        return best, proba[:, 0], np.full(proba.shape[0], np.inf)
    order = np.argsort(-proba, axis=1, kind="stable")
    best, second = order[:, 0], order[:, 1]
    return best, proba[rows, best], _logit(proba[rows, best]) - _logit(proba[rows, second])


def decision_matrix(proba: np.ndarray, topic_ids: Sequence[str], thresholds: Mapping[str, float],
                    rule: DecisionRule | None) -> np.ndarray:
    """0/1 decisions, same shape as ``proba``: thresholds, plus the clearly leading best topic under ``rule``."""
    cut = np.array([thresholds[t] for t in topic_ids])
    out = (proba >= cut).astype(int)
    if rule is None or proba.size == 0:
        return out
    best, top, lead = _lead(proba)
    floors = np.array([rule.floors[t] for t in topic_ids])
    fire = (top >= floors[best]) & (lead >= rule.min_lead)
    out[np.flatnonzero(fire), best[fire]] = 1
    return out


def decide(proba: np.ndarray, topic_ids: Sequence[str], thresholds: Mapping[str, float],
           rule: DecisionRule | None) -> list[TopicDecision]:
    """One ``TopicDecision`` per row of ``proba``; assigned topics highest score first."""
    chosen = decision_matrix(proba, topic_ids, thresholds, rule)
    best, top, _ = _lead(proba) if proba.size else (np.zeros(0, int), np.zeros(0), np.zeros(0))
    out = []
    for i, row in enumerate(proba):
        topics = sorted((Topic(topic_ids[j], round(float(row[j]), 4)) for j in np.flatnonzero(chosen[i])),
                        key=lambda topic: -topic.score)
        lead = Topic(topic_ids[best[i]], round(float(top[i]), 4))
        if topics:
            out.append(TopicDecision(tuple(topics), "assigned", topics[0]))
        elif rule is not None and top[i] >= rule.hints[lead.label]:
            out.append(TopicDecision((), "uncertain", lead))
        else:
            out.append(TopicDecision((), "none", lead))
    return out


def tune_rule(Y: np.ndarray, proba: np.ndarray, topic_ids: Sequence[str],
              max_wrong: float = MAX_WRONG_WHEN_FIRED) -> DecisionRule:
    """The loosest rule whose extra assignments are wrong at most ``max_wrong`` of the time on ``proba``.

    ``proba`` are out-of-fold probabilities of the training documents and ``Y`` their labels. Candidates are
    the floor quantiles × lead grid; the one assigning the best topic to most documents wins (ties: the
    stricter floor, then the larger lead).
    """
    quantiles = {q: {t: _quantile(proba[Y[:, j] == 0, j], q) for j, t in enumerate(topic_ids)}
                 for q in (*FLOOR_QUANTILES, HINT_QUANTILE)}
    best, top, lead = _lead(proba)
    rows = np.arange(proba.shape[0])
    right = Y[rows, best] == 1
    chosen: tuple[float, float, float] | None = None  # (fired share, quantile, lead)
    for q in FLOOR_QUANTILES:
        floors = np.array([quantiles[q][t] for t in topic_ids])
        for min_lead in LEAD_GRID:
            fire = (top >= floors[best]) & (lead >= min_lead)
            if not fire.any() or (~right[fire]).mean() > max_wrong:
                continue
            key = (float(fire.mean()), q, min_lead)
            chosen = key if chosen is None or key > chosen else chosen
    if chosen is None:  # nothing safe: the rule never fires
        return DecisionRule({t: 1.0 + _EPS for t in topic_ids}, quantiles[HINT_QUANTILE], float("inf"), 1.0)
    _, q, min_lead = chosen
    return DecisionRule(quantiles[q], quantiles[HINT_QUANTILE], min_lead, q)


def _quantile(values: np.ndarray, q: float) -> float:
    return round(float(np.quantile(values, q)), 4) if values.size else 1.0
