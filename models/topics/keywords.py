"""Keyword baseline: a topic is assigned when any of its taxonomy keywords occurs in the text."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from models.topics.taxonomy import Taxonomy


class KeywordClassifier:
    """Case-insensitive substring match on each topic's ``keywords_ko`` + ``keywords_en``."""

    def __init__(self, taxonomy: Taxonomy) -> None:
        self.taxonomy = taxonomy

    def predict_matrix(self, texts: Sequence[str], topic_ids: Sequence[str]) -> np.ndarray:
        """0/1 decisions, one column per entry of ``topic_ids``."""
        keywords = [[k.lower() for k in self.taxonomy.get(t).keywords] for t in topic_ids]
        out = np.zeros((len(texts), len(topic_ids)), dtype=int)
        for i, text in enumerate(texts):
            low = text.lower()
            for j, words in enumerate(keywords):
                out[i, j] = any(w in low for w in words)
        return out
