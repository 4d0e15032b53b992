"""PDF: pypdfium2's text layer page by page; OCR for pages that have none.

Korean word spaces are kept (pdfium's text order); ``\\r\\n`` line ends become ``\\n``.
Encrypted files are opened with the batch's candidate passwords, else reported ``encrypted``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from extractors.base import (
    CorruptError, EncryptedError, ExtractContext, Extracted, ExtractionError, Method, Page, Status,
)
from extractors.children import ChildSink
from extractors.ocr import OCR_DPI, OcrBudget, ocr_image
from extractors.pdfforms import form_values, prepare_forms

#: A page with fewer visible characters than this is treated as having no text layer.
MIN_TEXT_CHARS = 8
#: A page whose text layer is shorter than this (a Bates number, a stamp) is OCR'd too when an
#: image covers at least ``SCAN_COVERAGE`` of it; the stamp text is kept before the OCR text.
STAMP_TEXT_CHARS = 200
SCAN_COVERAGE = 0.6
MAX_OCR_PIXELS = 40_000_000


def _open(path: Path, passwords: tuple[str, ...]) -> tuple[Any, str | None]:
    import pypdfium2 as pdfium

    last: Exception | None = None
    for password in (None, *passwords):
        try:
            return pdfium.PdfDocument(str(path), password=password), password
        except pdfium.PdfiumError as exc:
            last = exc
            if "password" not in str(exc).lower():
                raise CorruptError(f"not a readable PDF: {exc}") from exc
    if passwords:
        raise EncryptedError(f"PDF is password-protected; none of the {len(passwords)} batch passwords opened it")
    raise EncryptedError("PDF is password-protected and no password was given for the batch") from last


def extract_pdf(path: Path, ctx: ExtractContext) -> Extracted:
    """Text per page; OCR where a page has no text layer (if OCR is enabled)."""
    doc, password = _open(path, ctx.passwords)
    try:
        meta = _metadata(doc)
        if password is not None:
            meta["decrypted"] = True
        has_form = prepare_forms(doc)
        fields: list[tuple[str, str]] = []
        pages: list[Page] = []
        budget = OcrBudget(ctx)
        problems: list[str] = []
        ocr_count = 0
        for index in range(len(doc)):
            try:
                page = doc[index]
            except Exception as exc:
                problems.append(f"page {index + 1} unreadable: {exc}")
                continue
            try:
                if has_form:
                    fields += form_values(doc, page)
                text = _page_text(page)
                if _needs_ocr(page, text):
                    if not ctx.ocr_enabled:
                        problems.append(f"page {index + 1} has no text layer and OCR is disabled")
                    elif ocr_count >= ctx.limits.max_pages_ocr:
                        problems.append(f"page {index + 1} not OCR'd: limit of {ctx.limits.max_pages_ocr} pages")
                    elif ocr_count and budget.exhausted():
                        problems.append(f"page {index + 1} not OCR'd: time limit nearly used")
                    else:
                        if ocr_count == 0:
                            problems.extend(budget.notes)
                        ocr_count += 1
                        scale = _ocr_scale(page)
                        image = page.render(scale=scale).to_pil()
                        image.info["dpi"] = (round(scale * 72), round(scale * 72))
                        ocr = ocr_image(image, budget.languages, ctx.limits.timeout_s)
                        if text.strip():  # a stamp or header over a scan: keep both
                            pages.append(Page(index + 1, f"{text.strip()}\n{ocr}", Method.MIXED))
                        else:
                            pages.append(Page(index + 1, ocr, Method.OCR))
                        continue
                pages.append(Page(index + 1, text, Method.TEXT_LAYER))
            except ExtractionError as exc:
                problems.append(f"page {index + 1}: {exc.reason}")
            finally:
                page.close()
        sink = ChildSink(ctx)
        _attachments(doc, sink, problems)
    finally:
        doc.close()
    meta["page_count"] = len(pages)
    meta.update(sink.metadata())
    methods = {p.method for p in pages if p.text.strip()}
    method = Method.MIXED if len(methods) > 1 else (methods.pop() if methods else Method.NONE)
    text = "\n\n".join(p.text for p in pages)
    if fields:
        meta["form_fields"] = [{"name": n, "value": v} for n, v in fields]
        text += "\n\n[form fields]\n" + "\n".join(f"{n}: {v}" for n, v in fields)
    status = Status.PARTIAL if problems else Status.OK
    return Extracted(status=status, text=text, reason="; ".join(problems) or None, pages=tuple(pages),
                     metadata=meta, method=method, children=tuple(sink.children))


def _page_text(page: Any) -> str:
    textpage = page.get_textpage()
    try:
        text = textpage.get_text_range()
    finally:
        textpage.close()
    return text.replace("\r\n", "\n").replace("\r", "\n").replace("\x00", "").replace("\ufffe", "")


def _ocr_scale(page: Any) -> float:
    """300 dpi, lowered for oversized pages (plans, posters) so the bitmap stays under ``MAX_OCR_PIXELS``."""
    width, height = page.get_size()
    scale = OCR_DPI / 72
    pixels = width * height * scale * scale
    if pixels > MAX_OCR_PIXELS:
        scale *= (MAX_OCR_PIXELS / pixels) ** 0.5
    return scale


def _needs_ocr(page: Any, text: str) -> bool:
    """No text layer over an image, or only a stamp-sized text layer over a page-sized scan."""
    chars = len(text.strip())
    if chars >= STAMP_TEXT_CHARS:
        return False
    coverage = _image_coverage(page)
    return (chars < MIN_TEXT_CHARS and coverage > 0) or coverage >= SCAN_COVERAGE


def _image_coverage(page: Any) -> float:
    """Largest share of the page area covered by one image (0 when there are none)."""
    import pypdfium2.raw as raw

    try:
        width, height = page.get_size()
        area = max(width * height, 1.0)
        best = 0.0
        for obj in page.get_objects(filter=(raw.FPDF_PAGEOBJ_IMAGE,), max_depth=3):
            left, bottom, right, top = obj.get_bounds()
            best = max(best, (right - left) * (top - bottom) / area)
        return min(best, 1.0)
    except Exception:
        return 1.0


def _metadata(doc: Any) -> dict[str, Any]:
    meta: dict[str, Any] = {}
    try:
        for key, value in doc.get_metadata_dict(skip_empty=True).items():
            meta[key.lower()] = value
    except Exception:
        pass
    try:
        meta["pdf_version"] = doc.get_version()
    except Exception:
        pass
    return meta


def _attachments(doc: Any, sink: ChildSink, problems: list[str]) -> None:
    try:
        count = doc.count_attachments()
    except Exception:
        return
    for i in range(count):
        try:
            att = doc.get_attachment(i)
            name = att.get_name() or f"attachment-{i + 1}"
            sink.add_bytes(f"attachments/{name}", bytes(att.get_data()), name=name)
        except Exception as exc:
            problems.append(f"attachment {i + 1} unreadable: {exc}")
