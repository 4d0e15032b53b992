"""Text features for mixed Korean/English documents: Kiwi morphemes as a scikit-learn transformer.

Kiwi (``kiwipiepy``) is loaded on first use, once per process, and never pickled: a fitted pipeline holding
``KiwiMorphemes`` pickles as plain parameters and reloads Kiwi lazily wherever it is unpickled.
"""

from __future__ import annotations

import functools
import threading
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from sklearn.base import BaseEstimator, TransformerMixin

if TYPE_CHECKING:
    from kiwipiepy import Kiwi

# Content morphemes: general/proper nouns, verb and adjective stems, roots, Latin-script words, Chinese characters.
CONTENT_TAGS = ("NNG", "NNP", "VV", "VA", "XR", "SL", "SH")
_PREDICATE_TAGS = frozenset({"VV", "VA"})
_ENGLISH_STOPWORDS = frozenset(
    "a an and are as at be been but by for from had has have he her his i in is it its me my no not of on or our "
    "she so than that the their them then there they this to up was we were what when which who will with you "
    "your via".split()
)
MAX_CHARS = 20_000
_PUNCT = ".,;:!?'\"()[]{}<>-_/\\|*#@%&=+~`"
_CACHE_SIZE = 8192
_CACHED_CHARS = 4000  # bounds the memo to ~8192 × 4000 characters
_given = threading.local()


def shared_kiwi() -> Kiwi:
    """The process's one Kiwi (``models.ner.morphemes.shared_kiwi``), shared with the Korean NER and the index
    analysis: a second instance would cost each worker process another 3–4 s of CPU to load (its
    construction and the model it builds on its first analysis)."""
    from models.ner.morphemes import shared_kiwi as process_kiwi

    return process_kiwi()


@contextmanager
def given_morphemes(found: Mapping[str, Sequence[Any]]) -> Iterator[None]:
    """Within the block, a text that is a key of ``found`` takes its morphemes from there (Kiwi's tokens of that
    whole text, anything with ``form`` and ``tag``: ``models.ner.morphemes.Morphemes.items``) instead of
    running Kiwi again: the document's one analysis, shared with the NER and the index analysis. Only a text
    that ``KiwiMorphemes`` receives whole (no longer than its ``max_chars``) can be given, so its features are
    the same as with its own analysis."""
    previous = getattr(_given, "found", None)
    _given.found = found
    try:
        yield
    finally:
        _given.found = previous


def _analyse(text: str, tags: tuple[str, ...], lowercase: bool) -> str:
    """Memoised for passages up to ``_CACHED_CHARS`` (training and CV re-read them); longer ones analysed afresh."""
    found = getattr(_given, "found", None)
    if found is not None and (tokens := found.get(text)) is not None:
        return _content(tokens, tags, lowercase)
    if len(text) <= _CACHED_CHARS:
        return _analyse_cached(text, tags, lowercase)
    return _analyse_text(text, tags, lowercase)


@functools.lru_cache(maxsize=_CACHE_SIZE)
def _analyse_cached(text: str, tags: tuple[str, ...], lowercase: bool) -> str:
    return _analyse_text(text, tags, lowercase)


def _analyse_text(text: str, tags: tuple[str, ...], lowercase: bool) -> str:
    return _content(shared_kiwi().tokenize(text), tags, lowercase)


def _content(tokens: Iterable[Any], tags: tuple[str, ...], lowercase: bool) -> str:
    keep = frozenset(tags)
    out = []
    for token in tokens:
        if token.tag not in keep:
            continue
        form = token.form
        if token.tag == "SL":
            form = form.strip(_PUNCT)
            form = form.lower() if lowercase else form
            if len(form) < 2 or form.lower() in _ENGLISH_STOPWORDS:
                continue
        elif token.tag in _PREDICATE_TAGS:
            form += "다"
        out.append(form)
    return " ".join(out)


def morphemes(text: str, tags: Iterable[str] = CONTENT_TAGS, lowercase: bool = True,
              max_chars: int = MAX_CHARS) -> list[str]:
    """Content morphemes of ``text`` (Korean stems as dictionary forms, English words lower-cased)."""
    joined = _analyse(text[:max_chars], tuple(tags), lowercase)
    return joined.split() if joined else []


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
