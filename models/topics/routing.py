"""Routing figures on the hand-written realistic set: does each document reach its topic's desk?

``covered``: topical documents given any topic; ``routed``: given (at least) their own topic; ``top1``: their own
topic ranks first; ``quiet``: documents about no topic left without one; ``precision``: assigned topics that are
right. Figures are also split by language and by register (e-mail, chat, minutes…).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from models.topics.corpus import Example
from models.topics.keywords import KeywordClassifier
from models.topics.model import TopicModel
from models.topics.scoring import Scores, indicator, score
from models.topics.taxonomy import Taxonomy


@dataclass(frozen=True)
class Routing:
    """Counts for one system on one group of documents (see the module docstring)."""

    system: str
    group: str
    topical: int
    covered: int
    routed: int
    top1: int | None
    empty_docs: int
    quiet: int
    assigned: int
    correct: int
    uncertain: int | None

    @property
    def precision(self) -> float:
        return self.correct / self.assigned if self.assigned else 0.0

    def line(self) -> str:
        def frac(n: int | None, d: int) -> str:
            return f"{'-':>12}" if n is None else f"{n:3}/{d:<3} {n / d if d else 0.0:.2f}"

        return (f"{self.system:18} {self.group:12} covered {frac(self.covered, self.topical)} routed "
                f"{frac(self.routed, self.topical)} top1 {frac(self.top1, self.topical)} quiet "
                f"{frac(self.quiet, self.empty_docs)} precision {self.precision:.2f}"
                + (f"  uncertain {self.uncertain}" if self.uncertain is not None else ""))


@dataclass(frozen=True)
class RoutingReport:
    """Routing of several systems over the same documents, whole set and per group, with multi-label scores."""

    rows: tuple[Routing, ...]
    scores: dict[str, Scores]

    def format(self) -> str:
        lines = [row.line() for row in self.rows]
        lines.append("macro-F1 " + "  ".join(f"{name} {s.macro_f1:.3f}" for name, s in self.scores.items()))
        return "\n".join(lines)


def _count(system: str, group: str, y: np.ndarray, pred: np.ndarray, top: np.ndarray | None,
           uncertain: np.ndarray | None) -> Routing:
    topical = y.sum(axis=1) > 0
    rows = np.arange(len(y))
    return Routing(
        system, group, int(topical.sum()), int((pred[topical].sum(axis=1) > 0).sum()),
        int(((pred & y).sum(axis=1) > 0)[topical].sum()),
        None if top is None else int(y[rows, top][topical].sum()),
        int((~topical).sum()), int((pred[~topical].sum(axis=1) == 0).sum()), int(pred.sum()), int((pred & y).sum()),
        None if uncertain is None else int(uncertain.sum()),
    )


def route(model: TopicModel, examples: Sequence[Example], taxonomy: Taxonomy) -> RoutingReport:
    """The model with its rule, the model with thresholds only, and the keyword baseline on ``examples``."""
    topic_ids = [t for t in model.topic_ids if t in taxonomy]
    texts = [ex.text for ex in examples]
    y = indicator([ex.labels for ex in examples], topic_ids)
    proba = model.predict_proba(texts)
    columns = [model.topic_ids.index(t) for t in topic_ids]
    top = np.argmax(proba[:, columns], axis=1) if len(texts) else np.zeros(0, dtype=int)
    decisions = model.decide(texts)
    uncertain = np.array([d.state == "uncertain" for d in decisions], dtype=bool)
    systems = {
        "model": (model.predict_matrix(texts, topic_ids), top, uncertain),
        "thresholds only": (model.predict_matrix(texts, topic_ids, use_rule=False), top, None),
        "keywords": (KeywordClassifier(taxonomy).predict_matrix(texts, topic_ids), None, None),
    }
    groups: dict[str, np.ndarray] = {"all": np.ones(len(examples), dtype=bool)}
    for key in sorted({ex.lang for ex in examples}) + sorted({ex.source for ex in examples}):
        groups[key.removeprefix("hand:")] = np.array([key in (ex.lang, ex.source) for ex in examples])
    rows = []
    for group, mask in groups.items():
        for name, (pred, best, unsure) in systems.items():
            if group != "all" and name == "thresholds only":
                continue
            rows.append(_count(name, group, y[mask], pred[mask], None if best is None else best[mask],
                               None if unsure is None else unsure[mask]))
    return RoutingReport(tuple(rows), {name: score(y, pred, topic_ids) for name, (pred, _, _) in systems.items()})
