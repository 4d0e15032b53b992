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


def _floret_pipeline(folder):
    """A tiny untrained pipeline of ko_config.cfg with a random floret table keyed by NORM in its tok2vec."""
    import numpy
    from spacy.util import load_config, load_model_from_config
    from spacy.vectors import Vectors

    from models.ner import registrations
    from models.ner.train_ko import CONFIG_PATH
    from models.ner.vectors_ko import KEY_ATTR

    registrations.ensure_registered()
    config = load_config(CONFIG_PATH, overrides={"components.tok2vec.model.embed.include_static_vectors": True})
    nlp = load_model_from_config(config, auto_fill=True)
    data = numpy.random.default_rng(3).normal(size=(64, 8)).astype("float32")
    nlp.vocab.vectors = Vectors(strings=nlp.vocab.strings, data=data, mode="floret", minn=2, maxn=4, hash_count=2,
                                attr=KEY_ATTR)
    nlp.get_pipe("ner").add_label("PS")
    nlp.initialize()
    nlp.to_disk(folder)
    return nlp


def test_finetune_takes_the_static_vectors_from_the_pipeline_it_goes_on_from(tmp_path):
    import spacy

    _floret_pipeline(tmp_path / "p")
    config = finetune_config(tmp_path / "p", tmp_path / "t", tmp_path / "d", 10)
    assert config["paths"]["vectors"] == str(tmp_path / "p")
    loaded = spacy.load(tmp_path / "p")  # spaCy reads the floret table itself: no floret package at run time
    assert loaded.vocab.vectors.mode == "floret" and loaded.vocab.vectors.attr == spacy.attrs.NORM
    doc = loaded("서울 강남경찰서는 김철수 씨를 조사했다.")
    assert len(doc) > 5


def test_vector_text_keeps_korean_lines_and_writes_the_ner_tokens_norms(tmp_path):
    from models.ner.vectors_ko import blank_pipeline, korean_lines, write_token_lines

    text = "Invoice No. 4471\n  국방부 감사관실은   지난 3일 보고서를 냈다.\nSee the annex 첨부\n\n서울"
    assert korean_lines(text) == ["국방부 감사관실은 지난 3일 보고서를 냈다."]
    lines = ["국방부 감사관실은 지난 3일 OECD 보고서를 냈다."]
    tokens = write_token_lines(lines, tmp_path / "tokens.txt")
    written = (tmp_path / "tokens.txt").read_text(encoding="utf-8").split()
    expected = [t.norm_ for t in blank_pipeline().make_doc(lines[0]) if not t.is_space]
    assert written == expected and tokens == len(expected)
    assert "oecd" in written and "국방부" in written
