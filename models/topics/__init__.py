"""Topics: the task force's questions as a taxonomy, a bilingual multi-label classifier, evaluation, discovery.

    >>> from models.topics import load_taxonomy, TopicModel
    >>> model = TopicModel.load(CURRENT_DIR)                    # doctest: +SKIP
    >>> model.predict(["야간조 근무자가 새벽 작업 중 쓰러졌다"])   # doctest: +SKIP
    [[Topic(label='night_work_health', score=0.93)]]

``python -m models.topics train|evaluate|list|classify|discover`` and ``python -m models.topics.evaluate``
are the command-line entry points. Nothing is read from disk at import.
"""

import importlib
from typing import Any

#: Where each public name lives: imported on first use (PEP 562), so importing a light part of the package
#: (the scorer the enrichment workers run) does not import scikit-learn with the training code.
_WHERE = {
    "ARTIFACT_ROOT": "models.topics.model",
    "Agency": "models.topics.taxonomy",
    "ArtifactError": "models.topics.errors",
    "CURRENT_DIR": "models.topics.model",
    "Cluster": "models.topics.discovery",
    "Comparison": "models.topics.evaluation",
    "DecisionRule": "models.topics.decision",
    "Example": "models.topics.corpus",
    "KeywordClassifier": "models.topics.keywords",
    "KiwiMorphemes": "models.topics.features",
    "LabelError": "models.topics.errors",
    "PIPELINE_NAME": "models.topics.pipeline",
    "PromotionDecision": "models.topics.artifacts",
    "RetrainResult": "models.topics.artifacts",
    "Routing": "models.topics.routing",
    "RoutingReport": "models.topics.routing",
    "Scores": "models.topics.scoring",
    "Taxonomy": "models.topics.taxonomy",
    "TaxonomyError": "models.topics.errors",
    "TextHead": "models.topics.features",
    "TopicDecision": "models.topics.decision",
    "TopicDef": "models.topics.taxonomy",
    "TopicModel": "models.topics.model",
    "TopicScore": "models.topics.scoring",
    "TopicsError": "models.topics.errors",
    "TrainMetrics": "models.topics.training",
    "analyst_examples": "models.topics.corpus",
    "build_pipeline": "models.topics.pipeline",
    "compare": "models.topics.artifacts",
    "cross_validate": "models.topics.evaluation",
    "discover": "models.topics.discovery",
    "evaluate": "models.topics.evaluation",
    "examples_sha256": "models.topics.corpus",
    "install": "models.topics.artifacts",
    "load_corpus": "models.topics.corpus",
    "load_realistic": "models.topics.realistic",
    "load_taxonomy": "models.topics.taxonomy",
    "promote_if_not_worse": "models.topics.artifacts",
    "retrain": "models.topics.artifacts",
    "route": "models.topics.routing",
    "train": "models.topics.training",
    "tune_rule": "models.topics.decision",
}


def __getattr__(name: str) -> Any:
    module = _WHERE.get(name)
    if module is None:
        raise AttributeError(f"module 'models.topics' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


__all__ = [
    "ARTIFACT_ROOT",
    "CURRENT_DIR",
    "PIPELINE_NAME",
    "Agency",
    "ArtifactError",
    "Cluster",
    "Comparison",
    "DecisionRule",
    "Example",
    "KeywordClassifier",
    "KiwiMorphemes",
    "LabelError",
    "PromotionDecision",
    "RetrainResult",
    "Routing",
    "RoutingReport",
    "Scores",
    "Taxonomy",
    "TaxonomyError",
    "TextHead",
    "TopicDecision",
    "TopicDef",
    "TopicModel",
    "TopicScore",
    "TopicsError",
    "TrainMetrics",
    "analyst_examples",
    "build_pipeline",
    "compare",
    "cross_validate",
    "discover",
    "evaluate",
    "examples_sha256",
    "install",
    "load_corpus",
    "load_realistic",
    "load_taxonomy",
    "promote_if_not_worse",
    "retrain",
    "route",
    "train",
    "tune_rule",
]
