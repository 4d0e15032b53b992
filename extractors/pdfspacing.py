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

On such a page the table finder reads its cells from the same glyphs (``Glyphs.region``), and the
page text leaves the tables' characters out for the tables' rows (``Glyphs.text(skip)``), so a
table's text is there once, with its spaces.
"""

from __future__ import annotations

import re
from typing import Any

import numpy as np

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
    glyphs = page_glyphs(textpage, text)
    return glyphs.rebuilt if glyphs is not None else None


def page_glyphs(textpage: Any, text: str) -> Glyphs | None:
    """The page's glyphs when its word spaces are to be rebuilt (``text``, pdfium's own, lost them),
    else None."""
    if not needs_spacing(text):
        return None
    glyphs = Glyphs(textpage)
    rebuilt, added = glyphs.text()
    if added < MIN_ADDED or added <= text.count(" "):
        return None
    glyphs.rebuilt = rebuilt
    return glyphs


class Glyphs:
    """A page's characters in pdfium's order with their advance ("loose") boxes and font sizes: the page
    text with word spaces put back (``text``, ``rebuilt``), and the same for the text inside a rectangle
    (``region``: a table cell's text, read like ``extractors.pdfobjects.bounded_text``)."""

    def __init__(self, textpage: Any) -> None:
        import pypdfium2.raw as raw

        handle = textpage.raw
        box = raw.FS_RECTF()
        chars: list[str] = []
        rows: list[tuple[float, float, float, float, float]] = []
        nan = float("nan")
        for index in range(raw.FPDFText_CountChars(handle)):
            code = raw.FPDFText_GetUnicode(handle, index)
            if code in _UNMAPPED or 0xD800 <= code <= 0xDFFF:
                continue
            char = chr(code)
            chars.append(char)
            if char.isspace() or not raw.FPDFText_GetLooseCharBox(handle, index, box):
                rows.append((nan, nan, nan, nan, nan))
                continue
            size = raw.FPDFText_GetFontSize(handle, index) or (box.top - box.bottom)
            rows.append((box.left, box.bottom, box.right, box.top, size))
        self.chars, self.rows = chars, rows
        self.boxes = np.array(rows, dtype=float).reshape(-1, 5)
        self.rebuilt = ""
        blank = np.fromiter((c.isspace() for c in chars), dtype=bool, count=len(chars))
        #: ``blanks[k]``: white-space characters before character ``k``.
        self.blanks = np.r_[0, np.cumsum(blank)]

    def text(self, skip: list[Any] | None = None) -> tuple[str, int]:
        """The page's characters with word spaces put back, and how many were added. Characters whose
        box centre is inside one of the ``skip`` boxes (``left, bottom, right, top`` attributes) are left
        out, ``placeholder(k)`` standing where box ``k``'s first character was."""
        inside = self._inside(skip) if skip else None
        out: list[str] = []
        added = 0
        prev: tuple[float, float, float, float] | None = None  # right, middle, height, font size
        skipping = False
        placed: set[int] = set()
        for k, char in enumerate(self.chars):
            if inside is not None and (where := int(inside[k])) >= 0:
                if where not in placed:
                    placed.add(where)
                    out.append(placeholder(where))
                skipping, prev = True, None
                continue
            left, bottom, right, top, size = self.rows[k]
            if char.isspace() or left != left:  # white space, or a glyph without a box
                if not (skipping and char.isspace()):
                    out.append(char)
                prev = None
                continue
            skipping = False
            height, middle = top - bottom, (top + bottom) / 2
            if prev is not None:
                prev_right, prev_middle, prev_height, prev_size = prev
                same_line = abs(middle - prev_middle) < 0.5 * max(height, prev_height)
                if same_line and left - prev_right > WORD_GAP_EM * max(size, prev_size):
                    out.append(" ")
                    added += 1
            out.append(char)
            prev = (right, middle, height, size)
        return "".join(out), added

    def _inside(self, boxes: list[Any]) -> np.ndarray:
        """For each character, the index of the first of ``boxes`` holding its box centre, else -1."""
        x = (self.boxes[:, 0] + self.boxes[:, 2]) / 2
        y = (self.boxes[:, 1] + self.boxes[:, 3]) / 2
        where = np.full(len(self.chars), -1)
        for k in range(len(boxes) - 1, -1, -1):
            b = boxes[k]
            where[(x >= b.left) & (x <= b.right) & (y >= b.bottom) & (y <= b.top)] = k
        return where

    def region(self, left: float, bottom: float, right: float, top: float) -> str:
        """The characters whose box centre is inside the rectangle, in pdfium's order, with word spaces
        (from glyph gaps, or white space between them in the page's text) and line breaks."""
        x = (self.boxes[:, 0] + self.boxes[:, 2]) / 2
        y = (self.boxes[:, 1] + self.boxes[:, 3]) / 2
        picked = np.flatnonzero((x >= left) & (x <= right) & (y >= bottom) & (y <= top)).tolist()
        out: list[str] = []
        prev = -1
        for k in picked:
            l, b, r, t, size = self.rows[k]
            if prev >= 0:
                _, pb, pr, pt, psize = self.rows[prev]
                if abs((b + t) / 2 - (pb + pt) / 2) >= 0.5 * max(t - b, pt - pb):
                    out.append("\n")
                elif l - pr > WORD_GAP_EM * max(size, psize) or self.blanks[k] > self.blanks[prev + 1]:
                    out.append(" ")
            out.append(self.chars[k])
            prev = k
        return "".join(out)


def placeholder(k: int) -> str:
    """What stands for table ``k`` in ``Glyphs.text`` (no character pdfium reads is NUL)."""
    return f"\x00{k}\x00"
