"""Korean names written in Latin letters in English text (``Kim Min-su``, ``Ah-min Jang``, ``Seo Naeun``).

The English model finds half of them: it splits ``Jin-ha Hong`` into a PERSON and a LOCATION, calls ``Han
Kyungyeon`` a NORP and ``Seo Naeun`` an ORG, or keeps only ``Jang`` of ``Ah-min Jang``. Such a name has a shape of
its own: a Korean surname beside a given name of two Korean syllables, written with a hyphen (``Min-su``) or
without (``Minsu``), before or after the surname. A syllable is romanised as an initial consonant, a vowel and a
final consonant (``kyung``, ``seok``, ``yeon``); ``Avenue`` or ``River`` are not that. Surnames that are also
English words (``Park``, ``Song``, ``Moon``, ``Oh``) take a hyphenated given name, or a mention of the model's on
the name, before the shape counts.
"""

from __future__ import annotations

import re
from typing import Final

#: Romanised surnames that are not English words.
SURNAMES: Final = frozenset(
    "Kim Lee Yi Rhee Choi Choe Jung Jeong Chung Kang Cho Jo Yoon Yun Jang Chang Lim Shin Kwon Hwang Ahn "
    "Jeon Jun Chun Yoo Yu Ryu Bae Baek Paek Kwak Chae Byun Byeon Yeom Seo Suh Heo Huh Noh Roh Jin Uhm Eom "
    "Cheon Hyun Yeo Choo Seok Seol Pyo Myung Maeng Tak Kook Hwangbo Namgung Jegal Sunwoo Dokgo".split())
#: Romanised surnames that are English words too: a given name with a hyphen, or a model's mention, is needed.
AMBIGUOUS: Final = frozenset("Park Pak Song Moon Mun Han Hong Oh Nam Ha Cha Joo Ju Woo Koo Gu Min Na Ji Won Bang "
                             "Gong Ham Do So Sun Ma Gil Ban Ra Wang Ok Ko Go Son Yang Sim Shim Kong".split())
# (``Im``, ``An``, ``In`` and ``Sin`` are surnames too, but in English text they are ``I'm``, articles and words)

_SYLLABLE = (r"(?:kk|tt|pp|ss|jj|ch|sh|[gkndtrlmbpsjhyw])?"
             r"(?:yae|yeo|yoo|you|wae|ae|ya|eo|ye|wa|oe|yo|wo|we|wi|yu|eu|ui|oo|ee|ou|ah|a|e|i|o|u)(?:ng|[knlmp])?")
_GIVEN = re.compile(f"{_SYLLABLE}-?{_SYLLABLE}")
_TOKEN = re.compile(r"(?<![\w-])[A-Z][a-z]+(?:-[a-z]+)?(?![\w-])")


def _surname(word: str) -> str | None:
    """``strong``/``weak`` for a romanised surname (``weak``: also an English word), else None."""
    if word in SURNAMES:
        return "strong"
    return "weak" if word in AMBIGUOUS else None


def _given(word: str) -> bool:
    """Two romanised Korean syllables, with a hyphen between them or none (``Min-su``, ``Minsu``)."""
    return word[0].isupper() and word[1:] == word[1:].lower() and _GIVEN.fullmatch(word.lower()) is not None


def name_spans(text: str) -> list[tuple[int, int, bool]]:
    """Romanised Korean names in ``text``: ``(start, end, sure)``; ``sure`` is False for a surname that is also an
    English word with a given name written without a hyphen (``Park Lane``), which counts only where a model
    found a mention on it."""
    words = list(_TOKEN.finditer(text))
    found: list[tuple[int, int, bool]] = []
    for a, b in zip(words, words[1:]):
        if text[a.end():b.start()] != " " or (found and a.start() < found[-1][1]):
            continue
        for surname, given in ((a.group(), b.group()), (b.group(), a.group())):
            kind = _surname(surname)
            if kind and _surname(given) is None and _given(given):
                found.append((a.start(), b.end(), kind == "strong" or "-" in given))
                break
    return found


def with_romanised_names(found: list, spans: list[tuple[int, int, bool]], text: str, person: object) -> list:
    """``found`` (entities of one text, sorted) with the romanised names of ``spans`` as PERSONs: ``person(start,
    end)`` makes one. A sure name replaces the English model's mentions inside it (``Jang`` of ``Ah-min Jang``, an
    ORG ``Seo Naeun``); an unsure one (``Han Kyungyeon``) only mends mentions inside it that are PERSONs cut short or
    NORPs, so ``Hong Kong`` and ``Park Lane`` stay places; gazetteer matches and mentions reaching past it stay."""
    for start, end, sure in spans:
        inside = [e for e in found if start <= e.start and e.end <= end]
        if any(e.source == "ruler" for e in inside) or any(e.start < end and start < e.end and e not in inside
                                                           for e in found):
            continue
        if not sure and not (inside and all(e.label in ("PERSON", "NORP") for e in inside)
                             and not any((e.start, e.end) == (start, end) and e.label == "PERSON" for e in inside)):
            continue  # an unsure name only mends a person cut short or a NORP (never a LOCATION)
        found = [e for e in found if e not in inside] + [person(start, end)]
        found.sort(key=lambda e: (e.start, e.end))
    return found
