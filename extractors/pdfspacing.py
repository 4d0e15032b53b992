"""Word spaces rebuilt from glyph positions on PDF pages whose text layer lost them.

Some producers (Korean report generators, HWP exports with tight letter spacing) place every glyph
themselves and draw no space characters; when a word gap is narrower than pdfium's own threshold
(about a sixth of an em for full-width glyphs), pdfium joins the words: ``11월코스피는10월미국…``.

``spaced_text(textpage, text)`` first looks at the text alone (cheap, on every page): only a page
whose Hangul and Latin letters sit mostly in very long space-free runs is a candidate. On such a
page it walks pdfium's characters, measures the gap between the advance boxes ("loose" boxes) of
neighbours on one line, and puts a space where a gap is wider than ``WORD_GAP_EM`` of the font size.
The rebuilt text is kept only when the boxes imply clearly more spaces than the page had.
Chinese and Japanese, which are written without spaces, never make a page a candidate.
"""

from __future__ import annotations

import re
from typing import Any

#: A space-free run at least this long is suspicious (Korean words are 2–8 syllables, English ~5 letters).
LONG_RUN = 16
#: A page is a candidate when this share of its Hangul and Latin letters are in long runs.
MIN_LONG_SHARE = 0.3
#: Pages with fewer Hangul and Latin letters than this are left alone.
MIN_LETTERS = 20
#: A gap between advance boxes wider than this share of the font size is a word space (pdftotext
#: uses a similar tenth of an em).
WORD_GAP_EM = 0.08
#: The rebuilt text is kept only when it adds at least this many spaces, and more than the page had.
MIN_ADDED = 3

_LONG = re.compile(r"\S{%d,}" % LONG_RUN)
_LETTER = re.compile(r"[\uac00-\ud7a3A-Za-z]")
_UNMAPPED = (0, 0xFFFE, 0xFFFF)


def needs_spacing(text: str) -> bool:
    """True when most Hangul/Latin letters of ``text`` are in long runs without spaces."""
    if _LONG.search(text) is None:  # most pages: a few C-level steps and no lists built
        return False
    runs = "".join(_LONG.findall(text))
    if len(runs) < MIN_LONG_SHARE * (len(text) - text.count(" ")):
        return False
    in_runs = len(_LETTER.findall(runs))
    if in_runs < MIN_LETTERS:
        return False
    return in_runs >= MIN_LONG_SHARE * len(_LETTER.findall(text))


def spaced_text(textpage: Any, text: str) -> str | None:
    """``text`` rebuilt with the spaces its glyph positions imply, or None when it keeps its own."""
    if not needs_spacing(text):
        return None
    rebuilt, added = _rebuild(textpage)
    if added < MIN_ADDED or added <= text.count(" "):
        return None
    return rebuilt


def _rebuild(textpage: Any) -> tuple[str, int]:
    """The page's characters in pdfium's order with word spaces put back, and how many were added."""
    import pypdfium2.raw as raw

    handle = textpage.raw
    box = raw.FS_RECTF()
    out: list[str] = []
    added = 0
    prev: tuple[float, float, float, float] | None = None  # right, middle, height, font size
    for index in range(raw.FPDFText_CountChars(handle)):
        code = raw.FPDFText_GetUnicode(handle, index)
        if code in _UNMAPPED or 0xD800 <= code <= 0xDFFF:
            continue
        char = chr(code)
        if char.isspace():
            out.append(char)
            prev = None
            continue
        if not raw.FPDFText_GetLooseCharBox(handle, index, box):
            out.append(char)
            prev = None
            continue
        height = box.top - box.bottom
        middle = (box.top + box.bottom) / 2
        size = raw.FPDFText_GetFontSize(handle, index) or height
        if prev is not None:
            right, prev_middle, prev_height, prev_size = prev
            same_line = abs(middle - prev_middle) < 0.5 * max(height, prev_height)
            if same_line and box.left - right > WORD_GAP_EM * max(size, prev_size):
                out.append(" ")
                added += 1
        out.append(char)
        prev = (box.right, middle, height, size)
    return "".join(out), added
