"""PDF: pypdfium2's text layer page by page; OCR for pages that have none, and for the pictures drawn on
pages that have one (``extractors.pdfpictures``, ``[picture page N image K]`` sections).

Every layer passes the quality gate (``extractors.pdfgate``): a page whose text scores poorly is
read with pdftotext, then OCR'd; each page records its reader and score, the document its
``text_score`` and ``fallback_pages`` by reason.

Korean word spaces are kept (pdfium's text order); a page whose layer lost them gets them back from
glyph positions (``extractors.pdfspacing``, reader ``pdfium+spacing``, counted in ``respaced_pages``);
``\\r\\n`` line ends become ``\\n``.
Encrypted files are opened with the batch's candidate passwords, else reported ``encrypted``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from extractors.base import (
    CorruptError, EncryptedError, ExtractContext, Extracted, ExtractionError, Method, Page, Status, Table,
)
from extractors.children import ChildSink
from extractors.ocr import OCR_DPI, OcrBudget, languages_for_fonts, ocr_image
from extractors.pdfgate import fallback_reason, rescue_page
from extractors.pdfobjects import PageObjects
from extractors.pdfpictures import has_image_xobjects, image_objects, offer_page_pictures
from extractors.pictures import PictureOcr
from extractors.quality import score_text
from extractors.pdfforms import form_values, prepare_forms
from extractors.pdfspacing import page_glyphs
from extractors.pdflayout import TableSearch, page_with_tables
from extractors.pdftables import region_reader

#: A page with fewer visible characters than this is treated as having no text layer.
MIN_TEXT_CHARS = 8
#: A page whose text layer is shorter than this (a Bates number, a stamp) is OCR'd too when an
#: image covers at least ``SCAN_COVERAGE`` of it; the stamp text is kept before the OCR text.
STAMP_TEXT_CHARS = 200
SCAN_COVERAGE = 0.6
MAX_OCR_PIXELS = 40_000_000
#: Reader of a page whose word spaces were rebuilt from glyph positions.
_PDFIUM_SPACED = "pdfium+spacing"


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
        fallbacks: dict[str, int] = {}
        respaced = 0
        layouts: dict[str, int] = {}
        search = TableSearch(ctx.pdf_tables)
        ocr_state = _OcrState(ctx, budget, problems)
        pictures = PictureOcr(ctx)
        look_for_pictures = pictures.enabled and has_image_xobjects(path)
        for index in range(len(doc)):
            try:
                page = doc[index]
            except Exception as exc:
                problems.append(f"page {index + 1} unreadable: {exc}")
                continue
            try:
                if has_form:
                    fields += form_values(doc, page)
                text, unmapped, spaced, tables, layout = _page_text(page, search)
                if spaced:
                    respaced += 1
                if _needs_ocr(page, text, search.objects_of(page)):
                    refusal = ocr_state.refusal(index + 1, "has no text layer")
                    if refusal:
                        problems.append(refusal)
                    else:
                        ocr, languages = ocr_state.run(page, budget.languages)
                        if text.strip():  # a stamp or header over a scan: keep both
                            pages.append(Page(index + 1, f"{text.strip()}\n{ocr}", Method.MIXED,
                                              score=score_text(ocr).score, reader=f"pdfium+tesseract:{languages}"))
                        else:
                            pages.append(Page(index + 1, ocr, Method.OCR, score=score_text(ocr).score,
                                              reader=f"tesseract:{languages}"))
                        continue
                quality = score_text(text)
                reason = fallback_reason(quality, unmapped)
                if reason is None:
                    reader = _PDFIUM_SPACED if spaced else "pdfium"
                    if tables:
                        layouts[layout] = layouts.get(layout, 0) + 1
                    pages.append(Page(index + 1, text, Method.TEXT_LAYER, reader=reader,
                                      score=quality.score if quality.visible else None, tables=tables))
                    if look_for_pictures:
                        offer_page_pictures(page, index + 1, pictures, search.objects_of(page))
                    continue
                fallbacks[reason] = fallbacks.get(reason, 0) + 1
                reading = rescue_page(path, password, page, index + 1, text, reason,
                                      ocr_state.for_fonts(index + 1), ctx.limits.timeout_s)
                if reading.problem:
                    problems.append(reading.problem)
                pages.append(Page(index + 1, reading.text, reading.method, score=reading.score,
                                  reader=reading.reader))
            except ExtractionError as exc:
                problems.append(f"page {index + 1}: {exc.reason}")
            finally:
                page.close()
        sink = ChildSink(ctx)
        _attachments(doc, sink, problems)
    finally:
        doc.close()
    meta["page_count"] = len(pages)
    meta.update(_quality_metadata(pages, fallbacks))
    if respaced:
        meta["respaced_pages"] = respaced
    if layouts:
        meta["table_pages"] = dict(layouts)
    if search.skipped:
        meta["table_pages_skipped"] = search.skipped
    meta.update(sink.metadata())
    methods = {p.method for p in pages if p.text.strip()}
    method = Method.MIXED if len(methods) > 1 else (methods.pop() if methods else Method.NONE)
    text = "\n\n".join(p.text for p in pages)
    if fields:
        meta["form_fields"] = [{"name": n, "value": v} for n, v in fields]
        text += "\n\n[form fields]\n" + "\n".join(f"{n}: {v}" for n, v in fields)
    status = Status.PARTIAL if problems else Status.OK
    return pictures.finish(Extracted(status=status, text=text, reason="; ".join(problems) or None,
                                     pages=tuple(pages), metadata=meta, method=method,
                                     children=tuple(sink.children)))


def _page_text(page: Any, tables: TableSearch | bool = True) -> tuple[str, int, bool, tuple[Table, ...], str | None]:
    """The page's pdfium text, how many of its characters had no Unicode (NUL, U+FFFE), whether
    its word spaces were rebuilt from glyph positions (``extractors.pdfspacing``), its ruled tables
    (``extractors.pdftables``) or else its tables of aligned columns (``extractors.pdfcolumns``; the
    text then shows them as tab-separated rows) and how the tables were laid out (``extractors.pdflayout``)."""
    search = tables if isinstance(tables, TableSearch) else TableSearch(tables)
    textpage = page.get_textpage()
    found_tables: tuple[Table, ...] = ()
    layout: str | None = None
    try:
        text = textpage.get_text_range()
        unmapped = text.count("\x00") + text.count("\ufffe")
        glyphs = page_glyphs(textpage, text)
        read = glyphs.region if glyphs is not None else region_reader(textpage)  # chars read at the first region
        found = search.find(page, textpage, read) if len(text) - text.count(" ") >= MIN_TEXT_CHARS else []
        if glyphs is not None:  # the tables' characters left out, a placeholder where each one starts
            text = glyphs.text([t.box for t in found])[0] if found else glyphs.rebuilt
        elif unmapped:
            text = text.replace("\x00", "").replace("\ufffe", "")
        text = text.replace("\r\n", "\n").replace("\r", "\n")
        if found:
            text, found_tables, layout = page_with_tables(textpage, text, found, keep_text=glyphs is not None,
                                                          read=read)
    finally:
        textpage.close()
    spaced = glyphs is not None
    return text, unmapped, spaced, found_tables, layout


class _OcrState:
    """OCR of the pages of one document within the page and time limits."""

    def __init__(self, ctx: ExtractContext, budget: OcrBudget, problems: list[str]) -> None:
        self.ctx, self.budget, self.problems, self.count = ctx, budget, problems, 0

    def refusal(self, number: int, why: str) -> str | None:
        """Why page ``number`` (which ``why``) is not OCR'd, or None when it may be."""
        if not self.ctx.ocr_enabled:
            return f"page {number} {why} and OCR is disabled"
        if self.count >= self.ctx.limits.max_pages_ocr:
            return f"page {number} not OCR'd: limit of {self.ctx.limits.max_pages_ocr} pages"
        if self.count and self.budget.exhausted():
            return f"page {number} not OCR'd: time limit nearly used"
        return None

    def run(self, page: Any, languages: str) -> tuple[str, str]:
        if self.count == 0:
            self.problems.extend(self.budget.notes)
        self.count += 1
        scale = _ocr_scale(page)
        image = page.render(scale=scale).to_pil()
        image.info["dpi"] = (round(scale * 72), round(scale * 72))
        return ocr_image(image, languages, self.ctx.limits.timeout_s), languages

    def for_fonts(self, number: int):
        """The OCR step of the gate: languages chosen from the page's fonts."""
        def ocr(page: Any, fonts: list[str]) -> tuple[str, str] | str:
            refusal = self.refusal(number, "has an unreadable text layer")
            if refusal:
                return refusal
            return self.run(page, languages_for_fonts(fonts, self.budget.languages))
        return ocr


