"""Highlighted snippets of the original text, with personal identifiers masked for display."""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Callable

_EDGE_START = re.compile(r"^\W{0,3}(\d[\d .\-]*\d)")
_EDGE_END = re.compile(r"(\d[\d .\-]*\d)\W{0,3}$")
_DIGIT = re.compile(r"\d")

MARK_START = "\ue000"
MARK_END = "\ue001"

Masker = Callable[[str], list[tuple[int, int, str]]]
"""Given plain text, returns (start, end, masked replacement) for each sensitive span."""


def edge_digit_spans(text: str) -> list[tuple[int, int, str]]:
    """Digit runs cut by a fragment's edge, masked whole: a cut identifier no longer validates as one."""
    spans = []
    for pattern in (_EDGE_START, _EDGE_END):
        match = pattern.search(text)
        if match and sum(ch.isdigit() for ch in match.group(1)) >= 4:
            spans.append((match.start(1), match.end(1), _DIGIT.sub("*", match.group(1))))
    return spans


def render(fragment: str, masker: Masker | None, *, open_tag: str = "[", close_tag: str = "]",
           escape: Callable[[str], str] | None = None) -> str:
    """Turn a fragment with highlight markers into display text, masking sensitive spans.

    Markers that fall inside a masked span move to its edges, so a highlight never splits a masked value.
    """
    if masker is None or not (found := masker(fragment.replace(MARK_START, "").replace(MARK_END, ""))):
        # nothing to mask: the markers become tags where they stand (the common case, without the walk below)
        shown = escape(fragment) if escape else fragment
        return shown.replace(MARK_START, open_tag).replace(MARK_END, close_tag).strip()
    return _render_masked(fragment, found, open_tag, close_tag, escape)


def _render_masked(fragment: str, found: list[tuple[int, int, str]], open_tag: str, close_tag: str,
                   escape: Callable[[str], str] | None) -> str:
    """``render`` of a fragment holding sensitive spans ``found`` (offsets into its text without markers)."""
    plain_parts: list[str] = []
    marks: list[tuple[int, str]] = []
    length = 0
    for ch in fragment:
        if ch in (MARK_START, MARK_END):
            marks.append((length, open_tag if ch == MARK_START else close_tag))
        else:
            plain_parts.append(ch)
            length += 1
    plain = "".join(plain_parts)
    spans: list[tuple[int, int, str]] = []
    for start, end, replacement in sorted(found):
        if not spans or start >= spans[-1][1]:
            spans.append((start, end, replacement))
    tags_at: dict[int, list[str]] = defaultdict(list)
    for pos, tag in marks:
        for start, end, _ in spans:
            if start < pos < end:
                pos = start if tag == open_tag else end
        tags_at[pos].append(tag)
    span_at = {start: (end, replacement) for start, end, replacement in spans}
    cuts = sorted({len(plain), *tags_at, *span_at, *(end for _, end, _ in spans)})
    out: list[str] = []
    pos = 0
    while pos < len(plain):
        out.extend(tags_at.pop(pos, []))
        if pos in span_at:
            end, replacement = span_at[pos]
            out.append(escape(replacement) if escape else replacement)
            pos = end
            continue
        nxt = next(c for c in cuts if c > pos)
        out.append(escape(plain[pos:nxt]) if escape else plain[pos:nxt])
        pos = nxt
    out.extend(tags_at.pop(len(plain), []))
    return "".join(out).strip()
