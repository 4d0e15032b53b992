"""Parts of the topics package: exports, corpus and its generator, Kiwi features, discovery, keywords, CLI."""

from __future__ import annotations

import json
import pickle
import subprocess
import sys
from collections import Counter
from pathlib import Path

import numpy as np
from sklearn.base import clone

import models.topics
from models.topics import (
    KeywordClassifier,
    KiwiMorphemes,
    TextHead,
    discover,
    examples_sha256,
    load_corpus,
    load_taxonomy,
)
from models.topics.corpus import CORPUS_PATH
from models.topics.data import generate
from models.topics.training import tune_threshold

REPO = Path(__file__).resolve().parents[2]


def test_exported_names():
    assert sorted(models.topics.__all__) == sorted(
        ["ARTIFACT_ROOT", "CURRENT_DIR", "PIPELINE_NAME", "Agency", "ArtifactError", "Cluster", "Comparison",
         "Example", "KeywordClassifier", "KiwiMorphemes", "LabelError", "PromotionDecision", "RetrainResult",
         "Scores", "Taxonomy", "TaxonomyError", "TextHead", "TopicDef", "TopicModel", "TopicScore", "TopicsError",
         "TrainMetrics", "analyst_examples", "build_pipeline", "compare", "cross_validate", "discover",
         "evaluate", "examples_sha256", "install", "load_corpus", "load_taxonomy", "promote_if_not_worse",
         "retrain", "train", "DecisionRule", "TopicDecision", "tune_rule", "load_realistic", "Routing",
         "RoutingReport", "route"])
    assert all(hasattr(models.topics, name) for name in models.topics.__all__)


def test_committed_corpus_is_what_the_generator_writes():
    lines = CORPUS_PATH.read_text(encoding="utf-8").splitlines()
    assert [json.loads(line) for line in lines] == generate.generate(generate.DEFAULT_SEED)


def test_corpus_is_bilingual_multilabel_with_enough_examples_per_topic():
    train_part, test_part = load_corpus("train"), load_corpus("test")
    assert len(test_part) >= 150 and not {e.id for e in train_part} & {e.id for e in test_part}
    counts = Counter(label for e in train_part for label in e.labels)
    assert set(counts) == set(load_taxonomy().ids) and min(counts.values()) >= 60
    assert sum(not e.labels for e in train_part) >= 100  # noise
    assert sum(len(e.labels) > 1 for e in train_part) >= 80  # multi-label
    for topic in counts:
        langs = Counter(e.lang for e in train_part if topic in e.labels)
        assert langs["ko"] >= 15 and langs["en"] >= 15 and langs["mixed"] >= 3, (topic, langs)


def test_training_set_digest_ignores_order():
    examples = load_corpus("test")
    assert examples_sha256(examples) == examples_sha256(list(reversed(examples)))
    assert examples_sha256(examples) != examples_sha256(examples[1:])


def test_kiwi_transformer_follows_the_estimator_contract():
    kiwi = KiwiMorphemes(max_chars=100)
    assert clone(kiwi).get_params() == kiwi.get_params()
    restored = pickle.loads(pickle.dumps(kiwi.fit(["x"])))
    assert restored.transform(["회원 정보가 유출되었다 via the Admin console"]) == ["회원 정보 유출 admin console"]
    assert kiwi.transform(["야간 근무를 했습니다"]) == ["야간 근무 하다"]
    assert TextHead(3).fit_transform(["abcdef", ""]) == ["abc", ""]


def test_threshold_tuning_picks_the_middle_of_the_best_plateau():
    y = np.array([1, 1, 0, 0])
    proba = np.array([0.9, 0.8, 0.3, 0.1])
    assert 0.3 < tune_threshold(y, proba) <= 0.8


def test_discover_separates_two_themes_deterministically():
    night = [f"야간조 근무자 {i}명이 새벽 교대 근무 후 건강진단을 받지 못했다" for i in range(6)]
    tax = [f"법인세 신고에서 이전가격 로열티 {i}억원이 세무조사 대상이 되었다" for i in range(6)]
    texts = night + tax + ["", "..."]
    clusters = discover(texts, n_topics=2, seed=0)
    assert clusters == discover(texts, n_topics=2, seed=0)
    groups = sorted(sorted(c.doc_indices) for c in clusters)
    assert groups == [list(range(6)), list(range(6, 12))]
    assert any("야간" in c.top_terms for c in clusters) and any("법인세" in c.top_terms for c in clusters)
    assert discover([], 3) == []


def test_keyword_baseline_matches_case_insensitively():
    taxonomy = load_taxonomy()
    matrix = KeywordClassifier(taxonomy).predict_matrix(["VAT return", "오늘 점심"], ["tax_matters"])
    assert matrix.tolist() == [[1], [0]]


def test_command_line_lists_and_classifies():
    listed = subprocess.run([sys.executable, "-m", "models.topics", "list", "--json", "--agency", "kcc"],
                            cwd=REPO, capture_output=True, text=True, check=True, timeout=120)
    assert [t["id"] for t in json.loads(listed.stdout)] == ["hard_to_cancel"]
    classified = subprocess.run([sys.executable, "-m", "models.topics", "classify", "-", "--json"], cwd=REPO,
                                input="무료 체험이 끝나자 고지 없이 월 회비가 청구됐고 해지 버튼은 숨겨져 있었다.",
                                capture_output=True, text=True, check=True, timeout=120)
    decision = json.loads(classified.stdout)
    assert decision["state"] == "assigned" and decision["topics"][0]["label"] == "hard_to_cancel"
