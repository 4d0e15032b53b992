"""Per-case exploration: unsupervised topic discovery with NMF on morpheme TF-IDF."""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from typing import NamedTuple

import numpy as np
from sklearn.decomposition import NMF
from sklearn.feature_extraction.text import TfidfVectorizer

from models.topics.features import KiwiMorphemes

# Frequent predicates and function-like nouns that say nothing about a cluster.
_STOP_TERMS = frozenset("하다 되다 있다 없다 않다 보다 같다 이다 받다 주다 대하다 통하다 위하다 것 수 등 때 중 "
                        "바 및 경우 관련 내용 확인 more most also only other into over after before without about would could "
                        "should all any some such can may must been being do does did get got".split())


class Cluster(NamedTuple):
    """One discovered theme: its index, its most weighted terms, and the documents assigned to it."""

    cluster_id: int
    top_terms: list[str]
    doc_indices: list[int]


def discover(texts: Sequence[str], n_topics: int = 8, seed: int = 0, n_terms: int = 10) -> list[Cluster]:
    """Cluster ``texts`` into at most ``n_topics`` themes; each document goes to its strongest theme.

    Documents with no usable terms are left out of every cluster. Deterministic for a given ``seed``.
    """
    texts = list(texts)
    analysed = KiwiMorphemes().fit_transform(texts)
    usable = [i for i, doc in enumerate(analysed) if any(t not in _STOP_TERMS for t in doc.split())]
    if not usable or n_topics < 1:
        return []
    vectorizer = TfidfVectorizer(token_pattern=r"\S+", lowercase=False, sublinear_tf=True,
                                 min_df=2 if len(usable) >= 20 else 1, max_df=0.9 if len(usable) >= 20 else 1.0,
                                 stop_words=sorted(_STOP_TERMS))
    matrix = vectorizer.fit_transform([analysed[i] for i in usable])
    k = min(n_topics, matrix.shape[0], matrix.shape[1])
    nmf = NMF(n_components=k, init="nndsvda", random_state=seed, max_iter=500)
    with warnings.catch_warnings():  # tiny inputs: harmless rounding warnings inside NMF's loss
        warnings.simplefilter("ignore", RuntimeWarning)
        weights = nmf.fit_transform(matrix)
    terms = vectorizer.get_feature_names_out()
    clusters = []
    for c in range(k):
        top = [str(terms[j]) for j in np.argsort(-nmf.components_[c])[:n_terms] if nmf.components_[c, j] > 0]
        docs = [usable[i] for i in range(len(usable)) if weights[i].max() > 0 and int(weights[i].argmax()) == c]
        clusters.append(Cluster(c, top, docs))
    return clusters
