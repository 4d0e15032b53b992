"""OCR of pictures inside documents: text that is only in a picture reaches the document's text, in a
``[picture NAME]`` section, within the limits (icons skipped, duplicates once, count limit -> partial)."""

from __future__ import annotations

import dataclasses
import io
import shutil
import struct
import zipfile
from pathlib import Path

import pytest

from extractors import Limits, Method, Status, extract_path
from tests.extractors.biff_fixtures import blip_png, workbook_stream, write_xls
from tests.extractors.cfb_writer import read_tree, write_cfb

FONT = Path("/usr/share/fonts/truetype/nanum/NanumGothic.ttf")
pytestmark = pytest.mark.skipif(not FONT.is_file() or shutil.which("tesseract") is None,
                                reason="needs tesseract-ocr(-kor) and fonts-nanum (Debian)")
WORDS = ("송금", "승인", "Transfer", "approved")


def picture(lines: tuple[str, ...] = ("송금 승인 완료", "Transfer approved by Kim"), size: int = 30) -> bytes:
    """A PNG screen shot of ``lines`` (black on white, 96 dpi)."""
    from PIL import Image, ImageDraw, ImageFont

    font = ImageFont.truetype(str(FONT), size)
    img = Image.new("RGB", (720, 40 + int(size * 1.7) * len(lines)), "white")
    draw = ImageDraw.Draw(img)
    for i, line in enumerate(lines):
        draw.text((24, 20 + int(size * 1.7) * i), line, font=font, fill="black")
    out = io.BytesIO()
    img.save(out, "PNG", dpi=(96, 96))
    return out.getvalue()


def icon() -> bytes:
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (24, 24), "navy").save(out, "PNG")
    return out.getvalue()


def _read_words(text: str) -> bool:
    return all(word in text for word in WORDS)


def _docx(tmp_path: Path, *pictures: bytes) -> Path:
    import docx

    document = docx.Document()
    document.add_paragraph("본문에는 계좌 이야기가 없다.")
    for data in pictures:
        document.add_picture(io.BytesIO(data))
    path = tmp_path / "memo.docx"
    document.save(path)
    return path


def test_docx_picture_text_in_its_own_section(ctx, tmp_path):
    path = _docx(tmp_path, picture(), icon())
    with zipfile.ZipFile(path, "a") as zf:  # the same picture a second time, under another name
        zf.writestr("word/media/image99.png", picture())
    r = extract_path(path, ctx)
    assert r.status == Status.OK, r.reason
    body, section = r.text.split("[picture word/media/image", 1)
    assert "본문에는" in body and _read_words(section)
    assert r.method == Method.MIXED  # text layer and OCR
    meta = r.metadata["pictures"]
    assert meta["found"] == 3 and meta["ocr"] == 1 and meta["with_text"] == 1
    assert meta["skipped"] == {"small (icon, bullet or rule)": 1, "duplicate": 1}


def test_picture_ocr_can_be_turned_off(ctx, tmp_path):
    path = _docx(tmp_path, picture())
    r = extract_path(path, dataclasses.replace(ctx, ocr_pictures=False))
    assert r.status == Status.OK and "[picture" not in r.text and "Transfer" not in r.text
    assert r.metadata["pictures"] == {"found": 1, "ocr": 0, "with_text": 0, "skipped": {"OCR of pictures off": 1}}
    no_ocr = extract_path(path, dataclasses.replace(ctx, ocr_enabled=False))
    assert "[picture" not in no_ocr.text and no_ocr.metadata["pictures"]["ocr"] == 0


def test_pictures_past_the_limit_make_the_document_partial(ctx, tmp_path):
    path = _docx(tmp_path, picture(), picture(("두 번째 그림", "Second picture")))
    r = extract_path(path, dataclasses.replace(ctx, limits=Limits(timeout_s=60, max_pictures_ocr=1)))
    assert r.status == Status.PARTIAL
    assert "1 picture not OCR'd: 1 over the per-document picture limit" in r.reason
    assert r.text.count("[picture ") == 1


def test_pictures_past_the_time_share_make_the_document_partial(ctx):
    import time

    from extractors import Extracted
    from extractors.pictures import PictureOcr

    pictures = PictureOcr(dataclasses.replace(ctx, limits=Limits(timeout_s=0.01)))
    time.sleep(0.02)  # the document's own reading used the time
    assert pictures.offer("word/media/image1.png", picture())
    r = pictures.finish(Extracted(status=Status.OK, text="본문"))
    assert r.status == Status.PARTIAL and r.reason == "1 picture not OCR'd: 1 time limit for pictures used"
    assert r.text == "본문" and r.metadata["pictures"]["ocr"] == 0


