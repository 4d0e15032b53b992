"""Office: DOCX headers/comments/text boxes, XLSX cells, PPTX notes/comments, legacy, RTF, ODF, passwords."""

from __future__ import annotations

from extractors import Status, extract_path


def test_docx_headers_footers_comments_textboxes(corpus, ctx):
    r = extract_path(corpus / "office/python-docx/hdr-header-footer.docx", ctx)
    assert "Header for section-1" in r.text and "Footer for section 1" in r.text
    c = extract_path(corpus / "office/tika/testComment.docx", ctx)
    assert "Here is a comment" in c.text
    t = extract_path(corpus / "office/tika/testWORD_text_box.docx", ctx)
    assert "inside of a text box in the header" in t.text
    assert t.text.count("This text is inside of a text box in the body") == 1
    f = extract_path(corpus / "office/tika/footnotes.docx", ctx)
    assert "snoska" in f.text


def test_docx_embedded_objects_are_children(corpus, ctx):
    r = extract_path(corpus / "office/tika/testWORD_embedded_pdf.docx", ctx)
    assert len(r.children) == 2
    assert all(c.path.read_bytes().startswith(b"%PDF") for c in r.children)


def test_xlsx_cells_every_sheet_and_extras(corpus, ctx):
    r = extract_path(corpus / "office/tika/testEXCEL.xlsx", ctx)
    assert "Sample Excel Worksheet - Numbers and their Squares" in r.text
    assert "\t15\t225" in r.text and len(r.pages) == 3
    hf = extract_path(corpus / "office/tika/testEXCEL_headers_footers.xlsx", ctx)
    assert "John Smith1\t1 Corporate HQ" in hf.text and "[headers and footers]" in hf.text
    tb = extract_path(corpus / "office/tika/testEXCEL_textbox.xlsx", ctx)
    assert "this is some autoshape text" in tb.text


def test_pptx_slides_and_comments(corpus, ctx):
    r = extract_path(corpus / "office/tika/testPPT_comment.pptx", ctx)
    assert "add some content to this tps deck" in r.text


def test_office_passwords(corpus, ctx, ctx_with):
    c = ctx_with(ctx, "bad", "tika")
    x = extract_path(corpus / "office/tika/testEXCEL_protected_passtika.xlsx", c)
    assert x.status == Status.OK and "This is an Encrypted Excel spreadsheet." in x.text
    assert x.metadata["decrypted"] is True
    d = extract_path(corpus / "office/tika/testWORD_protected_passtika.docx", c)
    assert d.status == Status.OK and d.text.strip()
    u = extract_path(corpus / "office/ingest-file/password_protected.xlsx", c)
    assert u.status == Status.ENCRYPTED and "none of the 2 batch passwords" in u.reason


def test_legacy_rtf_odf(corpus, ctx):
    assert "quick brown fox" in extract_path(corpus / "office/tika/testWORD6.doc", ctx).text
    assert "Sample Word Document" in extract_path(corpus / "office/tika/testWORD.doc", ctx).text
    assert "\t15\t225" in extract_path(corpus / "office/tika/testEXCEL.xls", ctx).text
    assert "Sample Powerpoint Slide" in extract_path(corpus / "office/tika/testPPT.ppt", ctx).text
    rtf = extract_path(corpus / "office/tika/testRTFJapanese.rtf", ctx)
    assert "ゾルゲ" in rtf.text and rtf.language == "ja"
    assert "graffiti" in extract_path(corpus / "office/ingest-file/Plan.odt", ctx).text


def test_truncated_docx_is_corrupt(corpus, ctx):
    r = extract_path(corpus / "office/tika/testWORD_truncated.docx", ctx)
    assert r.status == Status.CORRUPT and "truncated" in r.reason


