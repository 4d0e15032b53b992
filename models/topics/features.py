"""Text features for mixed Korean/English documents: Kiwi morphemes as a scikit-learn transformer.

Kiwi (``kiwipiepy``) is loaded on first use, once per process, and never pickled: a fitted pipeline holding
``KiwiMorphemes`` pickles as plain parameters and reloads Kiwi lazily wherever it is unpickled.
"""

from __future__ import annotations

from collections.abc import Iterable

from sklearn.base import BaseEstimator, TransformerMixin

from models.topics.morphs import (  # noqa: F401  (names kept here for callers and pickled pipelines)
    CONTENT_TAGS, MAX_CHARS, _analyse, given_morphemes, morphemes, shared_kiwi)


class KiwiMorphemes(TransformerMixin, BaseEstimator):
    """Turn texts into space-separated content morphemes, for a ``TfidfVectorizer`` that splits on spaces.

    Stateless: ``fit`` learns nothing. Analyses of short passages are memoised per process (bounded), so
    cross-validation does not re-analyse them.

    Args:
        tags: Kiwi part-of-speech tags to keep.
        lowercase: lower-case Latin-script words.
        max_chars: analyse only the first ``max_chars`` characters of each text.

    Examples:
        >>> KiwiMorphemes().fit_transform(["회원 정보가 유출되었다 via the admin console"])
        ['회원 정보 유출 admin console']
    """

    def __init__(self, tags: tuple[str, ...] = CONTENT_TAGS, lowercase: bool = True,
                 max_chars: int = MAX_CHARS) -> None:
        self.tags = tags
        self.lowercase = lowercase
        self.max_chars = max_chars

    def fit(self, X: Iterable[str], y: object = None) -> KiwiMorphemes:
        return self

    def transform(self, X: Iterable[str]) -> list[str]:
        tags = tuple(self.tags)
        return [_analyse(str(text)[: self.max_chars], tags, self.lowercase) for text in X]

    def __sklearn_is_fitted__(self) -> bool:
        return True


class TextHead(TransformerMixin, BaseEstimator):
    """Keep the first ``max_chars`` characters of each text (topics show early; bounds time on huge files)."""

    def __init__(self, max_chars: int = MAX_CHARS) -> None:
        self.max_chars = max_chars

    def fit(self, X: Iterable[str], y: object = None) -> TextHead:
        return self

    def transform(self, X: Iterable[str]) -> list[str]:
        return [str(text)[: self.max_chars] for text in X]

    def __sklearn_is_fitted__(self) -> bool:
        return True
