"""The fitted topic pipeline as plain arrays, scored without scikit-learn.

A trained model (``models.topics.pipeline``: text head → character TF-IDF ‖ Kiwi-morpheme TF-IDF → one
sigmoid-calibrated logistic regression per topic) is a vocabulary, an idf vector and a row of weights per topic
for each of its two feature sets, and an intercept and two calibration numbers per topic. :class:`Scorer` holds
those and computes the same probabilities (to rounding) with the standard library and numpy, so an enrichment
worker loads the topic model in milliseconds instead of importing scikit-learn and SciPy (≈ 1.5 s of CPU per
worker or model server; ``models.topics.model`` picks it when the artifact has one).

Saved as ``scorer.npz`` beside ``model.joblib`` (no pickles: strings as UTF-8 bytes, the header as JSON), with
the SHA-256 of the ``model.joblib`` it was made from, so a scorer left behind by an older model is not used.
"""

from __future__ import annotations

import hashlib
import json
import math
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from models.topics.morphs import _analyse

SCORER_FILE = "scorer.npz"
FORMAT = "evidex.topics.scorer.v1"
_SPACES = re.compile(r"\s\s+")  # as scikit-learn's char_wb analyser normalises white space
_TOKENS = re.compile(r"\S+")  # the morpheme vectoriser's token pattern
_SEPARATOR = "\x00"  # no term holds it: character n-grams never span white space, morpheme n-grams join with " "


class ScorerMismatch(ValueError):
    """The pipeline is not of the shape the scorer reproduces, or the file is not a scorer of this format."""


@dataclass(frozen=True)
class _Features:
    """One TF-IDF feature set: its terms' columns, idf and the topics' weights on them (``topics × terms``)."""

    vocabulary: dict[str, int]
    idf: np.ndarray
    weights: np.ndarray

    def weigh(self, terms: list[str]) -> np.ndarray:
        """The topics' raw scores from this set for one text's terms (sublinear tf × idf, l2-normalised)."""
        counts: dict[int, int] = {}
        vocabulary = self.vocabulary
        for term in terms:
            column = vocabulary.get(term)
            if column is not None:
                counts[column] = counts.get(column, 0) + 1
        if not counts:
            return np.zeros(self.weights.shape[0])
        columns = np.fromiter(counts.keys(), dtype=np.intp, count=len(counts))
        tf = np.fromiter(counts.values(), dtype=np.float64, count=len(counts))
        values = (np.log(tf) + 1.0) * self.idf[columns]
        norm = math.sqrt(float(values @ values))
        if norm > 0:
            values /= norm
        return self.weights[:, columns] @ values


@dataclass(frozen=True)
class Scorer:
    """Per-topic probabilities of texts, as the fitted pipeline gives them; ``predict_proba`` like it."""

    max_chars: int
    char_range: tuple[int, int]
    morpheme_range: tuple[int, int]
    tags: tuple[str, ...]
    lowercase_morphemes: bool
    chars: _Features
    morphemes: _Features
    intercepts: np.ndarray
    slopes: np.ndarray  # the calibrators' a: p = 1 / (1 + exp(a · score + b))
    offsets: np.ndarray  # the calibrators' b
    source_sha256: str = ""
    #: What ``models.topics.model`` keeps beside the pipeline (topic ids, thresholds, rule, metadata), as JSON.
    model_info: dict[str, Any] = field(default_factory=dict)

    def predict_proba(self, texts: Sequence[str]) -> np.ndarray:
        """Probabilities, shape ``(len(texts), topics)``."""
        out = np.zeros((len(texts), len(self.intercepts)))
        for row, text in enumerate(texts):
            head = str(text)[: self.max_chars]
            scores = (self.chars.weigh(_char_ngrams(head.lower(), *self.char_range))
                      + self.morphemes.weigh(_word_ngrams(
                          _TOKENS.findall(_analyse(head, self.tags, self.lowercase_morphemes)),
                          *self.morpheme_range))
                      + self.intercepts)
            out[row] = 1.0 / (1.0 + np.exp(self.slopes * scores + self.offsets))
        return out

    def save(self, path: str | Path) -> Path:
        """Write the scorer to ``path`` (an ``.npz`` of arrays only)."""
        header = {"format": FORMAT, "max_chars": self.max_chars, "char_range": list(self.char_range),
                  "morpheme_range": list(self.morpheme_range), "tags": list(self.tags),
                  "lowercase_morphemes": self.lowercase_morphemes, "source_sha256": self.source_sha256,
                  "model_info": self.model_info}
        arrays: dict[str, np.ndarray] = {"header": _utf8(json.dumps(header))}
        for name, features in (("chars", self.chars), ("morphemes", self.morphemes)):
            terms = sorted(features.vocabulary, key=features.vocabulary.__getitem__)
            arrays[f"{name}_terms"] = _utf8(_SEPARATOR.join(terms))
            arrays[f"{name}_idf"] = features.idf
            arrays[f"{name}_weights"] = features.weights
        arrays.update(intercepts=self.intercepts, slopes=self.slopes, offsets=self.offsets)
        path = Path(path)
        with open(path, "wb") as fh:
            np.savez_compressed(fh, **arrays)
        return path

    @classmethod
    def load(cls, path: str | Path) -> Scorer:
        """Read a scorer written by :meth:`save`.

        Raises:
            ScorerMismatch: the file is not a scorer of this format.
        """
        try:
            with np.load(Path(path), allow_pickle=False) as data:
                header = json.loads(data["header"].tobytes().decode("utf-8"))
                if header.get("format") != FORMAT:
                    raise ScorerMismatch(f"{path} is not a {FORMAT} file")
                sets = {}
                for name in ("chars", "morphemes"):
                    text = data[f"{name}_terms"].tobytes().decode("utf-8")
                    terms = text.split(_SEPARATOR) if text else []
                    sets[name] = _Features(dict(zip(terms, range(len(terms)))), data[f"{name}_idf"],
                                           data[f"{name}_weights"])
                return cls(int(header["max_chars"]), tuple(header["char_range"]), tuple(header["morpheme_range"]),
                           tuple(header["tags"]), bool(header["lowercase_morphemes"]), sets["chars"],
                           sets["morphemes"], data["intercepts"], data["slopes"], data["offsets"],
                           str(header.get("source_sha256", "")), dict(header.get("model_info") or {}))
        except (OSError, KeyError, ValueError) as exc:
            if isinstance(exc, ScorerMismatch):
                raise
            raise ScorerMismatch(f"{path} cannot be read as a topic scorer: {exc}") from exc


