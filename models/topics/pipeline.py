"""The scikit-learn pipeline that turns texts into per-topic probabilities.

Character n-grams (``char_wb`` 2–4) catch Korean word pieces, code-mixed terms and OCR-damaged words;
Kiwi morphemes (uni- and bigrams) add dictionary forms of Korean stems. One calibrated logistic regression
per topic (one-vs-rest) gives probabilities that per-topic thresholds then cut.
"""

from __future__ import annotations

from sklearn.calibration import CalibratedClassifierCV
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.multiclass import OneVsRestClassifier
from sklearn.pipeline import FeatureUnion, Pipeline

from models.topics.features import MAX_CHARS, KiwiMorphemes, TextHead

PIPELINE_NAME = "evidex.topics.char_kiwi_logreg.v1"
CHAR_FEATURES = 60_000
MORPHEME_FEATURES = 30_000
CALIBRATION_FOLDS = 3


def build_pipeline(seed: int = 0, C: float = 4.0, max_chars: int = MAX_CHARS) -> Pipeline:
    """An unfitted pipeline: text head → [char TF-IDF ‖ Kiwi morpheme TF-IDF] → calibrated one-vs-rest."""
    chars = TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 4), lowercase=True, sublinear_tf=True, min_df=2,
                            max_features=CHAR_FEATURES)
    morphemes = Pipeline([
        ("kiwi", KiwiMorphemes()),
        ("tfidf", TfidfVectorizer(token_pattern=r"\S+", lowercase=False, ngram_range=(1, 2), sublinear_tf=True,
                                  min_df=2, max_features=MORPHEME_FEATURES)),
    ])
    linear = LogisticRegression(C=C, solver="liblinear", dual=True, class_weight="balanced", max_iter=2000,
                                random_state=seed)
    calibrated = CalibratedClassifierCV(linear, method="sigmoid", cv=CALIBRATION_FOLDS, ensemble=False)
    return Pipeline([
        ("head", TextHead(max_chars=max_chars)),
        ("features", FeatureUnion([("chars", chars), ("morphemes", morphemes)])),
        ("classifier", OneVsRestClassifier(calibrated)),
    ])
