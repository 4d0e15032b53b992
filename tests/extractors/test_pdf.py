"""PDF: Korean text with word spaces, passwords, per-page text."""

from __future__ import annotations

from extractors import Method, Status, extract_path
from tests.extractors.pdf_fixtures import pdf_bytes

BILL = "pdf/opendataloader-pdf/2125318_의사국 의안과_의안원문_hwp.pdf"
RFP = "pdf/opendataloader-pdf/2. 제안요청서(생성형 AI 구축 및 학습 용역).pdf"


def test_korean_bill_keeps_word_spaces(corpus, ctx):
    r = extract_path(corpus / BILL, ctx)
    assert r.status == Status.OK and r.language == "ko"
    assert "기후위기 대응을 위한 탄소중립ㆍ녹색성장 기본법" in r.text
    assert "(이수진의원 대표발의)" in r.text
    assert "\r" not in r.text
    assert len(r.pages) == 10 and all(p.method == Method.TEXT_LAYER for p in r.pages)


def test_korean_rfp_phrases(corpus, ctx):
    r = extract_path(corpus / RFP, ctx)
    assert "생성형 AI 구축 및 학습 용역" in r.text
    assert "한국남부발전" in r.pages[0].text
    assert r.metadata["page_count"] == len(r.pages) > 50


def test_encrypted_without_password(corpus, ctx):
    r = extract_path(corpus / "pdf/pdfplumber/password-example.pdf", ctx)
    assert r.status == Status.ENCRYPTED and "password" in r.reason


def test_decrypts_with_batch_passwords(corpus, ctx, ctx_with):
    c = ctx_with(ctx, "wrong", "test", "ELXRTQWS", "openpassword")
    for rel, phrase in (
        ("pdf/pdfplumber/password-example.pdf", "Backup4all"),
        ("pdf/pdf.js/issue3371.pdf", "simple example"),
        ("pdf/py-pdf-sample-files/libreoffice-writer-password.pdf", "Lorem ipsum"),
    ):
        r = extract_path(corpus / rel, c)
        assert r.status == Status.OK, (rel, r.reason)
        assert phrase in r.text and r.metadata.get("decrypted") is True


def test_wrong_passwords_stay_encrypted(corpus, ctx, ctx_with):
    r = extract_path(corpus / "pdf/pdf.js/issue3371.pdf", ctx_with(ctx, "nope"))
    assert r.status == Status.ENCRYPTED and "1 batch passwords" in r.reason


def test_scanned_page_is_ocrd(corpus, ctx):
    r = extract_path(corpus / "pdf/pdf.js/scan-bad.pdf", ctx)
    assert r.status == Status.OK and r.method in (Method.OCR, Method.MIXED)


def test_attachment_becomes_child(corpus, ctx):
    r = extract_path(corpus / "pdf/py-pdf-sample-files/with-attachment.pdf", ctx)
    assert len(r.children) == 1
    child = r.children[0]
    assert child.inner_path.startswith("attachments/") and child.path.is_file()
    assert child.path.resolve().is_relative_to(ctx.tmp_dir.resolve())


def _scanned_pdf_with_stamp(path, stamp: bytes) -> None:
    """A one-page PDF: a full-page scanned image (JPEG) plus a small text-layer stamp."""
    import io

    from PIL import Image, ImageDraw, ImageFont

    img = Image.new("L", (1240, 1754), 255)
    font = ImageFont.truetype("/usr/share/fonts/truetype/nanum/NanumGothic.ttf", 36)
    ImageDraw.Draw(img).text((100, 200), "Scanned contract between the parties", font=font, fill=0)
    buf = io.BytesIO()
    img.save(buf, format="JPEG", quality=90)
    jpeg = buf.getvalue()
    content = b"q 595 0 0 842 0 0 cm /Im0 Do Q BT /F1 8 Tf 20 20 Td (" + stamp + b") Tj ET"
    objs = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /XObject << /Im0 4 0 R >> "
        b"/Font << /F1 5 0 R >> >> /Contents 6 0 R >>",
        b"<< /Type /XObject /Subtype /Image /Width 1240 /Height 1754 /ColorSpace /DeviceGray "
        b"/BitsPerComponent 8 /Filter /DCTDecode /Length %d >>\nstream\n" % len(jpeg) + jpeg + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
        b"<< /Length %d >>\nstream\n" % len(content) + content + b"\nendstream",
    ]
    path.write_bytes(pdf_bytes(objs, root=1))


def test_scan_with_bates_stamp_is_ocrd(tmp_path, ctx):
    path = tmp_path / "stamped.pdf"
    _scanned_pdf_with_stamp(path, b"BATES-000123")
    r = extract_path(path, ctx)
    assert r.status == Status.OK and r.pages[0].method == Method.MIXED
    assert "BATES-000123" in r.text and "Scanned contract between the parties" in r.text


def test_filled_form_fields(corpus, ctx):
    r = extract_path(corpus / "pdf/py-pdf-sample-files/libreoffice-form.pdf", ctx)
    assert {"name": "First Name", "value": "Alice"} in r.metadata["form_fields"]
    assert "First Name_2: Bob" in r.text
