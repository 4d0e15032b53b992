"""Shared pieces of the identifier detectors: the hit tuple, the detector record, context look-ups."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import NamedTuple

# Boundaries used by every numeric pattern: Korean particles may follow a value directly ("010-1234-5678로"),
# so only ASCII letters and digits count as "part of the same token". Patterns start with a plain character
# class so the regex engine can skip ahead quickly; the left boundary is therefore checked *after* the first
# character (``LEAD`` looks one character further back).
LEAD = r"(?<![0-9A-Za-z].)(?<![0-9][-./].)"
RIGHT = r"(?![0-9A-Za-z])(?![-./][0-9])"


class Hit(NamedTuple):
    """One validated identifier before it becomes an ``Entity``."""

    label: str
    norm: str
    start: int
    end: int


Resolver = Callable[["re.Match[str]", str], "Hit | None"]


@dataclass(frozen=True)
class Detector:
    """A candidate pattern and the function that validates and normalises each candidate.

    ``priority`` settles overlaps: when two validated hits overlap, the higher priority wins, then the longer.
    """

    name: str
    pattern: re.Pattern[str]
    resolve: Resolver
    priority: int


_DELIMITERS = (",", "\t", "|", ";")


def column_header(text: str, start: int) -> str | None:
    """The header of the delimited column holding ``start``, read from the text's first line.

    Database dumps put the context ("jumin", "card_no", "phone") in the header, far from each value. The
    header is trusted only when it has as many delimiters as the row. Quoted delimiters are not handled.
    """
    line_start = text.rfind("\n", 0, start) + 1
    header_end = text.find("\n")
    if line_start == 0 or header_end < 0:
        return None
    line_end = text.find("\n", start)
    line = text[line_start : line_end if line_end >= 0 else len(text)]
    delimiter = max(_DELIMITERS, key=line.count)
    count = line.count(delimiter)
    header = text[:header_end]
    if count == 0 or header.count(delimiter) != count:
        return None
    return header.split(delimiter)[text.count(delimiter, line_start, start)]


def context_before(text: str, start: int, words: re.Pattern[str], width: int = 40) -> bool:
    """True when ``words`` occurs in the ``width`` characters before ``start`` or in the column's header."""
    if words.search(text, max(0, start - width), start) is not None:
        return True
    header = column_header(text, start)
    return header is not None and words.search(header) is not None


def context_around(text: str, start: int, end: int, words: re.Pattern[str], before: int = 40, after: int = 20) -> bool:
    """True when ``words`` occurs shortly before or after the span (or in the column's header)."""
    return (
        context_before(text, start, words, before)
        or words.search(text, end, min(len(text), end + after)) is not None
    )


_NON_DIGITS = re.compile(r"[^0-9]+")


def digits_of(raw: str) -> str:
    """The ASCII digits of ``raw`` in order."""
    return raw if raw.isascii() and raw.isdigit() else _NON_DIGITS.sub("", raw)


def words(*alternatives: str) -> re.Pattern[str]:
    """Compile context keywords into one case-insensitive alternation."""
    return re.compile("|".join(alternatives), re.IGNORECASE)
