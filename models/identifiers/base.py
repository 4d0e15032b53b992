"""Shared pieces of the identifier detectors: the hit tuple, the detector record, context look-ups."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import NamedTuple

# Boundaries used by every numeric pattern: Korean particles may follow a value directly ("010-1234-5678로"),
# so only ASCII letters and digits count as "part of the same token".
LEFT = r"(?<![0-9A-Za-z])(?<![0-9][-./])"
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


def context_before(text: str, start: int, words: re.Pattern[str], width: int = 40) -> bool:
    """True when ``words`` occurs in the ``width`` characters before ``start`` (same line or the one above)."""
    return words.search(text, max(0, start - width), start) is not None


def context_around(text: str, start: int, end: int, words: re.Pattern[str], before: int = 40, after: int = 20) -> bool:
    """True when ``words`` occurs shortly before or after the span."""
    return (
        words.search(text, max(0, start - before), start) is not None
        or words.search(text, end, min(len(text), end + after)) is not None
    )


def digits_of(raw: str) -> str:
    """The ASCII digits of ``raw`` in order."""
    return "".join(ch for ch in raw if "0" <= ch <= "9")


def words(*alternatives: str) -> re.Pattern[str]:
    """Compile context keywords into one case-insensitive alternation."""
    return re.compile("|".join(alternatives), re.IGNORECASE)
