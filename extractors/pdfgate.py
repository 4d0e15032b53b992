"""The quality gate of one PDF page: pypdfium2's text layer, else pdftotext, else OCR.

A layer that scores below ``quality.POOR_SCORE`` (glyph codes, control characters, mis-decoded
bytes, or glyphs drawn with no Unicode at all) is read again with poppler's ``pdftotext``, then
OCR'd with the languages its fonts name (a Chinese or Japanese font gets those packs, not the
batch's kor+eng, which would invent Korean). The best-scoring reading is kept; when none is good
the page carries a problem, so the document is ``partial``, never ``ok``.
"""

from __future__ import annotations

import ctypes
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

from extractors.base import Method
from extractors.quality import TextQuality, score_text

#: Short names of why a page fell back (counted in the document's metadata and by the benchmark).
REASON_GLYPHS = "glyphs without Unicode"
REASON_SHIFTED = "shifted glyph codes"
REASON_CONTROL = "control characters"
REASON_MOJIBAKE = "mis-decoded bytes"
REASON_SYMBOLS = "symbols instead of letters"
REASON_OTHER = "low score"
#: A page whose pdfium characters are mostly unmapped (U+FFFE, NUL) is judged unreadable past this many.
MIN_UNMAPPED = 8


@dataclass(frozen=True)
class PageReading:
    """What the gate decided for one page."""

    text: str
    method: Method
    reader: str
    score: float
    fallback: str | None = None
    problem: str | None = None


def fallback_reason(quality: TextQuality, unmapped: int) -> str | None:
    """Why the pdfium layer of a page is not trusted, or None when it is."""
    if unmapped >= MIN_UNMAPPED and unmapped > quality.visible:
        return REASON_GLYPHS
    if not quality.poor:
        return None
    joined = " ".join(quality.problems)
    if "glyph codes" in joined:
        return REASON_SHIFTED
    if "mis-decoded" in joined:
        return REASON_MOJIBAKE
    if "symbols instead" in joined:
        return REASON_SYMBOLS
    if "control" in joined:
        return REASON_CONTROL
    return REASON_OTHER


def page_fonts(page: Any) -> list[str]:
    """Base font names used by the page's text objects (deduplicated)."""
    import pypdfium2.raw as raw

    names: list[str] = []
    try:
        for obj in page.get_objects(filter=(raw.FPDF_PAGEOBJ_TEXT,), max_depth=3):
            font = raw.FPDFTextObj_GetFont(obj.raw)
            if not font:
                continue
            size = raw.FPDFFont_GetBaseFontName(font, None, 0)
            if size <= 1:
                continue
            buf = ctypes.create_string_buffer(size)
            raw.FPDFFont_GetBaseFontName(font, buf, size)
            name = buf.value.decode("latin-1", "replace")
            if name not in names:
                names.append(name)
            if len(names) > 20:
                break
    except Exception:
        return names
    return names


def pdftotext_page(path: Path, number: int, password: str | None, timeout_s: float) -> str | None:
    """One page's text from poppler's pdftotext, or None when it is missing or fails."""
    if shutil.which("pdftotext") is None:
        return None
    cmd = ["pdftotext", "-q", "-enc", "UTF-8", "-f", str(number), "-l", str(number)]
    if password:
        cmd += ["-upw", password]
    try:
        proc = subprocess.run([*cmd, str(path), "-"], capture_output=True, timeout=timeout_s)
    except (OSError, subprocess.TimeoutExpired):
        return None
    if proc.returncode != 0:
        return None
    return proc.stdout.decode("utf-8", "replace").replace("\f", "").strip()


def rescue_page(path: Path, password: str | None, page: Any, number: int, layer: str, reason: str,
                ocr: Callable[[Any, list[str]], tuple[str, str] | str], timeout_s: float) -> PageReading:
    """Read a page whose pdfium layer failed the gate; ``ocr(page, fonts)`` returns (text, languages)
    or a string saying why OCR did not run."""
    first = score_text(layer)
    tried = [f"pdfium {first.describe()}"]
    best = PageReading(layer, Method.TEXT_LAYER, "pdfium", first.score if reason != REASON_GLYPHS else 0.0,
                       fallback=reason)
    poppler = pdftotext_page(path, number, password, timeout_s)
    if poppler is not None:
        second = score_text(poppler)
        tried.append(f"pdftotext {second.describe()}")
        if not second.poor and second.visible and fallback_reason(second, 0) is None:
            return PageReading(poppler, Method.TEXT_LAYER, "pdftotext", second.score, fallback=reason)
        if second.score > best.score:
            best = PageReading(poppler, Method.TEXT_LAYER, "pdftotext", second.score, fallback=reason)
    outcome = ocr(page, page_fonts(page))
    if isinstance(outcome, str):
        tried.append(outcome)
    else:
        text, languages = outcome
        third = score_text(text)
        tried.append(f"OCR ({languages}) {third.describe()}")
        if third.visible and not third.poor:
            return PageReading(text, Method.OCR, f"tesseract:{languages}", third.score, fallback=reason)
        if third.score > best.score:
            best = PageReading(text, Method.OCR, f"tesseract:{languages}", third.score, fallback=reason)
    problem = f"page {number}: text layer unreadable ({reason}); tried " + ", ".join(tried)
    return PageReading(best.text, best.method, best.reader, best.score, fallback=reason, problem=problem)
