"""Pictures drawn on PDF pages that have a text layer (figures, screen shots, pasted scans): found in the
page's census (``extractors.pdfobjects``, the pass the table finder takes anyway, else one of its own),
and offered to ``extractors.pictures`` for OCR. Pages without a text layer are OCR'd whole
(``extractors.pdf``), so their images are not offered again.

Even that walk costs about as much as reading the page's text, so it runs only in files that have an
image XObject at all: image streams are never inside compressed object streams, so their dictionaries'
``/Subtype /Image`` is in the file's bytes (a scan of the memory-mapped file; inline images, rare and
small, are left out).
"""

from __future__ import annotations

import ctypes
import hashlib
import mmap
import re
from pathlib import Path
from typing import Any

from extractors.pdfobjects import PageObjects, census, pdfium_api
from extractors.pictures import SKIP_UNREADABLE, PictureOcr

#: An image drawn over less than this share of the page is a logo, a bullet or a rule.
MIN_COVERAGE = 0.02


_IMAGE_XOBJECT = re.compile(rb"/Subtype\s*/Image\b")


def has_image_xobjects(path: Path) -> bool:
    """True when the PDF file defines at least one image XObject (True when it cannot be scanned)."""
    try:
        with open(path, "rb") as fh, mmap.mmap(fh.fileno(), 0, access=mmap.ACCESS_READ) as data:
            return _IMAGE_XOBJECT.search(data) is not None
    except (OSError, ValueError):
        return True


def image_objects(page: Any, objects: PageObjects | None = None) -> list[tuple[int, float]]:
    """(object address, share of the page area it covers) of the page's image objects (``objects``: the
    page's census, when taken already)."""
    api = pdfium_api()
    if objects is None or not objects.complete:
        objects = census(page)
    width, height = page.get_size()
    area = max(width * height, 1.0)
    bounds, floats = api.bounds, api.floats
    s0, s1, s2, s3 = api.slots[:4]
    found: list[tuple[int, float]] = []
    for obj in objects.images:
        bounds(obj, s0, s1, s2, s3)
        left, bottom, right, top = floats[0:4]
        found.append((obj, max(0.0, (right - left) * (top - bottom)) / area))
    return found


def offer_page_pictures(page: Any, number: int, pictures: PictureOcr, objects: PageObjects | None = None) -> None:
    """Offer the images of page ``number`` covering at least ``MIN_COVERAGE`` of it to ``pictures``."""
    import pypdfium2 as pdfium
    import pypdfium2.raw as raw

    for k, (address, coverage) in enumerate(image_objects(page, objects), start=1):
        if coverage < MIN_COVERAGE:
            continue
        name = f"page {number} image {k}"
        try:
            obj = pdfium.PdfImage(ctypes.cast(address, raw.FPDF_PAGEOBJECT), page=page, pdf=page.pdf)
            width, height = obj.get_px_size()
            key = hashlib.sha256(bytes(obj.get_data(decode_simple=False))).digest()
            pictures.offer_image(name, lambda obj=obj: obj.get_bitmap(render=False).to_pil(), (width, height), key)
        except Exception:  # pdfium refuses some image encodings (JBIG2 globals, broken streams)
            pictures.found += 1
            pictures.skipped[SKIP_UNREADABLE] += 1
