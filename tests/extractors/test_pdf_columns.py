"""PDF tables without ruling lines (aligned columns): rows on one line, cells tab-separated, in ``pages[].tables``;
prose, even in two columns, is no table."""

from __future__ import annotations

from pathlib import Path

from extractors import Status, extract_path
from tests.extractors.pdf_fixtures import NANUM, corpus_pages, extract_made, needs_nanum

ROWS = [("거래일", "계좌번호", "금액", "비고"), ("2024-03-02", "110-234-567890", "1,200,000", "입금"),
        ("2024-03-05", "302-0101-2222", "350", "출금 확인"), ("2024-03-09", "94-11-0042", "87,500", "보류")]


def _aligned_pdf(path: Path) -> None:
    """A page: a title and a sentence, a table of four aligned columns and no rules (the amounts
    right-aligned, as spreadsheets print them), and a closing sentence."""
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont
    from reportlab.pdfgen import canvas

    pdfmetrics.registerFont(TTFont("Nanum", str(NANUM)))
    c = canvas.Canvas(str(path), pagesize=A4)
    c.setFont("Nanum", 14)
    c.drawString(72, 780, "표 1. 계좌 거래 내역")
    c.setFont("Nanum", 10)
    c.drawString(72, 756, "The transfers below were reported by the bank on request of the joint office.")
    for r, (day, account, amount, note) in enumerate(ROWS):
        y = 724 - 18 * r
        c.drawString(72, y, day)
        c.drawString(170, y, account)
        c.drawRightString(360, y, amount)
        c.drawString(400, y, note)
    c.drawString(72, 630, "표 아래의 설명 문단입니다.")
    c.showPage()
    c.save()


@needs_nanum
def test_aligned_columns_without_rules_are_a_table(tmp_path, ctx):
    r = extract_made(tmp_path, ctx, _aligned_pdf)
    page = r.pages[0]
    assert page.tables[0].rows == tuple(ROWS)
    lines = page.text.splitlines()
    start = lines.index("거래일\t계좌번호\t금액\t비고")
    assert lines[start - 2:start] == ["표 1. 계좌 거래 내역",
                                      "The transfers below were reported by the bank on request of the joint office."]
    assert lines[start + 1:start + 5] == ["2024-03-02\t110-234-567890\t1,200,000\t입금",
                                          "2024-03-05\t302-0101-2222\t350\t출금 확인",
                                          "2024-03-09\t94-11-0042\t87,500\t보류",
                                          "표 아래의 설명 문단입니다."]
    assert r.metadata["table_pages"] == {"in place": 1}


@needs_nanum
def test_aligned_columns_follow_the_table_switch(tmp_path, ctx):
    import dataclasses

    path = tmp_path / "aligned.pdf"
    _aligned_pdf(path)
    r = extract_path(path, dataclasses.replace(ctx, pdf_tables=False))
    assert r.pages[0].tables == () and "110-234-567890" in r.text


def test_two_column_prose_is_not_a_table(tmp_path, ctx):
    """A justified two-column article, and a page of justified prose with wide word gaps."""
    from reportlab.lib.enums import TA_JUSTIFY
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import getSampleStyleSheet
    from reportlab.platypus import BaseDocTemplate, Frame, PageTemplate, Paragraph

    style = getSampleStyleSheet()["Normal"].clone("body", alignment=TA_JUSTIFY, fontSize=10, leading=13)
    sentence = ("The search of the warehouse began at dawn and the officers listed every box, ledger and "
                "drive they found, with the time and the name of the officer who sealed it. ")
    width, height = A4
    frames = [Frame(60, 60, (width - 150) / 2, height - 120), Frame(90 + (width - 150) / 2, 60, (width - 150) / 2,
                                                                     height - 120)]
    path = tmp_path / "article.pdf"
    doc = BaseDocTemplate(str(path), pagesize=A4, pageTemplates=[PageTemplate(frames=frames)])
    doc.build([Paragraph(sentence * 6, style) for _ in range(8)])
    r = extract_path(path, ctx)
    assert r.status == Status.OK
    assert all(p.tables == () for p in r.pages)
    assert "table_pages" not in r.metadata


def test_corpus_invoice_items(corpus, ctx):
    r = extract_path(corpus / "pdf/opendataloader-pdf/PDFUA-Ref-2-02_Invoice.pdf", ctx)
    rows = r.pages[0].tables[0].rows
    assert rows[0] == ("ITEM DESCRIPTION", "QUANTITY", "PRICE (€)", "AMOUNT (€)")
    assert rows[1] == ("1 Super Kite", "2", "20.00", "40.00")
    assert rows[-1] == ("7 Free Gift", "1", "0.00", "0.00")
    assert ("INVOICE 2020-10 January 8, 2020\nITEM DESCRIPTION\tQUANTITY\tPRICE (€)\tAMOUNT (€)\n"
            "1 Super Kite\t2\t20.00\t40.00\n") in r.text
    assert "Terms of payment: 30 days net." in r.text


def test_text_rectangles_read_in_c_equal_the_ctypes_loop(corpus):
    """``text_rects`` through the census library's ``evx_rects`` (one call a page) gives the same rectangles as
    the ctypes call per rectangle, on every page of the corpus's PDFs."""
    import numpy as np

    from extractors import pdfcolumns, pdfobjects

    pdfobjects.use_native(True)
    assert pdfcolumns._native_rects() is not None, "run scripts/setup.sh"
    pages = 0
    for path, number, page in corpus_pages(corpus / "pdf"):
        textpage = page.get_textpage()
        native = pdfcolumns.text_rects(textpage)
        pdfobjects.use_native(False)
        try:
            looped = pdfcolumns.text_rects(textpage)
        finally:
            pdfobjects.use_native(True)
        assert np.array_equal(native, looped), f"{path.name} p{number + 1}"
        pages += len(native) > 0
        textpage.close()
    assert pages > 100