def test_pptx_and_xlsx_pictures(ctx, tmp_path):
    import openpyxl
    import pptx
    from openpyxl.drawing.image import Image as SheetImage
    from pptx.util import Inches

    deck = pptx.Presentation()
    slide = deck.slides.add_slide(deck.slide_layouts[6])
    slide.shapes.add_picture(io.BytesIO(picture()), Inches(1), Inches(1))
    deck.save(tmp_path / "deck.pptx")
    r = extract_path(tmp_path / "deck.pptx", ctx)
    assert "[picture slide 1: ppt/media/" in r.text and _read_words(r.text)

    wb = openpyxl.Workbook()
    wb.active.append(["표 제목"])
    (tmp_path / "shot.png").write_bytes(picture())
    wb.active.add_image(SheetImage(str(tmp_path / "shot.png")), "C3")
    wb.save(tmp_path / "book.xlsx")
    r = extract_path(tmp_path / "book.xlsx", ctx)
    assert "[picture xl/media/" in r.text and _read_words(r.text)


def test_xls_picture_in_the_drawing_group(ctx, tmp_path):
    shot = picture()
    assert len(shot) > 8224  # the drawing group goes on in CONTINUE records
    path = write_xls(tmp_path / "book.xls", workbook_stream([["제목"]], pictures=[shot, icon()]))
    r = extract_path(path, ctx)
    assert r.status == Status.OK, r.reason
    assert "[picture Workbook/picture-1]" in r.text and _read_words(r.text)
    assert r.metadata["pictures"]["found"] == 2


def test_ppt_and_doc_pictures(corpus, ctx, tmp_path):
    """BLIP records in the streams where PowerPoint (``Pictures``) and Word (``Data``) keep pictures."""
    blip = blip_png(picture())[8:]  # the BLIP record itself, without its container
    streams, clsids = read_tree(corpus / "office/ingest-file/slides.ppt")
    streams[("Pictures",)] = streams.get(("Pictures",), b"") + blip
    write_cfb(tmp_path / "deck.ppt", streams, clsids)
    r = extract_path(tmp_path / "deck.ppt", ctx)
    assert r.pages[0].text == "Now" and "[picture Pictures/picture-" in r.text and _read_words(r.text)

    streams, clsids = read_tree(corpus / "office/ingest-file/doc.doc")
    streams[("Data",)] = streams.get(("Data",), b"") + struct.pack("<I", 0) + blip
    write_cfb(tmp_path / "letter.doc", streams, clsids)
    r = extract_path(tmp_path / "letter.doc", ctx)
    assert r.status == Status.OK and "[picture Data/picture-1]" in r.text and _read_words(r.text)


def test_hwp_odt_and_hwpx_pictures_from_the_corpus(corpus, ctx):
    r = extract_path(corpus / "hwp/neolord0-hwplib/구버전(5.0.2.2) Picture 컨트롤.hwp", ctx)
    assert "[picture BinData/BIN0001.jpg]" in r.text and "stoneis.pe.kr" in r.text
    r = extract_path(corpus / "office/ingest-file/Plan.odt", ctx)
    assert "[picture Pictures/" in r.text and "Trump tower" in r.text
    r = extract_path(corpus / "hwp/neolord0-hwpxlib/mot.hwpx", ctx)
    assert "공공누리" in r.text.split("[picture", 1)[1]


def test_vector_and_damaged_pictures_are_counted(ctx, tmp_path):
    path = _docx(tmp_path)
    with zipfile.ZipFile(path, "a") as zf:
        zf.writestr("word/media/image1.emf", b"\x01\x00\x00\x00" + b"\x00" * 36 + b" EMF" + b"\x00" * 64)
        zf.writestr("word/media/image2.png", b"\x89PNG\r\n\x1a\n" + b"\x00" * 4000)
    r = extract_path(path, ctx)
    assert r.status == Status.OK
    assert r.metadata["pictures"]["skipped"] == {"vector picture without text (EMF/WMF/PICT)": 1,
                                                 "unreadable image data": 1}


def test_pdf_figure_on_a_text_page(ctx, tmp_path):
    """A screen shot drawn on a page that has a text layer is OCR'd; the same image on every page once."""
    from reportlab.lib.utils import ImageReader
    from reportlab.pdfgen import canvas

    (tmp_path / "shot.png").write_bytes(picture())
    path = tmp_path / "report.pdf"
    pdf = canvas.Canvas(str(path))
    for number in (1, 2):
        pdf.drawString(72, 780, f"Quarterly report, page {number}: see the figure below for the approval.")
        pdf.drawImage(ImageReader(str(tmp_path / "shot.png")), 72, 500, width=360, height=130)
        pdf.showPage()
    pdf.save()
    r = extract_path(path, ctx)
    assert r.status == Status.OK, r.reason
    assert r.pages[0].text.startswith("Quarterly report") and "Transfer" not in r.pages[0].text
    assert r.text.count("[picture page ") == 1 and _read_words(r.text.split("[picture page 1 image 1]")[1])
    assert r.metadata["pictures"]["skipped"] == {"duplicate": 1}
    off = extract_path(path, dataclasses.replace(ctx, ocr_pictures=False))
    assert "[picture" not in off.text and "pictures" not in off.metadata  # not even looked for: no object walk