def test_truncated_docx_read_from_surviving_parts(tmp_path, ctx):
    import zipfile

    body = "".join(f"<w:p><w:r><w:t>문단 {i} 압수된 문서의 내용</w:t></w:r></w:p>" for i in range(200))
    doc = ('<?xml version="1.0"?><w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">'
           f"<w:body>{body}</w:body></w:document>")
    full = tmp_path / "full.docx"
    with zipfile.ZipFile(full, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("[Content_Types].xml", '<?xml version="1.0"?><Types/>')
        zf.writestr("word/document.xml", doc)
    data = full.read_bytes()
    cut = tmp_path / "cut.docx"
    cut.write_bytes(data[: int(len(data) * 0.8)])
    r = extract_path(cut, ctx)
    assert r.status == Status.PARTIAL and "truncated" in r.reason
    assert "문단 0 압수된 문서의 내용" in r.text


def test_generated_ods_and_odp(tmp_path, ctx):
    from odf.draw import Frame, Page as DrawPage, TextBox
    from odf.opendocument import OpenDocumentPresentation, OpenDocumentSpreadsheet
    from odf.table import Table, TableCell, TableRow
    from odf.text import P

    ods = OpenDocumentSpreadsheet()
    for sheet_name, cells in (("거래내역", ["계좌", "110-123-456789"]), ("Sheet2", ["total", "42"])):
        table = Table(name=sheet_name)
        row = TableRow()
        for value in cells:
            cell = TableCell()
            cell.addElement(P(text=value))
            row.addElement(cell)
        table.addElement(row)
        ods.spreadsheet.addElement(table)
    ods.save(str(tmp_path / "book.ods"))
    r = extract_path(tmp_path / "book.ods", ctx)
    assert r.status == Status.OK and len(r.pages) == 2
    assert "[거래내역]" in r.pages[0].text and "110-123-456789" in r.pages[0].text

    odp = OpenDocumentPresentation()
    page = DrawPage(name="slide1", masterpagename="Default")
    frame = Frame(width="10cm", height="2cm", x="1cm", y="1cm")
    box = TextBox()
    box.addElement(P(text="발표 자료 첫 장"))
    frame.addElement(box)
    page.addElement(frame)
    odp.presentation.addElement(page)
    odp.save(str(tmp_path / "deck.odp"))
    p = extract_path(tmp_path / "deck.odp", ctx)
    assert "발표 자료 첫 장" in p.text


def test_pptx_presentation_order_and_notes(tmp_path, ctx):
    from pptx import Presentation

    deck = Presentation()
    for title in ("첫째 슬라이드", "둘째 슬라이드", "셋째 슬라이드"):
        slide = deck.slides.add_slide(deck.slide_layouts[1])
        slide.shapes.title.text = title
        slide.notes_slide.notes_text_frame.text = f"발표자 노트 {title}"
    ids = deck.slides._sldIdLst  # move the last slide to the front, as a user would
    last = ids[-1]
    ids.remove(last)
    ids.insert(0, last)
    deck.save(str(tmp_path / "deck.pptx"))
    r = extract_path(tmp_path / "deck.pptx", ctx)
    assert [p.text.split("\n")[0] for p in r.pages] == ["셋째 슬라이드", "첫째 슬라이드", "둘째 슬라이드"]
    assert "발표자 노트 첫째 슬라이드" in r.pages[1].text


def _ole1_package(label: str, payload: bytes) -> bytes:
    """An OLE1 'Package' object as Word writes it into RTF \\objdata."""
    import struct

    def lp(text: str) -> bytes:
        raw = text.encode("cp1252") + b"\x00"
        return struct.pack("<I", len(raw)) + raw

    native = (b"\x02\x00" + label.encode("cp1252") + b"\x00" + b"C:\\x\\" + label.encode("cp1252") + b"\x00"
              + b"\x00\x00\x03\x00" + struct.pack("<I", 4) + b"tmp\x00" + struct.pack("<I", len(payload)) + payload)
    return struct.pack("<II", 0x0501, 2) + lp("Package") + lp("") + lp("") + struct.pack("<I", len(native)) + native


def test_rtf_embedded_object_becomes_child(tmp_path, ctx):
    obj = _ole1_package("secret.txt", b"hidden ledger")
    rtf = (b"{\\rtf1\\ansi\\ansicpg949 Visible text {\\object\\objemb{\\*\\objclass Package}{\\*\\objdata "
           + obj.hex().encode() + b"}}}")
    path = tmp_path / "with-object.rtf"
    path.write_bytes(rtf)
    r = extract_path(path, ctx)
    assert "Visible text" in r.text and "hidden" not in r.text
    assert [c.name for c in r.children] == ["secret.txt"]
    assert r.children[0].path.read_bytes() == b"hidden ledger"
