"""OCR of the pictures inside documents (DOCX/PPTX/XLSX/ODF media, HWP/HWPX BinData, the pictures of
legacy Word, Excel and PowerPoint files), so text that is only in a picture is not silently lost.

Each document gets one ``PictureOcr``: ``offer(name, data)`` hands it a picture; ``finish(result)``
appends the text of each picture that has some as a section ``[picture NAME]`` and records what was
done in ``metadata["pictures"]`` (found, OCR'd, with text, skipped by reason). The work is bounded:

* tiny pictures (under ``MIN_BYTES``, a side under ``MIN_SIDE`` px, the longer under ``MIN_LONG_SIDE``)
  are icons, bullets and rules, skipped; the same bytes are OCR'd once (SHA-256);
* at most ``Limits.max_pictures_ocr`` pictures per document and ``PICTURE_TIME_SHARE`` of the file's time
  limit; pictures over ``MAX_OCR_PIXELS`` are scaled down;
* pictures left unread by those limits (or by a Tesseract failure) make the document ``partial``,
  with the count in the reason;
* vector pictures (EMF/WMF: pasted charts and drawings) are not OCR'd: the text their records draw is
  read (``extractors.office.metafile``), whether or not OCR is on.

OCR of embedded pictures is off when ``ctx.ocr_enabled`` or ``ctx.ocr_pictures`` is false; the metadata
then says how many pictures were not read.
"""

from __future__ import annotations

import dataclasses
import hashlib
import io
import time
from collections import Counter
from collections.abc import Callable
from typing import Any

from extractors.base import ExtractContext, Extracted, ExtractionError, Method, Status, UnsupportedError
from extractors.ocr import ocr_image, tesseract_available, usable_languages
from extractors.quality import score_text

#: Smaller files are icons, bullets and rules.
MIN_BYTES = 1500
#: A picture narrower or shorter than this (pixels) is a rule or a bullet.
MIN_SIDE = 12
#: A picture whose longer side is under this (pixels) is an icon (a 94 × 33 logo with a word is read).
MIN_LONG_SIDE = 64
#: Larger pictures are scaled down to this many pixels before OCR (bounded time and memory).
MAX_OCR_PIXELS = 8_000_000
#: Share of ``limits.timeout_s`` that the pictures of one document may use.
PICTURE_TIME_SHARE = 0.5
#: Pictures with more pixels than this are not decoded at all (decompression bombs).
MAX_DECODE_PIXELS = 120_000_000
#: OCR text kept for a picture needs this many letters or digits (photos give stray marks).
MIN_TEXT_CHARS = 3

#: Skip reasons (keys of ``metadata["pictures"]["skipped"]``).
SKIP_SMALL = "small (icon, bullet or rule)"
SKIP_DUPLICATE = "duplicate"
SKIP_VECTOR = "vector picture without text (EMF/WMF/PICT)"
SKIP_UNREADABLE = "unreadable image data"
SKIP_HUGE = "too many pixels to decode"
SKIP_LIMIT = "over the per-document picture limit"
SKIP_TIME = "time limit for pictures used"
SKIP_OCR_FAILED = "OCR failed"
SKIP_OFF = "OCR of pictures off"
#: Skips that may have lost text: they make the document ``partial``.
_LOSSY = (SKIP_LIMIT, SKIP_TIME, SKIP_OCR_FAILED, SKIP_HUGE)

_RASTER = (
    (b"\x89PNG\r\n\x1a\n", "png"), (b"\xff\xd8\xff", "jpeg"), (b"GIF87a", "gif"), (b"GIF89a", "gif"),
    (b"BM", "bmp"), (b"II*\x00", "tiff"), (b"MM\x00*", "tiff"),
)
#: WMF: placeable header, or a plain header in memory (1) or on disk (2) of 9 words.
_WMF = (b"\xd7\xcd\xc6\x9a", b"\x01\x00\x09\x00", b"\x02\x00\x09\x00")


