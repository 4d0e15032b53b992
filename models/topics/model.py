"""``TopicModel``: a fitted pipeline with its topic ids, per-topic thresholds and provenance."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import joblib
import numpy as np
from sklearn.pipeline import Pipeline

from models.topics.errors import ArtifactError
from models.types import Topic

MODEL_FILE = "model.joblib"
METRICS_FILE = "metrics.json"
FORMAT = "evidex.topics.artifact.v1"


@dataclass(frozen=True)
class TopicModel:
    """A trained multi-label topic classifier.

    ``pipeline`` maps texts to one probability column per entry of ``topic_ids``; a topic is assigned when
    its probability reaches ``thresholds[topic]``.
    """

    pipeline: Pipeline
    topic_ids: tuple[str, ...]
    thresholds: Mapping[str, float]
    metadata: Mapping[str, Any] = field(default_factory=dict)

    @property
    def version(self) -> str:
        return str(self.metadata.get("version", ""))

    def predict_proba(self, texts: Sequence[str]) -> np.ndarray:
        """Probabilities, shape ``(len(texts), len(topic_ids))``."""
        if not texts:
            return np.zeros((0, len(self.topic_ids)))
        return np.asarray(self.pipeline.predict_proba(list(texts)))

    def predict(self, texts: Sequence[str]) -> list[list[Topic]]:
        """Topics at or above their threshold for each text, highest score first."""
        proba = self.predict_proba(texts)
        cut = np.array([self.thresholds[t] for t in self.topic_ids])
        out = []
        for row in proba:
            hits = [Topic(self.topic_ids[j], round(float(row[j]), 4)) for j in np.flatnonzero(row >= cut)]
            out.append(sorted(hits, key=lambda topic: -topic.score))
        return out

    def predict_matrix(self, texts: Sequence[str], topic_ids: Sequence[str]) -> np.ndarray:
        """0/1 decisions for ``topic_ids`` (topics this model does not know are always 0)."""
        proba = self.predict_proba(texts)
        out = np.zeros((len(texts), len(topic_ids)), dtype=int)
        for j, topic in enumerate(topic_ids):
            if topic in self.topic_ids:
                k = self.topic_ids.index(topic)
                out[:, j] = proba[:, k] >= self.thresholds[topic]
        return out

    def save(self, directory: str | Path, metrics: Mapping[str, Any]) -> Path:
        """Write ``model.joblib`` and ``metrics.json`` into ``directory`` (created if needed)."""
        directory = Path(directory)
        directory.mkdir(parents=True, exist_ok=True)
        payload = {"format": FORMAT, "pipeline": self.pipeline, "topic_ids": list(self.topic_ids),
                   "thresholds": dict(self.thresholds), "metadata": dict(self.metadata)}
        joblib.dump(payload, directory / MODEL_FILE, compress=3)
        text = json.dumps(dict(metrics), ensure_ascii=False, indent=2, sort_keys=True)
        (directory / METRICS_FILE).write_text(text + "\n", encoding="utf-8")
        return directory

    @classmethod
    def load(cls, directory: str | Path) -> TopicModel:
        """Load a model saved by ``save``.

        Raises:
            ArtifactError: the directory has no model file or the file is of another format.
        """
        path = Path(directory) / MODEL_FILE
        if not path.is_file():
            raise ArtifactError(f"no topic model at {path}; train one with `python -m models.topics train`",
                                "T301")
        payload = joblib.load(path)
        if not isinstance(payload, dict) or payload.get("format") != FORMAT:
            raise ArtifactError(f"{path} is not a {FORMAT} artifact", "T302")
        return cls(payload["pipeline"], tuple(payload["topic_ids"]), dict(payload["thresholds"]),
                   dict(payload["metadata"]))


def read_metrics(directory: str | Path) -> dict[str, Any]:
    """The metrics JSON stored next to a model (empty when absent)."""
    path = Path(directory) / METRICS_FILE
    return json.loads(path.read_text(encoding="utf-8")) if path.is_file() else {}
