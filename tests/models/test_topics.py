"""The topic classifier end to end: analysts' labels, artifacts in a fresh process, seeds, promotion, taxonomy.

Models here train on half of the corpus's training part to keep the file under a minute or so.
"""

from __future__ import annotations

import dataclasses
import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from models.topics import (
    CURRENT_DIR,
    LabelError,
    TaxonomyError,
    TopicModel,
    evaluate,
    load_corpus,
    load_taxonomy,
    promote_if_not_worse,
    retrain,
    train,
)
from models.types import Topic

REPO = Path(__file__).resolve().parents[2]
SEED = 7
FOLDS = 3  # fewer threshold-tuning folds than the default keep these tests quick

NEW_TOPIC_TOML = """
version = 1
[agencies.kisa]
name_ko = "한국인터넷진흥원"
name_en = "Korea Internet & Security Agency"

[[topics]]
id = "ad_data_brokers"
name_ko = "광고용 데이터 제공"
name_en = "Customer data shared with ad brokers"
agencies = ["kcc", "pipc", "kisa"]
keywords_en = ["retargeting"]
"""

# Analysts' documents of a kind the shipped corpus does not have: a new agency topic ...
_BROKER_KO = ["고객 구매 이력이 광고 대행사 {x}에 맞춤형 광고용으로 넘어갔다.",
              "{x}와 쿠키 ID·전화번호 해시를 매칭해 타겟 세그먼트 {n}개를 만들었다.",
              "동의 없이 행태정보를 {x} 애드네트워크에 전송한 SDK가 앱에 들어 있었다.",
              "데이터 브로커 {x}가 회원 성향 점수를 건당 {n}원에 사들였다."]
_BROKER_EN = ["Purchase histories were shared with ad network {x} for retargeting campaigns.",
              "Hashed phone numbers were matched with {x} cookie IDs to build {n} audience segments.",
              "An SDK in the app sent behavioural data to {x} without consent.",
              "Data broker {x} bought member propensity scores at {n} won each."]
_BROKERS = ["AdNova", "타겟링크", "Brightpixel", "애드메이트", "Cohortly", "MediaHive", "픽셀원", "Adverity"]
# ... and a scam the corpus never mentions, which analysts file under an existing topic.
_PHISHING = ["검찰 수사관을 사칭한 전화에 속아 {n}만원을 '안전계좌'로 옮겼다.",
             "A caller posing as a prosecutor told the victim to move {n} million won into a 'safe account'.",
             "보이스피싱범은 피해자 휴대폰에 원격제어 앱 {x}를 설치하게 했다.",
             "The scammer had the victim install the remote-control app {x} on her phone."]


def _fill(templates: list[str], i: int) -> str:
    return templates[i % len(templates)].format(x=_BROKERS[i % len(_BROKERS)], n=120 + 37 * i)


