"""Cut long texts into chunks the pipelines can take, and pick a pipeline per chunk by script.

Chunks are plain slices (``text[start:start + len(chunk)]``), so entity offsets only need the chunk start
added. Cuts prefer a paragraph break, then a line break, then a sentence end, then any whitespace; a word is
split only when a chunk has no whitespace at all.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_CUTS = (re.compile(r"\n\s*\n"), re.compile(r"\n"), re.compile(r"[.!?。]\s"), re.compile(r"\s"))


@dataclass(frozen=True)
class Chunk:
    start: int
    text: str


def chunk_text(text: str, max_chars: int) -> list[Chunk]:
    """Split ``text`` into slices of at most ``max_chars`` characters (whitespace-only slices dropped)."""
    if max_chars < 1:
        raise ValueError(f"max_chars must be at least 1, got {max_chars}")
    chunks: list[Chunk] = []
    start = 0
    while start < len(text):
        end = min(start + max_chars, len(text))
        if end < len(text):
            window = text[start:end]
            floor = max_chars // 2
            for pattern in _CUTS:
                cut = None
                for match in pattern.finditer(window, floor):
                    cut = match.end()
                if cut:
                    end = start + cut
                    break
        if text[start:end].strip():
            chunks.append(Chunk(start, text[start:end]))
        start = end
    return chunks


def is_hangul(char: str) -> bool:
    code = ord(char)
    return 0xAC00 <= code <= 0xD7A3 or 0x1100 <= code <= 0x11FF or 0x3130 <= code <= 0x318F


def script_language(text: str, hangul_share: float, min_letters: int = 1) -> str | None:
    """``"ko"`` when Hangul is at least ``hangul_share`` of the Hangul+Latin letters, ``"en"`` when Latin
    letters dominate, ``None`` when the text has fewer than ``min_letters`` of either (numbers, CJK, ...)."""
    hangul = latin = 0
    for char in text:
        if is_hangul(char):
            hangul += 1
        elif char.isascii() and char.isalpha():
            latin += 1
    if hangul + latin < min_letters:
        return None
    return "ko" if hangul >= hangul_share * (hangul + latin) else "en"