def file_sha256(path: str | Path) -> str:
    """SHA-256 of a file (the model a scorer was made from)."""
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def from_pipeline(pipeline: Any, source_sha256: str = "", model_info: dict[str, Any] | None = None) -> Scorer:
    """The scorer of a fitted ``models.topics.pipeline`` pipeline (its attributes read; nothing refitted).

    Raises:
        ScorerMismatch: a step is not the kind the scorer reproduces (then the pipeline itself is used).
    """
    try:
        head = pipeline.named_steps["head"]
        union = pipeline.named_steps["features"]
        classifier = pipeline.named_steps["classifier"]
        (chars_name, chars), (morph_name, morph_pipe) = union.transformer_list
        kiwi, tfidf = morph_pipe.named_steps["kiwi"], morph_pipe.named_steps["tfidf"]
    except (AttributeError, KeyError, TypeError, ValueError) as exc:
        raise ScorerMismatch(f"not a topic pipeline of the expected shape: {exc}") from exc
    _check(union.transformer_weights is None, "weighted feature union")
    _check((chars_name, morph_name) == ("chars", "morphemes"), "feature sets")
    _check_tfidf(chars, analyzer="char_wb", lowercase=True)
    _check_tfidf(tfidf, analyzer="word", lowercase=False)
    _check(tfidf.token_pattern == r"\S+" and tfidf.tokenizer is None and tfidf.stop_words is None, "morpheme tokens")
    _check(int(kiwi.max_chars) >= int(head.max_chars), "morpheme head")
    _check(getattr(classifier, "multilabel_", False), "multi-label one-vs-rest")
    n_chars = len(chars.vocabulary_)
    rows, intercepts, slopes, offsets = [], [], [], []
    for estimator in classifier.estimators_:
        _check(not estimator.ensemble and len(estimator.calibrated_classifiers_) == 1, "calibration ensemble")
        calibrated = estimator.calibrated_classifiers_[0]
        _check(calibrated.method == "sigmoid" and len(calibrated.calibrators) == 1, "sigmoid calibration")
        linear = calibrated.estimator
        _check(list(linear.classes_) == [0, 1] and linear.coef_.shape == (1, n_chars + len(tfidf.vocabulary_)),
               "binary linear model")
        rows.append(np.asarray(linear.coef_[0], dtype=np.float64))
        intercepts.append(float(linear.intercept_[0]))
        slopes.append(float(calibrated.calibrators[0].a_))
        offsets.append(float(calibrated.calibrators[0].b_))
    weights = np.vstack(rows)
    return Scorer(int(head.max_chars), tuple(chars.ngram_range), tuple(tfidf.ngram_range), tuple(kiwi.tags),
                  bool(kiwi.lowercase),
                  _Features(dict(chars.vocabulary_), np.asarray(chars.idf_, dtype=np.float64), weights[:, :n_chars]),
                  _Features(dict(tfidf.vocabulary_), np.asarray(tfidf.idf_, dtype=np.float64), weights[:, n_chars:]),
                  np.array(intercepts), np.array(slopes), np.array(offsets), source_sha256, dict(model_info or {}))


def _check(ok: bool, what: str) -> None:
    if not ok:
        raise ScorerMismatch(f"the scorer does not reproduce this pipeline ({what})")


def _check_tfidf(vectorizer: Any, analyzer: str, lowercase: bool) -> None:
    _check(vectorizer.analyzer == analyzer and bool(vectorizer.lowercase) == lowercase
           and vectorizer.preprocessor is None and vectorizer.strip_accents is None
           and vectorizer.input == "content" and not vectorizer.binary and vectorizer.use_idf
           and vectorizer.sublinear_tf and vectorizer.norm == "l2", f"{analyzer} TF-IDF settings")


def _char_ngrams(text: str, low: int, high: int) -> list[str]:
    """Character n-grams within words, each word padded with a space (scikit-learn's ``char_wb``)."""
    out: list[str] = []
    append = out.append
    for word in _SPACES.sub(" ", text).split():
        word = f" {word} "
        size = len(word)
        for n in range(low, high + 1):
            offset = 0
            append(word[:n])
            while offset + n < size:
                offset += 1
                append(word[offset:offset + n])
            if offset == 0:  # a word shorter than n counts once
                break
    return out


def _word_ngrams(tokens: list[str], low: int, high: int) -> list[str]:
    """Word n-grams joined by spaces, from ``low`` to ``high`` words (scikit-learn's word analyser)."""
    out = list(tokens) if low == 1 else []
    for n in range(max(low, 2), min(high, len(tokens)) + 1):
        out.extend(" ".join(tokens[i:i + n]) for i in range(len(tokens) - n + 1))
    return out


def _utf8(text: str) -> np.ndarray:
    return np.frombuffer(text.encode("utf-8"), dtype=np.uint8)
