"""Tesseract OCR for images and for PDF pages without a text layer.

Runs the ``tesseract`` binary with ``OMP_THREAD_LIMIT=1`` (faster on shared cores) and page
segmentation mode 4 (a single column of variable-size text), which reads dense Korean pages
far better than the default mode 3.
"""

from __future__ import annotations

import io
import os
import re
import shutil
import subprocess
from pathlib import Path
from typing import TYPE_CHECKING

from extractors.base import (
    CorruptError, ExtractContext, Extracted, ExtractionError, Method, Page, Status, TooLargeError,
    UnsupportedError,
)

from extractors.quality import score_text

if TYPE_CHECKING:
    from PIL.Image import Image

PAGE_SEGMENTATION_MODE = "4"
OCR_DPI = 300
_MAX_PIXELS = 120_000_000
_HANGUL_GAP = re.compile(r"(?<=[\uac00-\ud7a3]) (?=[\uac00-\ud7a3])")


#: Share of ``limits.timeout_s`` after which no further page is OCR'd (the result becomes partial).
OCR_TIME_SHARE = 0.75
_LANGS: frozenset[str] | None = None


def tesseract_available() -> bool:
    return shutil.which("tesseract") is not None


def installed_languages() -> frozenset[str]:
    """Tesseract language packs installed here (asked once per process)."""
    global _LANGS
    if _LANGS is None:
        try:
            out = subprocess.run(["tesseract", "--list-langs"], capture_output=True, timeout=30).stdout
            _LANGS = frozenset(line.strip() for line in out.decode().splitlines()[1:] if line.strip())
        except (OSError, subprocess.SubprocessError):
            _LANGS = frozenset()
    return _LANGS


def usable_languages(requested: str) -> tuple[str, list[str]]:
    """The requested ``a+b`` languages that are installed, and the missing ones."""
    wanted = [lang for lang in requested.split("+") if lang]
    have = installed_languages()
    if not have:
        return requested, []
    usable = [lang for lang in wanted if lang in have]
    missing = [lang for lang in wanted if lang not in have]
    if not usable:
        usable = [lang for lang in ("kor", "eng") if lang in have] or sorted(have)[:1]
    return "+".join(usable), missing


class OcrBudget:
    """Stops OCR of further pages once a share of the time limit is used (partial beats timeout)."""

    def __init__(self, ctx: ExtractContext) -> None:
        import time

        self._clock = time.monotonic
        self._deadline = self._clock() + ctx.limits.timeout_s * OCR_TIME_SHARE
        self.languages, missing = usable_languages(ctx.ocr_languages)
        self.notes = [f"OCR language packs not installed: {', '.join(missing)}"] if missing else []

    def exhausted(self) -> bool:
        return self._clock() > self._deadline


#: OCR languages for the fonts a page names (CJK fonts whose glyphs have no Unicode map).
_FONT_LANGUAGES = (
    (re.compile(r"Sim(Sun|Hei|Kai|Fang)|STSong|STHeiti|STKaiti|FangSong|KaiTi|Song(Std)?|Hei(ti)?|"
                r"MSung|MHei|Ming|PMingLiU|MingLiU|DFKai|GB(K|2312)?|Big5|-GB|-CNS", re.I), "chi_sim+chi_tra"),
    (re.compile(r"Mincho|MS-?P?Gothic|Meiryo|Heisei|Kozuka|Kozmin|Hiragino|Osaka|Yu(Gothic|Mincho)|-90m?s?-RKSJ|"
                r"-Japan|IPA", re.I), "jpn"),
    (re.compile(r"Batang|Gulim|Dotum|Gungsuh|Malgun|Nanum|HY\w|Hanyang|HCR|Hancom|-KSC|-Korea|UHC|"
                r"Apple(SD)?Gothic", re.I), "kor"),
)


def languages_for_fonts(font_names: list[str], default: str) -> str:
    """OCR languages for a page drawn with ``font_names``: a CJK script's installed packs (plus the batch's
    languages) when its fonts are Chinese or Japanese, else ``default``."""
    found: list[str] = []
    for name in font_names:
        for rx, packs in _FONT_LANGUAGES:
            if rx.search(name) and packs not in found:
                found.append(packs)
                break
    if not found or found == ["kor"]:
        return default
    have = installed_languages()
    wanted = [lang for packs in found for lang in packs.split("+") if not have or lang in have]
    if not wanted:
        return default
    extra = [lang for lang in default.split("+") if lang and lang not in wanted and lang != "kor"]
    return "+".join(wanted + extra)


