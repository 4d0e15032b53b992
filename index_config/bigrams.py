"""Character bigrams of Hangul and other CJK text, and the parts of file names, computed in Python.

Kiwi splits a word it does not know differently in context than alone (``노라로누은`` is one noun in a text,
``노라로누`` alone becomes ``노라``+``로``+``누``), so made-up names and codenames are also indexed as overlapping
character bigrams in ``text_bi`` (and trigrams in ``text_tri``): a query word matched as the phrase of its bigrams
(or trigrams) finds it wherever its syllables occur in a row, with or without particles. Runs of CJK characters
are separated by a filler word so that a phrase never spans two words. The minimal Elasticsearch distribution
has no ``cjk_bigram`` filter; this is it. Pairs of neighbouring morphemes (``text_ko_pairs``) are made here too.
"""

from __future__ import annotations

import re

_CJK_RUN = re.compile(r"[\u1100-\u11ff\u3040-\u30ff\u3130-\u318f\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7a3\uf900-\ufaff]+")
SEPARATOR = "qq"
"""A word between runs: never a bigram, so a bigram phrase cannot match across two words."""
_NAME_PARTS = re.compile(r"[A-Z]+(?=[A-Z][a-z])|[A-Z]?[a-z]+|[A-Z]+|\d+|[^\W\d_A-Za-z]+", re.UNICODE)


def has_cjk(text: str) -> bool:
    return _CJK_RUN.search(text) is not None


def bigrams(text: str) -> str:
    """Every run of two or more CJK characters as its overlapping bigrams, runs separated by ``SEPARATOR``."""
    out: list[str] = []
    for match in _CJK_RUN.finditer(text):
        run = match.group(0)
        if len(run) < 2:
            continue
        if out:
            out.append(SEPARATOR)
        out.extend(run[i : i + 2] for i in range(len(run) - 1))
    return " ".join(out)


def trigrams(text: str) -> str:
    """Every run of three or more CJK characters as its overlapping trigrams, runs separated by ``SEPARATOR``.

    ``text_tri`` beside ``text_bi``: a query word of three or more characters is matched as the phrase of its
    trigrams, the same substrings as its bigram phrase but through far rarer terms (a three-character word is
    one term, no positions to compare), which is what made bigram phrases the slowest part of a query."""
    out: list[str] = []
    for match in _CJK_RUN.finditer(text):
        run = match.group(0)
        if out and out[-1] != SEPARATOR:
            out.append(SEPARATOR)
        out.extend(run[i : i + 3] for i in range(len(run) - 2))
    if out and out[-1] == SEPARATOR:
        out.pop()
    return " ".join(out)


_PAIRABLE = re.compile(r"[0-9a-z\uac00-\ud7a3]+")
"""Morphemes the standard analyzer keeps as one token, also when two are joined by ``_``."""


def morpheme_pairs(morphemes: str) -> str:
    """Each two neighbouring morphemes of ``text_ko`` as one word (``개인 정보 보호`` → ``개인_정보 정보_보호``), for
    ``text_ko_pairs``: a query word of several morphemes is then the phrase of their pairs, one term for two, where
    the phrase of the morphemes themselves reads the positions of two very common words. A morpheme the analyzer
    could split is never paired (``SEPARATOR`` in its place)."""
    out: list[str] = []
    tokens = morphemes.split()
    for first, second in zip(tokens, tokens[1:]):
        if _PAIRABLE.fullmatch(first) and _PAIRABLE.fullmatch(second):
            out.append(f"{first}_{second}")
        elif out and out[-1] != SEPARATOR:
            out.append(SEPARATOR)
    if out and out[-1] == SEPARATOR:
        out.pop()
    return " ".join(out)


def query_pairs(morphemes: list[str]) -> list[str]:
    """The pair phrase of a query word's morphemes: empty unless there are two or more, all pairable."""
    if len(morphemes) < 2 or not all(_PAIRABLE.fullmatch(m) for m in morphemes):
        return []
    return [f"{a}_{b}" for a, b in zip(morphemes, morphemes[1:])]


def word_trigrams(word: str) -> list[str]:
    """The trigram phrase of one query word: empty unless it is one run of three or more CJK characters (a
    shorter run has no trigram; several runs are never one phrase)."""
    runs = _CJK_RUN.findall(word)
    return [runs[0][i : i + 3] for i in range(len(runs[0]) - 2)] if len(runs) == 1 and len(runs[0]) >= 3 else []


def word_bigrams(word: str) -> list[str]:
    """The bigram phrase of one query word (empty when it has fewer than two CJK characters in a row)."""
    phrase = bigrams(word)
    return [] if not phrase or SEPARATOR in phrase.split() else phrase.split()


def name_parts(name: str) -> str:
    """A file name or path as lower-cased words: ``customers_dump.csv`` → ``customers dump csv``;
    ``QuarterlyReport2025.xlsx`` → ``quarterly report 2025 xlsx``."""
    return " ".join(part.lower() for part in _NAME_PARTS.findall(name or ""))