def _quality_metadata(pages: list[Page], fallbacks: dict[str, int]) -> dict[str, Any]:
    """The document's text score (weighted by characters) and its pages that fell back, by reason."""
    scored = [(p.score, len(p.text)) for p in pages if p.score is not None]
    weight = sum(n for _, n in scored)
    meta: dict[str, Any] = {}
    if weight:
        meta["text_score"] = round(sum(s * n for s, n in scored) / weight, 3)
        meta["readers"] = sorted({p.reader for p in pages if p.reader})
    if fallbacks:
        meta["fallback_pages"] = dict(fallbacks)
    return meta


def _ocr_scale(page: Any) -> float:
    """300 dpi, lowered for oversized pages (plans, posters) so the bitmap stays under ``MAX_OCR_PIXELS``."""
    width, height = page.get_size()
    scale = OCR_DPI / 72
    pixels = width * height * scale * scale
    if pixels > MAX_OCR_PIXELS:
        scale *= (MAX_OCR_PIXELS / pixels) ** 0.5
    return scale


def _needs_ocr(page: Any, text: str, objects: PageObjects | None = None) -> bool:
    """No text layer over an image, or only a stamp-sized text layer over a page-sized scan (``objects``:
    the page's census, when the table finder took it)."""
    chars = len(text.strip())
    if chars >= STAMP_TEXT_CHARS:
        return False
    coverage = _image_coverage(page, objects)
    return (chars < MIN_TEXT_CHARS and coverage > 0) or coverage >= SCAN_COVERAGE


def _image_coverage(page: Any, objects: PageObjects | None = None) -> float:
    """Largest share of the page area covered by one image (0 when there are none)."""
    try:
        return min(max((share for _, share in image_objects(page, objects)), default=0.0), 1.0)
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
