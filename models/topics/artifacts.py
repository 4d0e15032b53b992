"""Versioned artifacts: train → save a candidate with its metrics → promote it only if it is not worse.

Layout under an artifact root (default ``models/artifacts/topics``)::

    current/                 the model in use: model.joblib + scorer.npz + metrics.json
    candidates/<version>/    every trained candidate, kept for audit (not shipped)

The comparison re-scores both models on the corpus's fixed test part, so it is fair even when the
two were trained on different data.
"""

from __future__ import annotations

import shutil
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from models.topics.corpus import Example, load_corpus
from models.topics.evaluation import Comparison, evaluate
from models.topics.model import ARTIFACT_ROOT, CURRENT_DIR, METRICS_FILE, MODEL_FILE, TopicModel, read_metrics
from models.topics.scorer import SCORER_FILE
from models.topics.taxonomy import Taxonomy
from models.topics.training import LabelledPairs, train



@dataclass(frozen=True)
class PromotionDecision:
    """Both models' macro-F1 on the fixed test part and whether the candidate replaced the current one."""

    promoted: bool
    candidate_macro_f1: float
    current_macro_f1: float | None
    reason: str


@dataclass(frozen=True)
class RetrainResult:
    """Outcome of ``retrain``: where the candidate went, its test scores, and the promotion decision."""

    candidate_dir: Path
    version: str
    test: Comparison
    decision: PromotionDecision


def save_candidate(model: TopicModel, metrics: dict[str, object], root: Path = ARTIFACT_ROOT) -> Path:
    """Save under ``root/candidates/<version>`` and return that directory."""
    return model.save(Path(root) / "candidates" / model.version, metrics)


def compare(candidate_dir: str | Path, current_dir: str | Path, tolerance: float = 0.0,
            test_examples: Sequence[Example] | None = None) -> PromotionDecision:
    """Decide, without copying anything, whether the candidate is not worse than the current model."""
    test_examples = list(test_examples) if test_examples is not None else load_corpus("test")
    candidate = evaluate(candidate_dir, test_examples).model.macro_f1
    if not (Path(current_dir) / MODEL_FILE).is_file():
        return PromotionDecision(True, candidate, None, "no current model")
    current = evaluate(current_dir, test_examples).model.macro_f1
    if candidate + tolerance >= current:
        return PromotionDecision(True, candidate, current, f"macro-F1 {candidate:.4f} >= {current:.4f}")
    return PromotionDecision(False, candidate, current, f"macro-F1 {candidate:.4f} < {current:.4f}; kept current")


def install(candidate_dir: str | Path, current_dir: str | Path) -> None:
    """Replace ``current_dir`` with a copy of ``candidate_dir`` (copy aside, then swap by renames)."""
    current_dir = Path(current_dir)
    staging = current_dir.with_name(f".{current_dir.name}.staging")
    retired = current_dir.with_name(f".{current_dir.name}.retired")
    for leftover in (staging, retired):
        shutil.rmtree(leftover, ignore_errors=True)
    staging.mkdir(parents=True)
    for name in (MODEL_FILE, METRICS_FILE, SCORER_FILE):
        if name != SCORER_FILE or (Path(candidate_dir) / name).is_file():
            shutil.copy2(Path(candidate_dir) / name, staging / name)
    if current_dir.exists():
        current_dir.rename(retired)
    staging.rename(current_dir)
    shutil.rmtree(retired, ignore_errors=True)


def promote_if_not_worse(candidate_dir: str | Path, current_dir: str | Path = CURRENT_DIR,
                         tolerance: float = 0.0) -> bool:
    """Install the candidate as current when its test-part macro-F1 is at least the current one's."""
    decision = compare(candidate_dir, current_dir, tolerance)
    if decision.promoted:
        install(candidate_dir, current_dir)
    return decision.promoted


def retrain(taxonomy: Taxonomy, extra: LabelledPairs = (), seed: int = 0, root: str | Path = ARTIFACT_ROOT,
            current_dir: str | Path | None = None, promote: bool = True,
            base: Sequence[Example] | None = None) -> RetrainResult:
    """The whole retraining step: corpus training part + analysts' labels → candidate → (maybe) current.

    The Prefect flow ``retrain_topics`` and ``python -m models.topics train`` both call this. ``base``
    replaces the corpus training part (tests use a smaller one).
    """
    root = Path(root)
    current_dir = Path(current_dir) if current_dir is not None else root / "current"
    test_part = load_corpus("test")
    base = list(base) if base is not None else load_corpus("train")
    model, metrics = train(base, taxonomy, seed=seed, extra=list(extra))
    test = evaluate(model, test_part, taxonomy)
    record = metrics.to_dict() | {"test": test.to_dict(), "test_split": "corpus.jsonl split=test"}
    candidate_dir = save_candidate(model, record, root)
    if promote:
        decision = compare(candidate_dir, current_dir, test_examples=test_part)
        if decision.promoted:
            install(candidate_dir, current_dir)
    else:
        decision = PromotionDecision(False, test.model.macro_f1, None, "promotion not requested")
    stamp = datetime.now(UTC).isoformat(timespec="seconds")
    (candidate_dir / "decision.txt").write_text(f"{stamp} promoted={decision.promoted} {decision.reason}\n",
                                                encoding="utf-8")
    return RetrainResult(candidate_dir, model.version, test, decision)
