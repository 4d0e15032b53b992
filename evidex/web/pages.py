"""Page images of a stored original, rendered on demand and cached: PDF pages with pdfium, images as they are."""

from __future__ import annotations

import io
import os
from pathlib import Path

MAX_PAGE_PIXELS = 4000 * 4000


class PageUnavailable(LookupError):
    """No image for this page (not a paged type, or beyond the last page)."""


def render_page(original: Path, content_type: str, number: int, cache_dir: Path) -> bytes:
    """PNG of page ``number`` (1-based) of ``original``."""
    if number < 1:
        raise PageUnavailable("pages are numbered from 1")
    cached = cache_dir / f"{number}.png"
    if cached.is_file():
        return cached.read_bytes()
    if not original.is_file():
        raise PageUnavailable("the original is not in the evidence store")
    if content_type == "application/pdf":
        png = _pdf_page(original, number)
    elif content_type.startswith("image/"):
        png = _image_page(original, number)
    else:
        raise PageUnavailable(f"no page images for {content_type or 'this type'}; read the text")
    cache_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
    tmp = cached.with_suffix(f".tmp{os.getpid()}")
    tmp.write_bytes(png)
    os.replace(tmp, cached)
    return png


def _pdf_page(path: Path, number: int) -> bytes:
    import pypdfium2 as pdfium

    pdf = pdfium.PdfDocument(str(path))
    try:
        if number > len(pdf):
            raise PageUnavailable(f"the document has {len(pdf)} page(s)")
        page = pdf[number - 1]
        width, height = page.get_size()
        scale = min(2.0, (MAX_PAGE_PIXELS / max(1.0, width * height)) ** 0.5)
        image = page.render(scale=scale).to_pil()
        out = io.BytesIO()
        image.save(out, format="PNG", optimize=True)
        return out.getvalue()
    except pdfium.PdfiumError as exc:
        raise PageUnavailable(f"the PDF page cannot be rendered: {exc}") from exc
    finally:
        pdf.close()


def _image_page(path: Path, number: int) -> bytes:
    from PIL import Image, ImageSequence

    Image.MAX_IMAGE_PIXELS = 20_000 * 20_000
    with Image.open(path) as image:
        frames = getattr(image, "n_frames", 1)
        if number > frames:
            raise PageUnavailable(f"the image has {frames} frame(s)")
        frame = ImageSequence.Iterator(image)[number - 1].convert("RGB")
        frame.thumbnail((4000, 4000))
        out = io.BytesIO()
        frame.save(out, format="PNG", optimize=True)
        return out.getvalue()
