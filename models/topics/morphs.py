"""Content morphemes of a text for the topic features, without scikit-learn: Kiwi (``kiwipiepy``) loaded on first
use, once per process (the process's one Kiwi), memoised for short passages, and a document's own analysis
taken when the caller gives it (:func:`given_morphemes`). ``models.topics.features`` wraps this as scikit-learn
transformers for training; the scorer that runs in the enrichment workers (``models.topics.scorer``) calls it
directly, so those workers never import scikit-learn."""

from __future__ import annotations

import functools
import threading
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

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