def _grayscale(image: "Image") -> "Image":
    """The picture in grey for tesseract; a transparent one laid on white first (text drawn on a transparent
    background is otherwise on whatever colour its transparent pixels hold, often black)."""
    from PIL import Image

    transparent = image.mode in ("RGBA", "LA", "PA") or (image.mode == "P" and "transparency" in image.info)
    if not transparent:
        return image.convert("L")
    rgba = image.convert("RGBA")
    white = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
    return Image.alpha_composite(white, rgba).convert("L")


def ocr_image(image: "Image", languages: str, timeout_s: float) -> str:
    """OCR one PIL image; return its text (lines joined by newlines)."""
    if not tesseract_available():
        raise UnsupportedError("OCR needs the tesseract binary (Debian: tesseract-ocr, tesseract-ocr-kor)")
    gray = _grayscale(image)
    buf = io.BytesIO()
    gray.save(buf, format="PNG")
    env = dict(os.environ, OMP_THREAD_LIMIT="1")
    cmd = ["tesseract", "stdin", "stdout", "-l", languages, "--psm", PAGE_SEGMENTATION_MODE,
           "-c", "preserve_interword_spaces=1"]
    dpi = image.info.get("dpi")
    resolution = int(dpi[0]) if dpi and dpi[0] and dpi[0] >= 70 else OCR_DPI
    cmd += ["--dpi", str(min(resolution, 1200))]
    try:
        proc = subprocess.run(cmd, input=buf.getvalue(), capture_output=True, timeout=timeout_s, env=env)
    except subprocess.TimeoutExpired as exc:
        raise ExtractionError(f"tesseract ran past {timeout_s:g} s") from exc
    if proc.returncode != 0:
        msg = proc.stderr.decode("utf-8", "replace").strip().splitlines()
        raise ExtractionError(f"tesseract failed: {msg[-1] if msg else proc.returncode}")
    return tidy_ocr_text(proc.stdout.decode("utf-8", "replace"))


def tidy_ocr_text(text: str) -> str:
    """Collapse runs of spaces tesseract pads with and drop trailing form feeds."""
    lines = [re.sub(r"[ \t]{2,}", " ", line).strip() for line in text.replace("\f", "\n").splitlines()]
    out: list[str] = []
    for line in lines:
        if line or (out and out[-1]):
            out.append(line)
    return "\n".join(out).strip()


def extract_image(path: Path, ctx: ExtractContext) -> Extracted:
    """OCR every frame of an image (multi-page TIFF included)."""
    from PIL import Image, ImageSequence, UnidentifiedImageError

    Image.MAX_IMAGE_PIXELS = _MAX_PIXELS
    try:
        img = Image.open(path)
    except UnidentifiedImageError as exc:
        raise CorruptError("not a readable image") from exc
    except Image.DecompressionBombError as exc:
        raise TooLargeError(f"image larger than {_MAX_PIXELS} pixels") from exc
    meta: dict[str, object] = {"format": img.format, "width": img.width, "height": img.height}
    if not ctx.ocr_enabled:
        return Extracted(status=Status.UNSUPPORTED, reason="OCR disabled for this batch", metadata=meta)
    pages: list[Page] = []
    budget = OcrBudget(ctx)
    problems: list[str] = list(budget.notes)
    with img:
        try:
            for number, frame in enumerate(ImageSequence.Iterator(img), start=1):
                if number > ctx.limits.max_pages_ocr:
                    problems.append(f"only the first {ctx.limits.max_pages_ocr} frames were read")
                    break
                if pages and budget.exhausted():
                    problems.append(f"frames from {number} on not OCR'd: time limit nearly used")
                    break
                if frame.width * frame.height > _MAX_PIXELS:
                    raise TooLargeError(f"image frame larger than {_MAX_PIXELS} pixels")
                text = ocr_image(frame.copy(), budget.languages, ctx.limits.timeout_s)
                pages.append(Page(number, text, Method.OCR, score=score_text(text).score,
                                  reader=f"tesseract:{budget.languages}"))
        except (OSError, SyntaxError) as exc:
            if not pages:
                raise CorruptError(f"image data unreadable: {exc}") from exc
            problems.append(f"stopped at a damaged frame: {exc}")
    meta["frames"] = len(pages)
    text = "\n\n".join(p.text for p in pages if p.text)
    status = Status.PARTIAL if problems else Status.OK
    return Extracted(status=status, text=text, reason="; ".join(problems) or None, pages=tuple(pages),
                     metadata=meta, method=Method.OCR)
