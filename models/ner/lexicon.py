"""Kiwi's own dictionary as a lexicon: is a Korean word a common noun that is never a proper noun?

Kiwi's core dictionary (from its tagged training corpora) gives a word one entry per part of speech: ``심전도``
and ``게이트웨이`` are common nouns (NNG) only, ``트럼프`` and ``존`` are both (NNP for the name), ``김민수`` is a
proper noun. Its default user dictionary (113,000 Wikipedia-like titles, all tagged NNP, ``배송지`` among them)
is left out here: there every title is a "proper noun". A word the dictionary does not hold (made-up codenames,
most people's names) is not judged. One instance per process, loaded with the Korean NER model.
"""

from __future__ import annotations

import functools
import re
import threading
import warnings
from typing import Any

_HANGUL_WORD = re.compile(r"[\uac00-\ud7a3]{2,}")
_lock = threading.Lock()


@functools.cache
def _core_kiwi() -> Any:
    from kiwipiepy import Kiwi

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)  # num_workers=0's meaning changed in 0.21: no pool
        return Kiwi(num_workers=0, load_default_dict=False, load_typo_dict=False, load_multi_dict=False)


def warm() -> None:
    """Load the dictionary now (with the models) rather than at the first mention judged."""
    common_noun_only("심전도")


@functools.lru_cache(maxsize=1 << 16)
def common_noun_only(word: str) -> bool:
    """``word`` (two or more Hangul syllables, one word) is in Kiwi's core dictionary as a common noun and not
    as a proper noun."""
    return _HANGUL_WORD.fullmatch(word) is not None and _readings(word) == {"NNG"}


@functools.lru_cache(maxsize=1 << 16)
def common_noun_compound(word: str) -> bool:
    """``word`` is a common noun (:func:`common_noun_only`) or, four or more syllables, Kiwi's best reading of it
    is two or more such nouns of two or more syllables each (``데이터센터`` = ``데이터`` + ``센터``)."""
    if common_noun_only(word):
        return True
    if len(word) < 4 or not _HANGUL_WORD.fullmatch(word):
        return False
    with _lock:
        [(tokens, _)] = _core_kiwi().analyze(word, top_n=1)
    return len(tokens) >= 2 and all(len(t.form) >= 2 and t.tag == "NNG" and common_noun_only(t.form)
                                    for t in tokens)


def _readings(word: str) -> set[str]:
    """The parts of speech the core dictionary gives ``word`` as one morpheme."""
    with _lock:
        readings = _core_kiwi().analyze(word, top_n=4)
    return {token.tag for tokens, _ in readings if len(tokens) == 1
            for token in tokens if token.form == word and not token.oov and token.id > 3}