def picture_kind(data: bytes) -> str | None:
    """``png``, ``jpeg``, ``gif``, ``bmp``, ``tiff``, ``webp`` (raster), ``emf``/``wmf`` (vector), else None."""
    for magic, kind in _RASTER:
        if data.startswith(magic):
            return kind
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "webp"
    if data.startswith(b"\x01\x00\x00\x00") and data[40:44] == b" EMF":
        return "emf"
    if data.startswith(_WMF):
        return "wmf"
    return None


@dataclasses.dataclass(frozen=True)
class PictureText:
    """The OCR text of one picture and where it was found."""

    name: str
    text: str
    languages: str


class PictureOcr:
    """Collects and OCRs the pictures of one document within its limits."""

    def __init__(self, ctx: ExtractContext) -> None:
        self.enabled = ctx.ocr_enabled and ctx.ocr_pictures
        self.max_pictures = ctx.limits.max_pictures_ocr
        self.timeout_s = ctx.limits.timeout_s
        self._deadline = time.monotonic() + ctx.limits.timeout_s * PICTURE_TIME_SHARE
        self._requested = ctx.ocr_languages
        self._languages: str | None = None
        self._seen: set[bytes] = set()
        self.found = 0
        self.ocr_count = 0
        self.vector_read = 0
        self.skipped: Counter[str] = Counter()
        self.texts: list[PictureText] = []
        self.failures: list[str] = []
        self.seconds = 0.0

    def offer(self, name: str, data: bytes) -> bool:
        """Read one embedded file if it is a picture; True when it was one (OCR'd or skipped)."""
        kind = picture_kind(data)
        if kind is None:
            return False
        self.found += 1
        if kind in ("emf", "wmf"):
            self._vector(name, data)
        elif self.enabled and len(data) < MIN_BYTES:
            self.skipped[SKIP_SMALL] += 1
        else:
            self._take(name, lambda: _decoded(data), None, hashlib.sha256(data).digest())
        return True

    def offer_image(self, name: str, load: Callable[[], Any], size: tuple[int, int], key: bytes) -> None:
        """Read one picture decoded on demand by ``load()`` (a PIL image), ``size`` pixels, ``key`` its
        identity for duplicates (a hash of its encoded data)."""
        self.found += 1
        self._take(name, load, size, key)

    def _take(self, name: str, load: Callable[[], Any], size: tuple[int, int] | None, key: bytes) -> None:
        if not self.enabled:
            self.skipped[SKIP_OFF] += 1
            return
        if key in self._seen:
            self.skipped[SKIP_DUPLICATE] += 1
            return
        self._seen.add(key)
        if size is not None and _small(size):
            self.skipped[SKIP_SMALL] += 1
            return
        if size is not None and size[0] * size[1] > MAX_DECODE_PIXELS:
            self.skipped[SKIP_HUGE] += 1
            return
        if self.ocr_count >= self.max_pictures:
            self.skipped[SKIP_LIMIT] += 1
            return
        if time.monotonic() > self._deadline:  # the file's own pages may have used the time already
            self.skipped[SKIP_TIME] += 1
            return
        try:
            image = load()
        except Exception:  # PIL and pdfium raise many types on damaged image data
            image = None
        if image is None:
            self.skipped[SKIP_UNREADABLE] += 1
        elif _small(image.size):
            self.skipped[SKIP_SMALL] += 1
        else:
            self._ocr(name, image)

    def _vector(self, name: str, data: bytes) -> None:
        """A metafile's text is read from its drawing records (exact, no OCR, no limits but its size)."""
        from extractors.office.metafile import metafile_text

        digest = hashlib.sha256(data).digest()
        if digest in self._seen:
            self.skipped[SKIP_DUPLICATE] += 1
            return
        self._seen.add(digest)
        text = metafile_text(data)
        if text:
            self.vector_read += 1
            self.texts.append(PictureText(name, text, "metafile"))
        else:
            self.skipped[SKIP_VECTOR] += 1

    def _ocr(self, name: str, image) -> None:  # noqa: ANN001 (a PIL image)
        if self._languages is None:
            self._languages = usable_languages(self._requested)[0]
        if not tesseract_available():
            self.skipped[SKIP_OCR_FAILED] += 1
            self.failures.append("the tesseract binary is missing")
            return
        started = time.monotonic()
        self.ocr_count += 1
        try:
            remaining = max(5.0, self._deadline - started)
            text = ocr_image(_prepared(image), self._languages, min(self.timeout_s, remaining))
        except (ExtractionError, UnsupportedError, OSError) as exc:
            self.skipped[SKIP_OCR_FAILED] += 1
            self.failures.append(f"{name}: {getattr(exc, 'reason', exc)}")
            return
        finally:
            self.seconds += time.monotonic() - started
        if _has_text(text):
            self.texts.append(PictureText(name, text, self._languages))

    def section(self) -> str:
        """The pictures' text, one ``[picture NAME]`` section each."""
        return "\n\n".join(f"[picture {p.name}]\n{p.text}" for p in self.texts)

    def metadata(self) -> dict[str, object]:
        """What was found and done (empty when the document has no pictures)."""
        if not self.found:
            return {}
        meta: dict[str, object] = {"found": self.found, "ocr": self.ocr_count, "with_text": len(self.texts)}
        if self.vector_read:
            meta["metafile_text"] = self.vector_read
        if self.skipped:
            meta["skipped"] = dict(self.skipped)
        if self.ocr_count:
            meta["seconds"] = round(self.seconds, 2)
            meta["reader"] = f"tesseract:{self._languages}"
        return meta

    def problem(self) -> str | None:
        """Why the document is partial because of its pictures, or None."""
        lost = sum(self.skipped[k] for k in _LOSSY)
        if not lost:
            return None
        parts = [f"{self.skipped[k]} {k}" for k in _LOSSY if self.skipped[k]]
        detail = f" ({self.failures[0]})" if self.failures else ""
        return f"{lost} picture{'' if lost == 1 else 's'} not OCR'd: " + ", ".join(parts) + detail

    def finish(self, result: Extracted) -> Extracted:
        """``result`` with the pictures' text appended, their record in the metadata and, when pictures
        that may hold text went unread, status ``partial`` with the reason."""
        meta = self.metadata()
        if not meta:
            return result
        changes: dict[str, object] = {"metadata": dict(result.metadata, pictures=meta)}
        section = self.section()
        if section:
            changes["text"] = f"{result.text}\n\n{section}" if result.text.strip() else section
            if any(p.languages != "metafile" for p in self.texts):  # some of the text is OCR's
                changes["method"] = Method.MIXED if result.text.strip() else Method.OCR
        problem = self.problem()
        if problem and result.status.readable:
            changes["status"] = Status.PARTIAL
            changes["reason"] = f"{result.reason}; {problem}" if result.reason else problem
        return dataclasses.replace(result, **changes)


