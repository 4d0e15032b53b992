"""Kiwi's own dictionary as a lexicon: is a Korean word a common noun that is never a proper noun?

    python -m models.ner.lexicon      # rebuild models/artifacts/lexicon/common_nouns.txt.gz from Kiwi

Kiwi's core dictionary (from its tagged training corpora) gives a word one entry per part of speech: ``심전도``
and ``게이트웨이`` are common nouns (NNG) only, ``트럼프`` is both (NNP for the name), ``김민수`` is a proper noun.
Its default user dictionary (113,000 Wikipedia-like titles, all tagged NNP, ``배송지`` among them) is left out:
there every title is a "proper noun". A word the dictionary does not hold (made-up codenames, most people's
names) is not judged.

The artifact lists the core dictionary's Hangul forms of two or more syllables that are NNG and never NNP
(about 83,000), so no second Kiwi is loaded to ask it (one costs ~240 MB and 1–2 s per process). Its first line
names the ``kiwipiepy-model`` version it was read from; ``tests/models/test_ner_lexicon.py`` checks it against
the installed Kiwi.
"""

from __future__ import annotations

import functools
import gzip
import re
import warnings
from pathlib import Path

ARTIFACT = Path(__file__).resolve().parents[1] / "artifacts" / "lexicon" / "common_nouns.txt.gz"
_HANGUL_WORD = re.compile(r"[\uac00-\ud7a3]{2,}")


def model_version() -> str:
    import kiwipiepy_model

    return str(kiwipiepy_model.__version__)


def core_kiwi() -> object:
    """A Kiwi with its core dictionary only (no default, typo or multi-word dictionaries)."""
    from kiwipiepy import Kiwi

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)  # num_workers=0's meaning changed in 0.21: no pool
        return Kiwi(num_workers=0, load_default_dict=False, load_typo_dict=False, load_multi_dict=False)


def read_core() -> set[str]:
    """The core dictionary's Hangul forms (2+ syllables) tagged NNG and never NNP, read from Kiwi itself."""
    kiwi = core_kiwi()
    tags: dict[str, set[str]] = {}
    index = 0
    while True:
        try:
            morpheme = kiwi.morpheme(index)  # type: ignore[attr-defined]
        except Exception:  # noqa: BLE001 - past the last morpheme id
            break
        index += 1
        if morpheme.form and _HANGUL_WORD.fullmatch(morpheme.form):
            tags.setdefault(morpheme.form, set()).add(morpheme.tag)
    return {form for form, seen in tags.items() if "NNG" in seen and "NNP" not in seen}


def build(path: Path = ARTIFACT) -> int:
    """Write the artifact; returns how many forms it holds."""
    nouns = sorted(read_core())
    path.parent.mkdir(parents=True, exist_ok=True)
    with gzip.open(path, "wt", encoding="utf-8", compresslevel=9) as out:
        out.write(f"# kiwipiepy-model {model_version()}: core NNG forms that are never NNP\n")
        out.write("\n".join(nouns) + "\n")
    return len(nouns)


@functools.cache
def common_nouns() -> frozenset[str]:
    """The artifact's forms (empty, and nothing is judged, when the artifact is missing)."""
    if not ARTIFACT.exists():
        return frozenset()
    with gzip.open(ARTIFACT, "rt", encoding="utf-8") as lines:
        return frozenset(line.rstrip("\n") for line in lines if line.strip() and not line.startswith("#"))


def warm() -> None:
    """Load the lexicon now (with the models) rather than at the first mention judged."""
    common_nouns()


def common_noun_only(word: str) -> bool:
    """``word`` (two or more Hangul syllables, one word) is in the core dictionary as a common noun and never
    as a proper noun."""
    return word in common_nouns()


@functools.lru_cache(maxsize=1 << 16)
def common_noun_compound(word: str) -> bool:
    """``word`` is a common noun (:func:`common_noun_only`) or, four or more syllables, the process's Kiwi reads
    it as two or more such nouns of two or more syllables each (``보안담당자`` = ``보안`` + ``담당자``)."""
    if common_noun_only(word):
        return True
    if len(word) < 4 or not _HANGUL_WORD.fullmatch(word):
        return False
    from models.ner.morphemes import shared_kiwi

    tokens = shared_kiwi().tokenize(word)
    return len(tokens) >= 2 and all(t.tag == "NNG" and len(t.form) >= 2 and common_noun_only(t.form) for t in tokens)


if __name__ == "__main__":
    print(f"{build()} forms written to {ARTIFACT} (kiwipiepy-model {model_version()})")
