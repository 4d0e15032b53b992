"""``TopicModel``: a fitted pipeline with its topic ids, per-topic thresholds, decision rule and provenance.

An artifact is ``model.joblib`` (the scikit-learn pipeline, for training, evaluation and provenance) and, beside
it, ``scorer.npz`` (``models.topics.scorer``: the same model as arrays, scored without scikit-learn). ``load``
takes the scorer when it was made from this very ``model.joblib`` (its SHA-256), so the enrichment workers
never import scikit-learn; ``load(..., scorer=False)`` gives the pipeline itself."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from models import ARTIFACTS_DIR
from models.topics.decision import DecisionRule, TopicDecision, decide, decision_matrix
from models.topics.errors import ArtifactError
from models.topics.scorer import SCORER_FILE, Scorer, ScorerMismatch, file_sha256, from_pipeline
from models.types import Topic

if TYPE_CHECKING:
    from sklearn.pipeline import Pipeline

ARTIFACT_ROOT = ARTIFACTS_DIR / "topics"
CURRENT_DIR = ARTIFACT_ROOT / "current"
MODEL_FILE = "model.joblib"
METRICS_FILE = "metrics.json"
FORMAT = "evidex.topics.artifact.v1"


@dataclass(frozen=True)
class TopicModel:
    """A trained multi-label topic classifier.

    ``pipeline`` maps texts to one probability column per entry of ``topic_ids``; a topic is assigned when
    its probability reaches ``thresholds[topic]``, and the best topic also when ``rule`` finds it clearly
    leading (see ``models.topics.decision``; artifacts without a rule use thresholds only).
    """

    pipeline: Pipeline | Scorer
    topic_ids: tuple[str, ...]
    thresholds: Mapping[str, float]
    metadata: Mapping[str, Any] = field(default_factory=dict)
    rule: DecisionRule | None = None

    @property
    def version(self) -> str:
        return str(self.metadata.get("version", ""))

    def predict_proba(self, texts: Sequence[str]) -> np.ndarray:
        """Probabilities, shape ``(len(texts), len(topic_ids))``."""
        if not texts:
            return np.zeros((0, len(self.topic_ids)))
        return np.asarray(self.pipeline.predict_proba(list(texts)))

    def decide(self, texts: Sequence[str]) -> list[TopicDecision]:
        """Assigned topics, state (assigned / uncertain / none) and best-scoring topic of each text."""
        return decide(self.predict_proba(texts), self.topic_ids, self.thresholds, self.rule)

    def predict(self, texts: Sequence[str]) -> list[list[Topic]]:
        """Assigned topics of each text, highest score first."""
        return [list(decision.topics) for decision in self.decide(texts)]

    def predict_matrix(self, texts: Sequence[str], topic_ids: Sequence[str],
                       use_rule: bool = True) -> np.ndarray:
        """0/1 decisions for ``topic_ids`` (topics this model does not know are always 0).

        ``use_rule=False`` applies the per-topic thresholds alone (what models without a rule do).
        """
        chosen = decision_matrix(self.predict_proba(texts), self.topic_ids, self.thresholds,
                                 self.rule if use_rule else None)
        out = np.zeros((len(texts), len(topic_ids)), dtype=int)
        for j, topic in enumerate(topic_ids):
            if topic in self.topic_ids:
                out[:, j] = chosen[:, self.topic_ids.index(topic)]
        return out

    def save(self, directory: str | Path, metrics: Mapping[str, Any]) -> Path:
        """Write ``model.joblib``, its ``scorer.npz`` and ``metrics.json`` into ``directory`` (created if needed).

        Raises:
            TypeError: the model was loaded as a scorer (load it with ``scorer=False`` to save it again).
        """
        import joblib

        if isinstance(self.pipeline, Scorer):
            raise TypeError("a topic model loaded as its scorer cannot be saved; load it with scorer=False")
        directory = Path(directory)
        directory.mkdir(parents=True, exist_ok=True)
        info = self._info()
        joblib.dump({"format": FORMAT, "pipeline": self.pipeline, **info}, directory / MODEL_FILE, compress=3)
        (directory / SCORER_FILE).unlink(missing_ok=True)
        try:
            from_pipeline(self.pipeline, file_sha256(directory / MODEL_FILE), info).save(directory / SCORER_FILE)
        except ScorerMismatch:  # a pipeline of another shape: loaded and run as it is
            pass
        text = json.dumps(dict(metrics), ensure_ascii=False, indent=2, sort_keys=True)
        (directory / METRICS_FILE).write_text(text + "\n", encoding="utf-8")
        return directory

    def _info(self) -> dict[str, Any]:
        return {"topic_ids": list(self.topic_ids), "thresholds": dict(self.thresholds),
                "metadata": dict(self.metadata), "rule": self.rule.to_dict() if self.rule is not None else None}

    @classmethod
    def load(cls, directory: str | Path, scorer: bool = True) -> TopicModel:
        """Load a model saved by ``save``: as its scorer when it has a current one (and ``scorer``), else the
        pipeline.

        Raises:
            ArtifactError: the directory has no model file or the file is of another format.
        """
        path = Path(directory) / MODEL_FILE
        if not path.is_file():
            raise ArtifactError(f"no topic model at {path}; train one with `python -m models.topics train`",
                                "T301")
        if scorer and (Path(directory) / SCORER_FILE).is_file():
            try:
                found = Scorer.load(Path(directory) / SCORER_FILE)
            except ScorerMismatch:
                found = None
            if found is not None and found.model_info and found.source_sha256 == file_sha256(path):
                return cls._of(found, found.model_info)
        import joblib

        payload = joblib.load(path)
        if not isinstance(payload, dict) or payload.get("format") != FORMAT:
            raise ArtifactError(f"{path} is not a {FORMAT} artifact", "T302")
        return cls._of(payload["pipeline"], payload)

    @classmethod
    def _of(cls, pipeline: Any, info: Mapping[str, Any]) -> TopicModel:
        rule = DecisionRule.from_dict(info["rule"]) if info.get("rule") else None
        return cls(pipeline, tuple(info["topic_ids"]), dict(info["thresholds"]), dict(info["metadata"]), rule)


def read_metrics(directory: str | Path) -> dict[str, Any]:
    """The metrics JSON stored next to a model (empty when absent)."""
    path = Path(directory) / METRICS_FILE
    return json.loads(path.read_text(encoding="utf-8")) if path.is_file() else {}
