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


# -- language per sentence -------------------------------------------------------------------------------
_SEGMENT_END = re.compile(r"\n+\s*|(?<=[.!?。])[ \t]+")
#: A Latin-script segment needs this many letters before its language is identified; shorter ones (names,
#: signatures, headings) take the document's language.
MIN_IDENTIFY_LETTERS = 20


def segments(text: str) -> list[Chunk]:
    """Sentences and lines of ``text`` as slices (each keeps its trailing whitespace)."""
    out: list[Chunk] = []
    start = 0
    for match in _SEGMENT_END.finditer(text):
        if match.end() > start:
            out.append(Chunk(start, text[start:match.end()]))
            start = match.end()
    if start < len(text):
        out.append(Chunk(start, text[start:]))
    return out


def _latin_language(text: str) -> str | None:
    """ISO code pycld2 finds for a Latin-script segment, ``None`` when it cannot tell."""
    import pycld2

    try:
        reliable, _, details = pycld2.detect(text, bestEffort=True)
    except pycld2.error:
        return None
    code = details[0][1] if details else "un"
    return None if not reliable or code in ("un", "xxx") else code


def segment_language(text: str, prior: str | None, foreign: bool, hangul_share: float) -> str | None:
    """``"ko"``, ``"en"`` or ``None`` (gazetteer only) for one sentence or line.

    Hangul decides Korean. Latin script is English in an English document; elsewhere a long Latin segment is
    identified (English, or another language neither pipeline reads) and a short one is English unless the
    document is known to be in another language.
    """
    hangul = latin = 0
    for char in text:
        if is_hangul(char):
            hangul += 1
        elif char.isascii() and char.isalpha():
            latin += 1
    if not hangul + latin:
        return None
    if hangul >= hangul_share * (hangul + latin):
        return "ko"
    if prior != "en" and latin >= MIN_IDENTIFY_LETTERS:
        code = _latin_language(text)
        if code is not None:
            return "en" if code == "en" else None
    return None if foreign and prior is None else "en"


def language_runs(text: str, prior: str | None, foreign: bool, hangul_share: float,
                  max_chars: int) -> list[tuple[Chunk, str | None]]:
    """Consecutive sentences of one language joined into slices of at most ``max_chars``, with their language.

    ``prior`` is the document's language (``"ko"``/``"en"``/``None``); ``foreign`` says it is known to be
    another one. Segments without letters join the run before them.
    """
    runs: list[tuple[int, int, str | None]] = []
    for segment in segments(text):
        if not segment.text.strip():
            continue
        has_letters = any(is_hangul(c) or (c.isascii() and c.isalpha()) for c in segment.text)
        language = segment_language(segment.text, prior, foreign, hangul_share) if has_letters else None
        end = segment.start + len(segment.text)
        if runs and (runs[-1][2] == language or not has_letters) and end - runs[-1][0] <= max_chars:
            runs[-1] = (runs[-1][0], end, runs[-1][2])
        else:
            runs.append((segment.start, end, language))
    out: list[tuple[Chunk, str | None]] = []
    for start, end, language in runs:
        for piece in chunk_text(text[start:end], max_chars):
            out.append((Chunk(start + piece.start, piece.text), language))
    return out


_HANGUL_RUN = re.compile(r"[\uac00-\ud7a3]+(?:[ \t]+[\uac00-\ud7a3]+)*")


def hangul_islands(chunk: Chunk) -> list[Chunk]:
    """Runs of Hangul words inside a chunk routed to English (a Korean name in an English memo)."""
    return [Chunk(chunk.start + m.start(), m.group()) for m in _HANGUL_RUN.finditer(chunk.text)]