def _brokers(indices: range) -> list[str]:
    return [_fill(_BROKER_KO if i % 2 else _BROKER_EN, i // 2) for i in indices]


@pytest.fixture(scope="module")
def half_corpus():
    return load_corpus("train")[::2]


@pytest.fixture(scope="module")
def base_model(half_corpus):
    model, metrics = train(half_corpus, load_taxonomy(), seed=SEED, folds=FOLDS)
    return model, metrics


@pytest.fixture(scope="module")
def broker_taxonomy(tmp_path_factory):
    extra = tmp_path_factory.mktemp("agency_topics")
    (extra / "kisa.toml").write_text(NEW_TOPIC_TOML, encoding="utf-8")
    return load_taxonomy([extra])


def test_retraining_with_analyst_labels_changes_predictions_on_similar_documents(half_corpus, base_model,
                                                                                  broker_taxonomy):
    before, _ = base_model
    labels = [(text, ["ad_data_brokers"]) for text in _brokers(range(16))]
    labels += [(_fill(_PHISHING, i), ["fraud_payments_loans"]) for i in range(12)]
    after, metrics = train(half_corpus, broker_taxonomy, seed=SEED, extra=labels, folds=FOLDS)
    assert metrics.n_analyst == 28 and "ad_data_brokers" in after.topic_ids

    unseen_brokers = _brokers(range(16, 24))
    assert not any(t.label == "ad_data_brokers" for ts in before.predict(unseen_brokers) for t in ts)
    hits = [any(t.label == "ad_data_brokers" for t in ts) for ts in after.predict(unseen_brokers)]
    assert sum(hits) >= 6, hits

    unseen_phishing = [_fill(_PHISHING, i) for i in range(12, 20)]
    fraud = before.topic_ids.index("fraud_payments_loans")
    p_before = before.predict_proba(unseen_phishing)[:, fraud]
    p_after = after.predict_proba(unseen_phishing)[:, after.topic_ids.index("fraud_payments_loans")]
    assert p_after.mean() > p_before.mean() + 0.2, (p_before, p_after)
    flagged = [sum(t.label == "fraud_payments_loans" for t in ts) for m in (before, after)
               for ts in [sum(m.predict(unseen_phishing), [])]]
    assert flagged[0] <= 2 and flagged[1] >= 6, flagged


def test_fixed_seed_reproduces_model(half_corpus, base_model):
    model, metrics = base_model
    again, metrics_again = train(half_corpus, load_taxonomy(), seed=SEED, folds=FOLDS)
    texts = [ex.text for ex in load_corpus("test")[:40]]
    assert metrics_again.thresholds == metrics.thresholds
    assert metrics_again.train_sha256 == metrics.train_sha256
    np.testing.assert_array_equal(again.predict_proba(texts), model.predict_proba(texts))


def test_artifact_loads_in_fresh_process_with_same_predictions(base_model, tmp_path):
    model, metrics = base_model
    model.save(tmp_path / "m", metrics.to_dict())
    texts = [ex.text for ex in load_corpus("test")[:25]] + ["", "점심 메뉴 공지"]
    (tmp_path / "texts.json").write_text(json.dumps(texts, ensure_ascii=False), encoding="utf-8")
    script = ("import json, sys; from models.topics import TopicModel; "
              "m = TopicModel.load(sys.argv[1]); texts = json.load(open(sys.argv[2], encoding='utf-8')); "
              "print(json.dumps([[[t.label, t.score] for t in ts] for ts in m.predict(texts)]))")
    out = subprocess.run([sys.executable, "-c", script, str(tmp_path / "m"), str(tmp_path / "texts.json")],
                         cwd=REPO, capture_output=True, text=True, check=True, timeout=120)
    assert json.loads(out.stdout) == [[[t.label, t.score] for t in ts] for ts in model.predict(texts)]
    saved = json.loads((tmp_path / "m" / "metrics.json").read_text(encoding="utf-8"))
    assert len(saved["train_sha256"]) == 64 and saved["seed"] == SEED


def test_promotion_only_when_not_worse(base_model, tmp_path):
    model, metrics = base_model
    current = tmp_path / "current"
    good = model.save(tmp_path / "good", metrics.to_dict())
    assert promote_if_not_worse(good, current) is True  # nothing to beat yet
    timid = dataclasses.replace(model, thresholds={t: 0.999 for t in model.topic_ids}, rule=None)
    worse = timid.save(tmp_path / "worse", metrics.to_dict())
    assert promote_if_not_worse(worse, current) is False
    assert TopicModel.load(current).thresholds == model.thresholds
    assert promote_if_not_worse(good, current) is True  # equal is not worse


def test_retrain_saves_a_candidate_and_promotes_it_over_a_worse_current(half_corpus, base_model, tmp_path):
    model, metrics = base_model
    timid = dataclasses.replace(model, thresholds={t: 0.999 for t in model.topic_ids}, rule=None)
    timid.save(tmp_path / "current", metrics.to_dict())
    result = retrain(load_taxonomy(), [("검찰 수사관을 사칭한 전화", ["fraud_payments_loans"])], seed=SEED,
                     root=tmp_path, base=half_corpus[::2])
    assert result.decision.promoted and result.candidate_dir.parent == tmp_path / "candidates"
    saved = json.loads((tmp_path / "current" / "metrics.json").read_text(encoding="utf-8"))
    assert saved["version"] == result.version and saved["n_analyst"] == 1
    assert saved["test"]["model"]["macro_f1"] == result.test.model.macro_f1 > 0.8


def test_shipped_artifact_predicts_topics_and_records_its_data():
    model = TopicModel.load(CURRENT_DIR)
    metrics = json.loads((CURRENT_DIR / "metrics.json").read_text(encoding="utf-8"))
    assert len(metrics["train_sha256"]) == 64 and metrics["test"]["model"]["macro_f1"] >= 0.85
    [night], [none] = model.predict(["야간조 근무자가 새벽 작업 중 쓰러져 병원으로 이송되었다."]), model.predict(
        ["구내식당 이번 주 메뉴를 안내드립니다."])
    assert night and night[0].label == "night_work_health" and isinstance(night[0], Topic)
    assert none == [] and model.predict([]) == []
    assert evaluate(model).model.macro_f1 == metrics["test"]["model"]["macro_f1"]


def test_unknown_labels_are_rejected(half_corpus):
    with pytest.raises(LabelError) as err:
        train(half_corpus[:20], load_taxonomy(), extra=[("text", ["no_such_topic"])])
    assert err.value.code == "T202" and "no_such_topic" in str(err.value)


# --- taxonomy validation -------------------------------------------------------------------------------

def _write(directory: Path, name: str, text: str) -> Path:
    directory.mkdir(exist_ok=True)
    (directory / name).write_text(text, encoding="utf-8")
    return directory


def test_base_taxonomy_is_bilingual_and_names_known_agencies():
    taxonomy = load_taxonomy()
    assert len(taxonomy) == 9 and len(set(taxonomy.ids)) == 9
    agencies = {a.id for a in taxonomy.agencies}
    for topic in taxonomy:
        assert topic.name_ko and topic.name_en and topic.description_ko and topic.description_en
        assert set(topic.agencies) <= agencies
    assert {t.id for t in taxonomy.for_agency("ftc")} == {"consumer_damage", "hard_to_cancel"}
    assert [t.id for t in taxonomy.for_agency("kcc")] == ["hard_to_cancel"]


def test_agency_topics_merge(broker_taxonomy):
    assert broker_taxonomy.ids[-1] == "ad_data_brokers" and len(broker_taxonomy) == 10
    assert broker_taxonomy.get("ad_data_brokers").source == "kisa.toml"


@pytest.mark.parametrize(("text", "code"), [
    ('[[topics]]\nid = "tax_matters"\nname_ko = "세무2"\nname_en = "Tax again"\nagencies = ["nts"]\n', "T107"),
    ('[[topics]]\nid = "x_topic"\nname_ko = "가"\nname_en = "A"\nagencies = ["nts"]\ncolour = "red"\n', "T102"),
    ('[[topics]]\nid = "x_topic"\nname_ko = "가"\nagencies = ["nts"]\n', "T103"),
    ('[[topics]]\nid = "x_topic"\nname_ko = "가"\nname_en = "A"\nagencies = ["nobody"]\n', "T108"),
    ('[agencies.nts]\nname_ko = "국세청"\nname_en = "NTS"\n', "T107"),
    ('owner = "me"\n', "T102"),
    ('version = 2\n', "T105"),
    ('[[topics]]\nid = "Bad Id"\nname_ko = "가"\nname_en = "A"\nagencies = ["nts"]\n', "T104"),
    ("[[topics]\n", "T101"),
])
def test_taxonomy_validation_rejects(tmp_path, text, code):
    with pytest.raises(TaxonomyError) as err:
        load_taxonomy([_write(tmp_path / "extra", "agency.toml", text)])
    assert err.value.code == code


def test_duplicate_ids_across_two_extra_files_are_rejected(tmp_path):
    topic = '[[topics]]\nid = "dup_topic"\nname_ko = "가"\nname_en = "A"\nagencies = ["kcc"]\n'
    extra = _write(_write(tmp_path / "extra", "a.toml", topic), "b.toml", topic)
    with pytest.raises(TaxonomyError, match="dup_topic.*defined twice"):
        load_taxonomy([extra])
