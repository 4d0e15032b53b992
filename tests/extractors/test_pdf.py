"""PDF: Korean text with word spaces, passwords, per-page text."""

from __future__ import annotations

from extractors import Method, Status, extract_path

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
    assert r.status == Status.OK and r.method == Method.OCR


def test_attachment_becomes_child(corpus, ctx):
    r = extract_path(corpus / "pdf/py-pdf-sample-files/with-attachment.pdf", ctx)
    assert len(r.children) == 1
    child = r.children[0]
    assert child.inner_path.startswith("attachments/") and child.path.is_file()
    assert child.path.resolve().is_relative_to(ctx.tmp_dir.resolve())
