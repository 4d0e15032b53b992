"""Prefect flow ``retrain_topics``: analysts' labels → train a candidate → evaluate → promote or keep."""

from __future__ import annotations

import shutil
from dataclasses import dataclass

from prefect import flow, task
from prefect.cache_policies import NO_CACHE

from evidex.search.identity import User
from evidex.search.labels import LabelStore
from evidex.search.factory import search_service
from evidex.settings import Settings
from flows.handles import take


@dataclass(frozen=True)
class RetrainSummary:
    labelled_documents: int
    version: str
    candidate_macro_f1: float
    current_macro_f1: float | None
    keyword_macro_f1: float
    promoted: bool
    reason: str
    active_dir: str


@task(name="gather-labels", cache_policy=NO_CACHE)
def gather_labels(settings: Settings, user: User) -> list[tuple[str, list[str]]]:
    return LabelStore(settings.data_dir, search_service(settings)).training_pairs(user)


@task(name="train-evaluate-promote", cache_policy=NO_CACHE)
def train_and_promote(settings: Settings, pairs: list[tuple[str, list[str]]], seed: int) -> RetrainSummary:
    from models.topics import CURRENT_DIR, retrain

    current = settings.topics_root / "current"
    if not (current / "model.joblib").is_file():
        # the deployment starts from the shipped model, so promotion means "not worse than what is in use"
        shutil.copytree(settings.active_topics_dir() if settings.topics_dir else CURRENT_DIR, current,
                        dirs_exist_ok=True)
    result = retrain(settings.taxonomy(), pairs, seed=seed, root=settings.topics_root, current_dir=current)
    return RetrainSummary(
        labelled_documents=len(pairs), version=result.version,
        candidate_macro_f1=result.decision.candidate_macro_f1, current_macro_f1=result.decision.current_macro_f1,
        keyword_macro_f1=result.test.keywords.macro_f1, promoted=result.decision.promoted,
        reason=result.decision.reason, active_dir=str(settings.active_topics_dir()),
    )


@flow(name="retrain_topics", persist_result=False)
def retrain_topics(handle: str, user_name: str, agency: str, seed: int = 0) -> RetrainSummary:
    """Retrain the topic classifier from the corpus plus every label the user may see.

    ``handle`` names the settings and the user (``flows.handles``); the names only describe the run.
    """
    import time

    settings, user, progress = take(handle)
    started = time.perf_counter()

    def stage(name: str, step: int) -> None:
        if progress is not None:
            progress({"event": "stage", "stage": name, "step": step, "steps": 3,
                      "seconds": time.perf_counter() - started})

    stage("gathering analysts' labels", 1)
    pairs = gather_labels(settings, user)
    stage(f"training and evaluating a candidate on the corpus + {len(pairs)} labelled document(s)", 2)
    summary = train_and_promote(settings, pairs, seed)
    stage("promoted" if summary.promoted else "current model kept", 3)
    return summary
