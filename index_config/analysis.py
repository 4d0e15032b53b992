"""Text analysis the minimal Elasticsearch distribution lacks, done in Python at index and at query time.

Korean: Kiwi morphemes without particles and endings (``쿠팡의`` → ``쿠팡``), so a noun finds every inflected
occurrence. English: spaCy lookup lemmas (``paid`` → ``pay``). Both are written space-separated into extra fields
(``text_ko``, ``text_en``) that the core ``standard`` analyzer then tokenises; the original text stays in
``text`` for display and highlighting. The same functions analyse the user's query, so both sides agree.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from models.ner.morphemes import Morphemes

ANALYSIS_VERSION = "ko-kiwi0.24-gaps+en-lookup.v2"
GAP = "|"
"""Written into ``text_ko`` where a particle, ending, suffix or sign stood between two content morphemes
(``개인적인 정보`` → ``개인 | 정보``; ``개인 정보`` and ``개인정보를`` stay ``개인 정보``). The standard analyzer drops it,
so ``text_ko`` is indexed as before; ``text_ko_pairs`` pairs no morphemes across it, so the query word ``개인정보``
(the phrase ``개인_정보``) finds ``개인정보``, ``개인 정보`` and ``개인정보보호`` but not ``개인적인 정보``."""

# Kiwi tag prefixes we keep: nouns, verb/adjective stems, roots, foreign words, numbers, hanja.
_KEEP_TAGS = ("NN", "NP", "NR", "VV", "VA", "XR", "SL", "SN", "SH", "MAG", "MM")
_HANGUL = re.compile(r"[\uac00-\ud7a3]")
_LATIN_WORD = re.compile(r"[A-Za-z]{2,}")
_MAX_ANALYSED_CHARS = 2_000_000

_lock = threading.Lock()
_nlp: Any = None


def _get_kiwi() -> Any:
    from models.ner.morphemes import shared_kiwi

    return shared_kiwi()  # one Kiwi per process, shared with the Korean NER


def _get_nlp() -> Any:
    global _nlp
    with _lock:
        if _nlp is None:
            import spacy

            # spaCy's lookup lemmatizer (tables from spacy-lookups-data): no tagger needed, ~35x faster
            # than the tagger-driven rule lemmatizer on this machine, and the same on both sides.
            _nlp = spacy.blank("en")
            _nlp.add_pipe("lemmatizer", config={"mode": "lookup"})
            _nlp.initialize()
            _nlp.max_length = _MAX_ANALYSED_CHARS + 1
    return _nlp


def has_hangul(text: str) -> bool:
    return _HANGUL.search(text) is not None


def has_latin(text: str) -> bool:
    return _LATIN_WORD.search(text) is not None


def korean_terms(text: str, gaps: bool = False) -> str:
    """Content morphemes of ``text`` (Korean parts), space-separated; empty when there is no Hangul. ``gaps``:
    with ``GAP`` where other morphemes stood between two of them (what ``text_ko`` is made of)."""
    if not text or not has_hangul(text):
        return ""
    kiwi = _get_kiwi()
    text = text[:_MAX_ANALYSED_CHARS]
    out: list[str] = []
    # Kiwi works best on moderate pieces; split on blank lines to bound memory.
    for piece in _pieces(text, 20000):
        out.extend(content_morphemes(kiwi.tokenize(piece), gaps))
    return " ".join(out)


def content_morphemes(tokens: Any, gaps: bool = True) -> list[str]:
    """The content morphemes of Kiwi's ``tokens``, lower-cased; with ``gaps``, ``GAP`` between two of them that
    other morphemes separated (white space alone is no gap)."""
    out: list[str] = []
    dropped = False
    for token in tokens:
        if token.tag.startswith(_KEEP_TAGS):
            if dropped and gaps and out:
                out.append(GAP)
            out.append(token.form.lower())
            dropped = False
        else:
            dropped = True
    return out


def english_terms(text: str) -> str:
    """Lower-cased lemmas of the Latin-script words of ``text``; empty when there are none."""
    if not text or not has_latin(text):
        return ""
    nlp = _get_nlp()
    text = text[:_MAX_ANALYSED_CHARS]
    out: list[str] = []
    for doc in nlp.pipe(_pieces(text.lower(), 100000), batch_size=8):
        for token in doc:
            if token.is_alpha and token.text.isascii():
                out.append(token.lemma_.lower())
    return " ".join(out)


def analyse_many(texts: list[str], morphemes: Sequence[Morphemes | None] | None = None) -> list[tuple[str, str]]:
    """``(korean_terms(gaps=True), english_terms)`` for each text, batching Kiwi and spaCy over the whole list.

    ``morphemes[i]``, when given, is Kiwi's analysis of the text (``models.ner.morphemes``, the one the NER
    used, less the morphemes touching a blanked identifier): its content morphemes are the Korean terms and
    Kiwi does not run again.
    """
    texts = [t[:_MAX_ANALYSED_CHARS] for t in texts]
    korean = [""] * len(texts)
    english = [""] * len(texts)
    ko_idx = [i for i, t in enumerate(texts) if has_hangul(t)]
    if morphemes is not None:
        for i in ko_idx:
            found = morphemes[i]
            if found is not None:
                korean[i] = " ".join(content_morphemes(found.items))
        ko_idx = [i for i in ko_idx if morphemes[i] is None]
    if ko_idx:
        from models.ner.morphemes import tokenize_all

        pieces = [(i, p) for i in ko_idx for p in _pieces(texts[i], 20000)]
        found: dict[int, list[str]] = {i: [] for i in ko_idx}
        for (i, _), tokens in zip(pieces, tokenize_all([p for _, p in pieces])):
            found[i].extend(content_morphemes(tokens))
        for i, terms in found.items():
            korean[i] = " ".join(terms)
    en_idx = [i for i, t in enumerate(texts) if has_latin(t)]
    if en_idx:
        nlp = _get_nlp()
        # lower-cased first: the lookup tables are keyed by lower-case forms ("Shipping" → "ship")
        pieces = [(i, p) for i in en_idx for p in _pieces(texts[i].lower(), 100000)]
        lemmas: dict[int, list[str]] = {i: [] for i in en_idx}
        for (i, _), doc in zip(pieces, nlp.pipe([p for _, p in pieces], batch_size=64)):
            lemmas[i].extend(t.lemma_.lower() for t in doc if t.is_alpha and t.text.isascii())
        for i, terms in lemmas.items():
            english[i] = " ".join(terms)
    return list(zip(korean, english))


def korean_surface_prefixes(query: str) -> list[str]:
    """Morphemes of a query's Korean words, used to highlight their inflected forms in the original text."""
    if not has_hangul(query):
        return []
    return [t for t in korean_terms(query).split() if has_hangul(t)]


def _pieces(text: str, size: int) -> list[str]:
    """``text`` in pieces of at most ``size`` characters, cut as the NER cuts it (at a line break or space)."""
    from models.ner.morphemes import pieces

    return [piece for _, piece in pieces(text, size)]
