"""Scoring a text layer: is this text that a person could read, or glyph codes and noise?

``score_text(text)`` counts, over the visible (non-space) characters:

* *bad* characters: control characters, private-use code points, U+FFFD/U+FFFE, lone surrogates;
* *implausible Latin*: Latin letters whose vowel share is far below any language's (text drawn with
  a font that has no Unicode map comes out as shifted glyph codes: ``7KH TXLFN`` for "The quick"),
  and Latin-1 symbols filling the text (CJK bytes decoded as Latin-1: ``ÇÑ±¹``);

and returns ``1 - (bad + implausible) / visible`` with the dominant script. It runs a handful of
regular expressions over the text (no per-character Python loop), so it costs little on good pages.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

#: Below this score a text layer is treated as unreadable and another reader is tried.
POOR_SCORE = 0.75
#: Latin text needs at least this many letters before its vowel share is judged.
MIN_LATIN_LETTERS = 30
#: Vowel share (a e i o u y) of real Latin-script prose is 0.33–0.45; shifted glyph codes give ~0.2.
MIN_VOWEL_SHARE = 0.24
#: CJK bytes decoded as Latin-1 fill the text with Latin-1 letters and symbols (``ÇÑ±¹``): judged
#: mojibake above this share of visible characters, symbols (the middle dot aside) included.
MAX_LATIN1_SHARE = 0.3
MIN_LATIN1_SYMBOL_SHARE = 0.08

_BAD = re.compile("[\x00-\x08\x0b\x0e-\x1f\x7f-\x9f\ud800-\udfff\ue000-\uf8ff\ufffd\ufffe\uffff"
                  "\U000f0000-\U0010ffff]")
_SPACE = re.compile(r"\s")
_LATIN = re.compile(r"[A-Za-z]")
_VOWEL = re.compile(r"[AEIOUYaeiouy]")
_LATIN1 = re.compile("[\u00a1-\u00ff]")
_LATIN1_SYMBOL = re.compile("[\u00a1-\u00b6\u00b8-\u00bf]")
#: Tokens that are not words: hex digests, URLs, e-mail addresses, identifiers with digits.
_NOT_WORDS = re.compile(r"https?://\S+|\S+@\S+|\b[0-9A-Fa-f]{8,}\b|\b\w*\d\w*\d\w*\b")
_LETTER = re.compile(r"[^\W\d_]")
_NUMBER_OR_RUN = re.compile(r"[-+(]?\d[\d,.:/]*[%)]?|(\S)\1{2,}")
#: Below this share of letters (numbers and repeated leader characters aside), text is symbol noise
#: (codes of a font without a Unicode map handed out from ``!``: ``!"#$%&'()*+``).
MIN_LETTER_SHARE = 0.3
MIN_NOISE_CHARS = 20
_SCRIPTS = (
    ("hangul", re.compile("[\uac00-\ud7a3\u1100-\u11ff\u3130-\u318f]")),
    ("han", re.compile("[\u4e00-\u9fff\u3400-\u4dbf\uf900-\ufaff]")),
    ("kana", re.compile("[\u3040-\u30ff]")),
    ("latin", _LATIN),
    ("cyrillic", re.compile("[\u0400-\u04ff]")),
    ("arabic", re.compile("[\u0600-\u06ff]")),
)


@dataclass(frozen=True)
class TextQuality:
    """The quality of one text layer; ``problems`` names what lowered the score."""

    score: float
    visible: int
    script: str | None
    problems: tuple[str, ...] = ()

    @property
    def poor(self) -> bool:
        """True when the text should not be trusted (another reader should be tried)."""
        return self.visible > 0 and self.score < POOR_SCORE

    def describe(self) -> str:
        """``0.12 (control characters, shifted glyph codes)``: score and problems, for reasons."""
        return f"{self.score:.2f}" + (f" ({', '.join(self.problems)})" if self.problems else "")


def score_text(text: str) -> TextQuality:
    """Score ``text`` from 0 (noise) to 1 (plausible text in its script)."""
    visible = len(text) - len(_SPACE.findall(text))
    if visible <= 0:
        return TextQuality(score=0.0, visible=0, script=None, problems=("no text",))
    problems: list[str] = []
    bad = len(_BAD.findall(text))
    if bad:
        problems.append("control or private-use characters")
    counts = _script_counts(text, visible)
    script = max(counts, key=counts.__getitem__)
    if not counts[script]:
        script = None
    implausible = 0
    if script == "latin" and counts["latin"] * 2 >= visible:
        implausible = _implausible_latin(text, counts["latin"])
        if implausible:
            problems.append("Latin letters without vowels (shifted glyph codes)")
    latin1 = len(_LATIN1.findall(text))
    if latin1 > MAX_LATIN1_SHARE * visible and len(_LATIN1_SYMBOL.findall(text)) > MIN_LATIN1_SYMBOL_SHARE * visible:
        implausible += latin1
        problems.append("Latin-1 letters and symbols (mis-decoded bytes)")
    if not implausible and visible >= MIN_NOISE_CHARS and sum(counts.values()) < MIN_LETTER_SHARE * visible:
        noise = _symbol_noise(text, visible)  # (script letters are letters: enough of them, and it is text)
        if noise:
            implausible += noise
            problems.append("symbols instead of letters")
    score = max(0.0, 1.0 - (bad + implausible) / visible)
    return TextQuality(score=round(score, 3), visible=visible, script=script, problems=tuple(problems))


def _script_counts(text: str, visible: int) -> dict[str, int]:
    """Characters of each script; once one script holds most visible characters it is the dominant one
    and the scripts after it are not counted (0)."""
    counts = dict.fromkeys((name for name, _ in _SCRIPTS), 0)
    for name, rx in _SCRIPTS:
        counts[name] = len(rx.findall(text))
        if counts[name] * 2 > visible:
            break
    return counts


def _implausible_latin(text: str, letters: int) -> int:
    """Latin letters judged to be glyph codes rather than words (0 when the Latin text is plausible)."""
    if letters < MIN_LATIN_LETTERS or len(_VOWEL.findall(text)) >= MIN_VOWEL_SHARE * letters:
        return 0
    words = _NOT_WORDS.sub(" ", text)  # only now, on suspicious text: digests and codes have few vowels
    word_letters = len(_LATIN.findall(words))
    if word_letters < MIN_LATIN_LETTERS or len(_VOWEL.findall(words)) >= MIN_VOWEL_SHARE * word_letters:
        return 0
    return letters


def _symbol_noise(text: str, visible: int) -> int:
    """Visible non-letters when letters are too rare to be text (0 otherwise)."""
    if len(_LETTER.findall(text)) >= MIN_LETTER_SHARE * visible:
        return 0
    rest = _NUMBER_OR_RUN.sub(" ", text)
    rest_visible = len(rest) - len(_SPACE.findall(rest))
    if rest_visible < MIN_NOISE_CHARS or len(_LETTER.findall(rest)) >= MIN_LETTER_SHARE * rest_visible:
        return 0
    return rest_visible - len(_LETTER.findall(rest))
