"""Topics: the task force's questions as a taxonomy, a bilingual multi-label classifier, evaluation, discovery.

    >>> from models.topics import load_taxonomy, TopicModel
    >>> model = TopicModel.load(CURRENT_DIR)                    # doctest: +SKIP
    >>> model.predict(["야간조 근무자가 새벽 작업 중 쓰러졌다"])   # doctest: +SKIP
    [[Topic(label='night_work_health', score=0.93)]]

``python -m models.topics train|evaluate|list|classify|discover`` and ``python -m models.topics.evaluate``
are the command-line entry points. Nothing is read from disk at import.
"""

from models.topics.artifacts import (
    ARTIFACT_ROOT,
    CURRENT_DIR,
    PromotionDecision,
    RetrainResult,
    compare,
    install,
    promote_if_not_worse,
    retrain,
)
from models.topics.corpus import Example, analyst_examples, examples_sha256, load_corpus
from models.topics.decision import DecisionRule, TopicDecision, tune_rule
from models.topics.discovery import Cluster, discover
from models.topics.errors import ArtifactError, LabelError, TaxonomyError, TopicsError
from models.topics.evaluation import Comparison, cross_validate, evaluate
from models.topics.features import KiwiMorphemes, TextHead
from models.topics.keywords import KeywordClassifier
from models.topics.model import TopicModel
from models.topics.pipeline import PIPELINE_NAME, build_pipeline
from models.topics.realistic import load_realistic
from models.topics.routing import Routing, RoutingReport, route
from models.topics.scoring import Scores, TopicScore
from models.topics.taxonomy import Agency, Taxonomy, TopicDef, load_taxonomy
from models.topics.training import TrainMetrics, train

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
