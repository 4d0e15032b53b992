"""The topic scorer (``models.topics.scorer``): the shipped pipeline's probabilities without scikit-learn."""

from __future__ import annotations

import dataclasses
import json
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from models.topics import CURRENT_DIR, TopicModel, load_corpus, load_realistic
from models.topics.model import MODEL_FILE
from models.topics.scorer import SCORER_FILE, Scorer, ScorerMismatch, file_sha256, from_pipeline

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def shipped() -> TopicModel:
    return TopicModel.load(CURRENT_DIR, scorer=False)


def _texts() -> list[str]:
    long_korean = "야간 배송 기사들의 근로시간이 주 52시간을 넘었다. " * 900  # past the 20,000-character head
    return ([e.text for e in load_realistic()] + [e.text for e in load_corpus("test")[:60]]
            + ["", "   \n\t ", "WAF rule change pushed at 02:00", "Transfer-pricing adjustment, Q3 VAT",
               "이전가격 조정으로 해외 자회사에 이익을 옮긴 정황", "ＡＢＣ　전각 문자\u00a0와  공백", long_korean])


def test_shipped_scorer_is_current_and_gives_the_pipelines_probabilities(shipped: TopicModel):
    scorer = Scorer.load(CURRENT_DIR / SCORER_FILE)
    assert scorer.source_sha256 == file_sha256(CURRENT_DIR / MODEL_FILE), \
        "models/artifacts/topics/current/scorer.npz is stale: run TopicModel.save or the scorer's from_pipeline"
    texts = _texts()
    expected = shipped.predict_proba(texts)
    got = scorer.predict_proba(texts)
    assert got.shape == expected.shape == (len(texts), len(shipped.topic_ids))
    assert np.abs(got - expected).max() < 1e-9
    loaded = TopicModel.load(CURRENT_DIR)
    assert isinstance(loaded.pipeline, Scorer)
    assert (loaded.topic_ids, dict(loaded.thresholds), loaded.rule, dict(loaded.metadata)) == \
        (shipped.topic_ids, dict(shipped.thresholds), shipped.rule, dict(shipped.metadata))
    assert [d.topics for d in loaded.decide(texts)] == [d.topics for d in shipped.decide(texts)]


def test_enrichment_loads_topics_without_scikit_learn():
    script = ("import sys; from models.enrich import EnrichConfig, Enricher; "
              "e = Enricher(EnrichConfig(b'k', False, True)); e.warm(); "
              "t = e.enrich_many(['야간조 근무자가 새벽 작업 중 쓰러졌다'], ['ko'])[0].topics; "
              "print(type(e._topics.pipeline).__name__, 'sklearn' in sys.modules, 'scipy' in sys.modules, "
              "t[0].label if t else '-')")
    out = subprocess.run([sys.executable, "-c", script], cwd=REPO, capture_output=True, text=True, check=True,
                         timeout=180)
    assert out.stdout.split() == ["Scorer", "False", "False", "night_work_health"], out.stdout + out.stderr


def test_a_scorer_not_made_from_this_model_is_not_used(shipped: TopicModel, tmp_path: Path):
    target = tmp_path / "m"
    shipped.save(target, {})
    assert isinstance(TopicModel.load(target).pipeline, Scorer)
    other = dataclasses.replace(shipped, thresholds={k: 0.5 for k in shipped.thresholds})
    other.save(tmp_path / "other", {})
    shutil.copy2(tmp_path / "other" / SCORER_FILE, target / SCORER_FILE)  # left behind by another model
    loaded = TopicModel.load(target)
    assert not isinstance(loaded.pipeline, Scorer) and dict(loaded.thresholds) == dict(shipped.thresholds)
    (target / SCORER_FILE).write_bytes(b"not an npz file")
    assert not isinstance(TopicModel.load(target).pipeline, Scorer)
    with pytest.raises(ScorerMismatch):
        Scorer.load(target / SCORER_FILE)
    with pytest.raises(TypeError, match="scorer=False"):
        TopicModel.load(tmp_path / "other").save(tmp_path / "again", {})


def test_a_pipeline_of_another_shape_is_refused_and_still_saves(shipped: TopicModel, tmp_path: Path):
    from sklearn.pipeline import Pipeline

    steps = dict(shipped.pipeline.named_steps)
    changed = Pipeline([("head", steps["head"]), ("features", steps["features"]),
                        ("classifier", steps["classifier"])])
    changed.named_steps["features"].transformer_weights = {"chars": 2.0, "morphemes": 1.0}
    try:
        with pytest.raises(ScorerMismatch, match="weighted"):
            from_pipeline(changed)
        dataclasses.replace(shipped, pipeline=changed).save(tmp_path / "w", {})
        assert not (tmp_path / "w" / SCORER_FILE).exists()
        assert not isinstance(TopicModel.load(tmp_path / "w").pipeline, Scorer)
    finally:
        changed.named_steps["features"].transformer_weights = None
    assert json.loads(json.dumps(Scorer.load(CURRENT_DIR / SCORER_FILE).model_info))["topic_ids"]
