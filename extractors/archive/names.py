"""Member names of archives written without a declared encoding (ZIP without its UTF-8 flag): the raw bytes read
in the code page that gives the most plausible name.

Valid UTF-8 with a character of three bytes or more (Hangul, Chinese, Japanese) is taken as it is: other code
pages do not give such sequences by accident. Otherwise the candidates are CP949 (Korean Windows, preferred),
UTF-8 (zip tools that do not set the flag; short CP949 names are often valid UTF-8 too: ``큰`` reads as ``ū``),
and the other DOS/Windows code pages such names come in:
GBK, Shift-JIS (CP932), Big5, CP437 (the ZIP default) and CP866 (Russian DOS). Each decoding costs points for what
a misread name shows (one point each unless said):

* CP949: a Hangul syllable outside KS X 1001 (its lead or trail byte below 0xA1: the rare UHC extension, 3 points);
* GBK and Big5: a character outside their common planes (GBK's lead or trail below 0xA1; Big5's lead outside
  0xA4–0xF9), 3 points;
* CP932: half-width katakana and full-width Latin letters (what Korean or Chinese bytes become);
* the double-byte code pages: a symbol of their tables against a Latin letter (``Z〉ich`` for ``Zürich``);
* CP437 and CP866: what is not a letter among their upper 128 (box drawing, blocks, « ¬ ½ ±), Greek letters
  (CP437);
* a Chinese character or a Hangul syllable inside a Latin word or a number (2 points);
* letters of two scripts that seldom meet in a word, side by side (Hangul and Chinese, Latin and Chinese, Greek
  or Cyrillic…);
* any decoding: control and private-use characters (3 points), and 1 point for being neither CP949 (the code
  page of this case's material) nor UTF-8.

The cheapest decoding wins; ties keep the order above. So a Korean name stays Korean unless its CP949 reading shows
two misreads more than another code page's; Japanese and Big5 names, and Western names with accents, are no longer
turned into rare Hangul or Hanja. CP949 and GBK share their byte layout, so a short Chinese name whose CP949
reading is common Hangul with at most one Hanja beside it, or a Russian one that reads as Hanja alone, stays in
its CP949 reading: without a model of either language the two cannot be told apart there.
"""

from __future__ import annotations

import unicodedata

#: Encodings tried, in order of preference; the first two carry no cost of their own.
CANDIDATES = ("cp949", "utf-8", "gbk", "cp932", "big5", "cp437", "cp866")
_NATIVE = ("cp949", "utf-8")
_RARE = 3
#: Scripts that do not meet inside a word of a real name (Japanese mixes kana and Chinese characters; Korean
#: names keep Hanja apart from Hangul).
_UNLIKELY_NEIGHBOURS = {frozenset(pair) for pair in (("hangul", "han"), ("hangul", "kana"), ("latin", "greek"),
                                                     ("latin", "cyrillic"), ("greek", "cyrillic"))}
#: A Latin letter against a Chinese character: rare in real names (``Q3決算``), common in CJK readings of accented
#: Latin (``Espa兀`` for ``España``).
_LATIN_HAN = frozenset(("latin", "han"))
_CJK = ("cp949", "gbk", "cp932", "big5")


def decode_name(raw: bytes) -> str:
    """The most plausible reading of an undeclared member name (see the module docstring)."""
    if raw.isascii():
        return raw.decode("ascii")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        pass
    else:
        if any(ord(ch) > 0x7FF for ch in text):  # a 3- or 4-byte sequence: no accident of another code page
            return text
    best: tuple[int, int, str] | None = None
    for rank, codec in enumerate(CANDIDATES):
        try:
            text = raw.decode(codec)
        except UnicodeDecodeError:
            continue
        cost = _cost(text, codec) + (codec not in _NATIVE)
        if cost == 0 and rank == 0:
            return text  # a clean CP949 reading: nothing after it can be cheaper, and it wins ties
        if best is None or (cost, rank) < best[:2]:
            best = (cost, rank, text)
    return best[2] if best is not None else raw.decode("cp437", "replace")


def _cost(text: str, codec: str) -> int:
    cost = 0
    previous = ""
    for k, ch in enumerate(text):
        code = ord(ch)
        if unicodedata.category(ch) in ("Cc", "Co") and ch not in "\t":
            cost += _RARE
        elif codec == "cp949" and _hangul(ch) and not _in_ks_x_1001(ch):
            cost += _RARE
        elif codec in ("gbk", "big5") and code > 0x7F and not _common(ch, codec):
            cost += _RARE
        elif codec == "cp932" and (0xFF61 <= code <= 0xFF9F or 0xFF21 <= code <= 0xFF5A):
            cost += 1
        elif codec in _CJK and code > 0x7F and not ch.isalpha() and _beside_latin(text, k):
            cost += 1  # a symbol of the double-byte tables inside a Latin word: what an accent becomes there
        elif codec in ("cp437", "cp866") and code > 0x7F and (not ch.isalpha() or (codec == "cp437" and _greek(ch))):
            cost += 1  # box drawing, blocks, symbols (« ¬ ½ ±), Greek: what other code pages' letters become
        pair = frozenset((_script(previous), _script(ch))) if previous else frozenset()
        if pair in _UNLIKELY_NEIGHBOURS or pair == _LATIN_HAN:
            cost += 1
        if _script(ch) in ("han", "hangul") and 0 < k < len(text) - 1 and (
                _script(text[k - 1]) == _script(text[k + 1]) == "latin"
                or (text[k - 1].isdigit() and text[k + 1].isdigit())):
            cost += 2  # a Chinese character or a Hangul syllable inside a Latin word or a number
        previous = ch
    return cost


def _beside_latin(text: str, k: int) -> bool:
    return any(0 <= j < len(text) and text[j].isascii() and text[j].isalpha() for j in (k - 1, k + 1))


def _hangul(ch: str) -> bool:
    return 0xAC00 <= ord(ch) <= 0xD7A3


def _in_ks_x_1001(ch: str) -> bool:
    """A Hangul syllable among KS X 1001's 2,350 (both its EUC-KR bytes at or above 0xA1)."""
    try:
        encoded = ch.encode("euc-kr")
    except UnicodeEncodeError:
        return False
    return len(encoded) == 2 and encoded[0] >= 0xA1 and encoded[1] >= 0xA1


def _common(ch: str, codec: str) -> bool:
    """A character of GB2312's planes (GBK) or of Big5's usual lead bytes."""
    try:
        encoded = ch.encode(codec)
    except UnicodeEncodeError:
        return False
    if len(encoded) != 2:
        return True
    if codec == "gbk":
        return encoded[0] >= 0xA1 and encoded[1] >= 0xA1
    return 0xA4 <= encoded[0] <= 0xF9


def _greek(ch: str) -> bool:
    return 0x0370 <= ord(ch) <= 0x03FF


def _script(ch: str) -> str:
    """A coarse script of a letter ("" for anything else)."""
    code = ord(ch)
    if _hangul(ch) or 0x1100 <= code <= 0x11FF or 0x3130 <= code <= 0x318F:
        return "hangul"
    if 0x4E00 <= code <= 0x9FFF or 0x3400 <= code <= 0x4DBF or 0xF900 <= code <= 0xFAFF:
        return "han"
    if 0x3040 <= code <= 0x30FF:
        return "kana"
    if _greek(ch):
        return "greek"
    if 0x0400 <= code <= 0x04FF:
        return "cyrillic"
    if ch.isalpha() and code < 0x0250:
        return "latin"
    return ""