def test_rtf_picture(ctx, tmp_path):
    hexdata = picture().hex()
    lines = "\n".join(hexdata[i:i + 128] for i in range(0, len(hexdata), 128))
    rtf = ("{\\rtf1\\ansi{\\fonttbl{\\f0 Arial;}}\\f0 Memo before the picture.\\par "
           "{\\*\\shppict{\\pict{\\*\\blipuid 0123456789abcdef0123456789abcdef}\\pngblip\\picw720\\pich130 "
           f"\n{lines}\n}}}}{{\\nonshppict{{\\pict\\wmetafile8\\picw720 0100090000}}}}\\par After.}}")
    (tmp_path / "memo.rtf").write_text(rtf, encoding="latin-1")
    r = extract_path(tmp_path / "memo.rtf", ctx)
    assert r.status == Status.OK, r.reason
    assert "Memo before the picture." in r.text and "[picture pict-1]" in r.text and _read_words(r.text)


def _emf(lines: list[tuple[int, str]]) -> bytes:
    """A minimal EMF: header, one EMR_EXTTEXTOUTW per (baseline, text), EOF."""
    header = struct.pack("<II", 1, 108) + b"\x00" * 32 + b" EMF" + b"\x00" * 64
    records = b""
    for y, text in lines:
        raw = text.encode("utf-16-le")
        raw += b"\x00" * (-len(raw) % 4)
        body = b"\x00" * 28 + struct.pack("<iiIIIiiiiI", 10, y, len(text), 76, 0, 0, 0, 0, 0, 0) + raw
        records += struct.pack("<II", 84, 8 + len(body)) + body
    return header + records + struct.pack("<IIIII", 14, 20, 0, 0, 20)


def _wmf(text: str) -> bytes:
    """A minimal WMF: a Hangul font (charset 129), then META_TEXTOUT in code page 949."""
    raw = text.encode("cp949")
    padded = raw + b"\x00" * (len(raw) & 1)
    font = struct.pack("<hhhhhBBBB", -16, 0, 0, 0, 400, 0, 0, 0, 129) + b"\x00" * 4 + b"Gulim\x00"
    font += b"\x00" * (len(font) & 1)
    records = struct.pack("<IH", 3 + len(font) // 2, 0x02FB) + font
    records += struct.pack("<IH", 3 + 1 + len(padded) // 2 + 2, 0x0521) + struct.pack("<H", len(raw)) + padded
    records += struct.pack("<hh", 100, 20) + struct.pack("<IH", 3, 0)
    return struct.pack("<HHHIHIH", 1, 9, 0x0300, 9 + len(records) // 2, 1, 64, 0) + records


def test_metafile_text_is_read_not_ocrd(ctx, tmp_path):
    """Pasted charts and drawings (EMF/WMF) carry their text in drawing records: read exactly."""
    path = _docx(tmp_path)
    with zipfile.ZipFile(path, "a") as zf:
        zf.writestr("word/media/image1.emf", _emf([(100, "매출 추이"), (101, "2024"), (300, "Revenue by quarter")]))
        zf.writestr("word/media/image2.wmf", _wmf("서울 지역 합계"))
    r = extract_path(path, dataclasses.replace(ctx, ocr_enabled=False))
    assert "[picture word/media/image1.emf]\n매출 추이 2024\nRevenue by quarter" in r.text
    assert "[picture word/media/image2.wmf]\n서울 지역 합계" in r.text
    assert r.metadata["pictures"]["metafile_text"] == 2 and r.metadata["pictures"]["ocr"] == 0
    assert r.method == Method.TEXT_LAYER


def test_legacy_metafile_blip(corpus, ctx, tmp_path):
    """A deflated EMF BLIP in a PowerPoint ``Pictures`` stream: its text read without OCR."""
    import zlib

    emf = _emf([(50, "조직도 초안")])
    packed = zlib.compress(emf)
    body = b"\x22" * 16 + struct.pack("<I16s8sIBB", len(emf), b"", b"", len(packed), 0, 0xFE) + packed
    streams, clsids = read_tree(corpus / "office/ingest-file/slides.ppt")
    streams[("Pictures",)] = struct.pack("<HHI", 0x3D4 << 4, 0xF01A, len(body)) + body
    write_cfb(tmp_path / "deck.ppt", streams, clsids)
    r = extract_path(tmp_path / "deck.ppt", dataclasses.replace(ctx, ocr_enabled=False))
    assert "[picture Pictures/picture-1]\n조직도 초안" in r.text
