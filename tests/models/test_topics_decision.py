"""Topic decisions: a clear leader is never dropped, extra topics need their threshold, the realistic set routes."""

from __future__ import annotations

import dataclasses
from collections import Counter

import numpy as np
import pytest

from models.topics import (
    CURRENT_DIR,
    DecisionRule,
    LabelError,
    TopicModel,
    load_realistic,
    load_taxonomy,
    route,
    tune_rule,
)
from models.topics.decision import decide, decision_matrix

IDS = ("a", "b", "c")
THRESHOLDS = {"a": 0.6, "b": 0.6, "c": 0.6}
RULE = DecisionRule(floors={"a": 0.05, "b": 0.05, "c": 0.05}, hints={"a": 0.01, "b": 0.01, "c": 0.01},
                    min_lead=1.0, floor_quantile=0.99)


def test_a_clearly_leading_topic_is_assigned_below_its_threshold():
    proba = np.array([[0.2, 0.02, 0.01]])  # far below the 0.6 threshold, far ahead of the runner-up
    [decision] = decide(proba, IDS, THRESHOLDS, RULE)
    assert decision.state == "assigned" and [t.label for t in decision.topics] == ["a"]
    assert decide(proba, IDS, THRESHOLDS, None)[0].topics == ()  # thresholds alone drop it


def test_a_leader_never_loses_what_thresholds_give_and_extras_need_their_threshold():
    proba = np.array([[0.9, 0.7, 0.3], [0.3, 0.25, 0.0], [0.03, 0.001, 0.0], [0.02, 0.015, 0.014]])
    ruled, plain = decision_matrix(proba, IDS, THRESHOLDS, RULE), decision_matrix(proba, IDS, THRESHOLDS, None)
    assert (ruled >= plain).all()
    assert ruled[0].tolist() == [1, 1, 0]  # c at 0.3 is not an extra topic
    assert ruled[1].tolist() == [0, 0, 0]  # no clear lead (log-odds gap 0.25)
    states = [d.state for d in decide(proba, IDS, THRESHOLDS, RULE)]
    assert states == ["assigned", "uncertain", "uncertain", "uncertain"]
    assert decide(np.array([[0.005, 0.004, 0.001]]), IDS, THRESHOLDS, RULE)[0].state == "none"


def test_tuned_rule_keeps_its_extra_assignments_right_on_the_data_it_saw():
    rng = np.random.default_rng(0)
    Y = np.eye(3, dtype=int)[rng.integers(0, 3, 300)]
    Y[:60] = 0  # documents about nothing
    proba = np.clip(Y * rng.uniform(0.1, 0.9, Y.shape) + rng.uniform(0, 0.08, Y.shape), 0, 1)
    rule = tune_rule(Y, proba, IDS)
    fired = decision_matrix(proba, IDS, {t: 1.1 for t in IDS}, rule)
    wrong = (fired & (1 - Y)).sum()
    assert fired.sum() > 100 and wrong <= 0.02 * fired.sum()
    assert DecisionRule.from_dict(rule.to_dict()) == rule


def test_realistic_set_is_hand_written_bilingual_and_covers_every_topic():
    docs = load_realistic(taxonomy=load_taxonomy())
    counts = Counter(label for d in docs for label in d.labels)
    assert set(counts) == set(load_taxonomy().ids) and min(counts.values()) >= 8
    assert sum(not d.labels for d in docs) >= 8
    langs, registers = Counter(d.lang for d in docs), Counter(d.source for d in docs)
    assert langs["ko"] >= 30 and langs["en"] >= 30
    assert {"hand:email", "hand:chat", "hand:minutes", "hand:press", "hand:letter", "hand:complaint"} <= set(registers)


def test_realistic_loader_rejects_malformed_records(tmp_path):
    bad = tmp_path / "bad.txt"
    bad.write_text("=== r1 | tax_matters | ko\n본문\n", encoding="utf-8")
    with pytest.raises(LabelError) as err:
        load_realistic(bad)
    assert err.value.code == "T205"
    bad.write_text("=== r1 | no_topic | ko | email\n본문\n", encoding="utf-8")
    with pytest.raises(LabelError):
        load_realistic(bad, taxonomy=load_taxonomy())


def test_shipped_model_routes_realistic_documents():
    taxonomy = load_taxonomy()
    model = TopicModel.load(CURRENT_DIR)
    assert model.rule is not None
    rows = {(r.system, r.group): r for r in route(model, load_realistic(taxonomy=taxonomy), taxonomy).rows}
    ruled, plain = rows["model", "all"], rows["thresholds only", "all"]
    assert ruled.routed >= 0.88 * ruled.topical and ruled.routed > plain.routed
    assert ruled.quiet == ruled.empty_docs and ruled.precision >= 0.95
    [decision] = model.decide(["Hi Jun, the auditors flagged the 6% brand fee we pay to the Singapore affiliate; "
                               "we need updated TP documentation before the NTS field audit."])
    assert decision.state != "none" and decision.best.label == "tax_matters"  # short: at least a visible guess


def test_artifacts_without_a_rule_still_load_and_use_thresholds(tmp_path):
    model = TopicModel.load(CURRENT_DIR, scorer=False)
    legacy = dataclasses.replace(model, rule=None)
    legacy.save(tmp_path / "legacy", {})
    loaded = TopicModel.load(tmp_path / "legacy")
    texts = ["야간조 근무자가 새벽 작업 중 쓰러졌다", "구내식당 메뉴"]
    assert loaded.rule is None
    assert loaded.predict_matrix(texts, model.topic_ids).tolist() == \
        model.predict_matrix(texts, model.topic_ids, use_rule=False).tolist()