def _small(size: tuple[int, int]) -> bool:
    return min(size) < MIN_SIDE or max(size) < MIN_LONG_SIDE


def _decoded(data: bytes):  # noqa: ANN202 (a PIL image or None)
    from PIL import Image, UnidentifiedImageError

    try:
        image = Image.open(io.BytesIO(data))
        if image.width * image.height > MAX_DECODE_PIXELS:
            return None
        image.load()
        return image
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombError):
        return None


def _prepared(image):  # noqa: ANN001, ANN202 (PIL images)
    """Grey, on white where transparent, scaled down when huge; read as 300 dpi whatever the file says
    (screen shots say 72 or 96 dpi, which makes Tesseract misjudge their glyph sizes; scaling them up
    read worse here)."""
    from PIL import Image

    if image.mode in ("RGBA", "LA", "PA") or (image.mode == "P" and "transparency" in image.info):
        rgba = image.convert("RGBA")
        canvas = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
        canvas.alpha_composite(rgba)
        image = canvas
    gray = image.convert("L")
    pixels = gray.width * gray.height
    if pixels > MAX_OCR_PIXELS:
        factor = (MAX_OCR_PIXELS / pixels) ** 0.5
        gray = gray.resize((max(1, int(gray.width * factor)), max(1, int(gray.height * factor))), Image.LANCZOS)
    gray.info["dpi"] = (300, 300)
    return gray


def _has_text(text: str) -> bool:
    """True for OCR output that reads as text, not stray marks from a photo."""
    letters = sum(1 for ch in text if ch.isalnum())
    return letters >= MIN_TEXT_CHARS and not score_text(text).poor
