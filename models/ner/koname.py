"""Korean personal names written in Hangul inside English text (``Prepared by 정우진``, ``cc: 최수정``).

The English model has never seen Hangul and labels such a name at random (``박지훈`` as ORG) or not at all, and
the Korean model, given the name alone, often finds nothing: with no sentence around it, a bare name looks like
any other noun. What is left is the shape of the name itself. A Hangul word inside an English sentence is taken
as a person when it has the shape of a Korean name — a common surname (one syllable, or one of the two-syllable
ones) and a given name of one or two syllables — and Kiwi's core dictionary does not know it as a common noun or
a compound of them (``보고서``, ``박물관``, ``이메일`` stay nouns; ``models.ner.lexicon``). Shape alone would be
too loose inside Korean text, so this is only for Hangul in sentences routed to the English model.
"""

from __future__ import annotations

import re
from typing import Final

#: The one-syllable surnames of about 98 % of Koreans (Statistics Korea's 2015 census, most common first).
SURNAMES: Final = frozenset(
    "김이박최정강조윤장임한오서신권황안송전홍유류고문양손배백허남심노하곽성차주우구나민진지엄채원천방공현함변염"
    "여추도소석선설마길연위표명기반라왕금옥육인맹제모탁국어은편용")
#: Two-syllable surnames (남궁, 황보, 제갈, 선우, 독고, 사공, 서문, 동방).
DOUBLE_SURNAMES: Final = frozenset({"남궁", "황보", "제갈", "선우", "독고", "사공", "서문", "동방"})

_HANGUL_WORD = re.compile(r"[\uac00-\ud7a3]+")


#: Last syllables of institutions and places that given names hardly ever end in (``서울대``, ``현대차``,
#: ``경찰청``, ``민주당``, ``신세계``): such a word is left to the models.
INSTITUTION_FINALS: Final = frozenset("대차청당회처실단점관시군계")


def name_shaped(word: str) -> bool:
    """A Hangul word of three syllables with a one-syllable surname, or of three or four with a two-syllable
    one (two-syllable names such as ``김훈`` are left out: too many nouns have that shape), not ending like an
    institution or a place (``INSTITUTION_FINALS``)."""
    if not _HANGUL_WORD.fullmatch(word) or word[-1] in INSTITUTION_FINALS:
        return False
    if len(word) == 3 and word[0] in SURNAMES:
        return True
    return len(word) in (3, 4) and word[:2] in DOUBLE_SURNAMES


def standalone_name_spans(text: str) -> list[tuple[int, int]]:
    """Offsets of the Hangul words of ``text`` that stand alone (the nearest letters on either side, past spaces
    and punctuation, are not Hangul: ``Prepared by 정우진 (Security)``, ``참석자: 김민수, 이영희``), have a Korean
    name's shape and are not common nouns. A word inside Korean prose has Hangul beside it and is left to the
    Korean model, which reads it in its sentence."""
    from models.ner.lexicon import common_noun_compound

    spans = []
    for match in _HANGUL_WORD.finditer(text):
        word = match.group()
        if (name_shaped(word) and not _hangul_beside(text, match.start(), -1) and not _hangul_beside(text, match.end(), 1)
                and not common_noun_compound(word)):
            spans.append((match.start(), match.end()))
    return spans


def _hangul_beside(text: str, at: int, step: int) -> bool:
    """Whether the nearest letter or digit before ``at`` (``step`` -1) or from ``at`` on (1), past white space,
    is Hangul; a line break ends the look (a name on a line of its own stands alone)."""
    k = at - 1 if step < 0 else at
    while 0 <= k < len(text):
        char = text[k]
        if char in "\n\r":
            return False
        if char.isalnum():
            return "\uac00" <= char <= "\ud7a3" or "\u1100" <= char <= "\u11ff" or "\u3130" <= char <= "\u318f"
        if not char.isspace():
            return False  # punctuation between: a list, a header, brackets
        k += step
    return False
