"""The Korean trainer's KLUE-only fine-tune config (no training here: the config is built and resolved)."""

from __future__ import annotations

import itertools

import pytest
from thinc.api import registry

from models.ner.tagger import KO_ARTIFACT
from models.ner.train_ko import FINETUNE_LEARN_RATE, finetune_config

pytestmark = pytest.mark.skipif(
    not (KO_ARTIFACT / "config.cfg").exists(), reason="Korean model not trained: python -m models.ner.train_ko"
)


def _rates(config, steps: int) -> list[float]:
    rate = registry.resolve({"x": {"rate": config["training"]["optimizer"]["learn_rate"]}})["x"]["rate"]
    if isinstance(rate, float):
        return [rate] * steps
    return list(itertools.islice(rate, steps))


def test_finetune_sources_both_components_and_keeps_a_constant_rate_by_default(tmp_path):
    config = finetune_config(KO_ARTIFACT, tmp_path / "train.spacy", tmp_path / "dev.spacy", 300)
    assert config["components"]["tok2vec"] == {"source": str(KO_ARTIFACT)}
    assert config["components"]["ner"] == {"source": str(KO_ARTIFACT)}
    assert config["paths"]["train"] == str(tmp_path / "train.spacy")
    assert config["training"]["max_steps"] == 300
    assert set(_rates(config, 300)) == {FINETUNE_LEARN_RATE}


def test_finetune_decay_falls_linearly_to_zero_over_the_steps(tmp_path):
    config = finetune_config(KO_ARTIFACT, tmp_path / "t", tmp_path / "d", 200, learn_rate=0.0004, decay=True,
                             eval_frequency=50)
    rates = _rates(config, 201)
    assert max(rates) == pytest.approx(0.0004)
    assert rates[100] == pytest.approx(0.0002, rel=0.02)
    assert rates[200] == pytest.approx(0.0, abs=1e-9)
    assert all(a >= b for a, b in zip(rates[1:], rates[2:]))
    assert config["training"]["eval_frequency"] == 50


def test_every_evaluation_is_kept_once(tmp_path):
    import spacy

    from models.ner.train_ko import STEPS_DIR, keep_every_checkpoint

    nlp = spacy.load(KO_ARTIFACT)
    keep_every_checkpoint(nlp, tmp_path / STEPS_DIR)
    nlp.to_disk(tmp_path / "model-last")
    nlp.to_disk(tmp_path / "model-last")  # the loop's closing save of the same weights
    nlp.to_disk(tmp_path / "model-best")
    assert [p.name for p in (tmp_path / STEPS_DIR).iterdir()] == ["eval-000"]
    assert (tmp_path / STEPS_DIR / "eval-000" / "ner" / "model").exists()


def test_the_mean_of_one_pipeline_twice_tags_as_it_does(tmp_path):
    import spacy

    from models.ner.train_ko import average_pipelines

    text = "국방부 감사관실은 지난 3일 부산 동부경찰서에 김철수 씨를 고발했다."
    average_pipelines([KO_ARTIFACT, KO_ARTIFACT], tmp_path / "mean")
    before = [(e.text, e.label_) for e in spacy.load(KO_ARTIFACT)(text).ents]
    after = [(e.text, e.label_) for e in spacy.load(tmp_path / "mean")(text).ents]
    assert after == before and before
