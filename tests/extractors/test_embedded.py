"""Legacy PowerPoint read from its records, embedded Office objects as children, chart text."""

from __future__ import annotations

import struct
import zipfile
import zlib

from extractors import Status, extract_path, extract_tree
from tests.extractors.cfb_writer import read_tree, write_cfb

WORKBOOK = "office/tika/testEXCEL.xls"  # a workbook saved as an OLE object (\x01Ole, \x02OlePres000)
WORKBOOK_TEXT = "Sample Excel Worksheet - Numbers and their Squares"


def _texts(node) -> dict[str, tuple[Status, str]]:
    return {n.member_path: (n.result.status, n.result.text) for n in node.walk()}


def _workbook_node(tree):
    found = [(path, status) for path, (status, text) in _texts(tree).items() if WORKBOOK_TEXT in text]
    assert found, _texts(tree)
    return found[0]


def test_ppt_text_catppt_misses(corpus, ctx):
    # catppt prints only the theme name of this deck; the slide's text is in its records.
    r = extract_path(corpus / "office/ingest-file/slides.ppt", ctx)
    assert r.status == Status.OK and r.metadata["reader"] == "ppt records"
    assert r.pages[0].text == "Now" and "Office Theme" in r.text


def test_ppt_slides_and_masters_once(corpus, ctx):
    r = extract_path(corpus / "office/tika/testPPT.ppt", ctx)
    assert r.text.count("Sample Powerpoint Slide") == 1 and "Service Release 1" in r.text
    assert "Click to edit Master" not in r.text and not r.children  # an empty object slot is no child


def test_doc_with_embedded_workbook(corpus, ctx, tmp_path):
    streams, clsids = read_tree(corpus / "office/tika/testWORD.doc")
    book, book_ids = read_tree(corpus / WORKBOOK)
    streams.update({("ObjectPool", "_1234567890", *k): v for k, v in book.items()})
    clsids[("ObjectPool", "_1234567890")] = book_ids[()]
    doc = tmp_path / "report.doc"
    write_cfb(doc, streams, clsids)
    tree = extract_tree(doc, ctx)
    assert "This is a sample Microsoft Word Document" in tree.result.text
    path, status = _workbook_node(tree)
    assert status == Status.OK and path.endswith("ObjectPool/_1234567890/_1234567890.xls")


def test_excel_object_inside_pptx_is_read(corpus, ctx, tmp_path):
    import pptx

    deck = tmp_path / "deck.pptx"
    presentation = pptx.Presentation()
    presentation.slides.add_slide(presentation.slide_layouts[5]).shapes.title.text = "분기 실적"
    presentation.save(deck)
    with zipfile.ZipFile(deck, "a") as zf:
        zf.writestr("ppt/embeddings/oleObject1.bin", (corpus / WORKBOOK).read_bytes())
    tree = extract_tree(deck, ctx)
    assert "분기 실적" in tree.result.text
    path, status = _workbook_node(tree)
    assert status == Status.OK and "oleObject1.bin" in path
    assert all(n.result.status != Status.CORRUPT for n in tree.walk())


def test_ppt_embedded_object_becomes_child(corpus, ctx, tmp_path):
    streams, clsids = read_tree(corpus / "office/ingest-file/slides.ppt")
    book = (corpus / WORKBOOK).read_bytes()
    body = struct.pack("<I", len(book)) + zlib.compress(book)
    # An ExOleObjStg record (version 0, instance 1: compressed) appended to the document stream.
    streams[("PowerPoint Document",)] += struct.pack("<HHI", 1 << 4, 0x1011, len(body)) + body
    ppt = tmp_path / "deck.ppt"
    write_cfb(ppt, streams, clsids)
    tree = extract_tree(ppt, ctx)
    assert tree.result.pages[0].text == "Now"
    path, status = _workbook_node(tree)
    assert status == Status.OK and "objects/object-1/" in path


def test_pptx_chart_titles_series_and_categories(ctx, tmp_path):
    import pptx
    from pptx.chart.data import CategoryChartData
    from pptx.enum.chart import XL_CHART_TYPE
    from pptx.util import Inches

    presentation = pptx.Presentation()
    slide = presentation.slides.add_slide(presentation.slide_layouts[6])
    data = CategoryChartData()
    data.categories = ["1분기", "2분기", "3분기"]
    data.add_series("매출액", (1200, 1350, 1410))
    data.add_series("영업이익", (210, 250, 260))
    chart = slide.shapes.add_chart(XL_CHART_TYPE.COLUMN_CLUSTERED, Inches(1), Inches(1), Inches(6), Inches(4),
                                   data).chart
    chart.has_title = True
    chart.chart_title.text_frame.text = "분기별 실적 추이"
    deck = tmp_path / "chart.pptx"
    presentation.save(deck)
    r = extract_path(deck, ctx)
    charts = r.text.split("[charts]\n", 1)[1]
    for label in ("분기별 실적 추이", "매출액", "영업이익", "1분기", "3분기"):
        assert label in charts
    assert "1350" not in charts  # values are numbers, not labels


def test_xlsx_chart_title(ctx, tmp_path):
    import openpyxl
    from openpyxl.chart import BarChart, Reference

    wb = openpyxl.Workbook()
    ws = wb.active
    for row in (("지역", "건수"), ("서울", 12), ("부산", 7)):
        ws.append(row)
    chart = BarChart()
    chart.title = "지역별 신고 건수"
    chart.y_axis.title = "건수"
    chart.add_data(Reference(ws, min_col=2, min_row=1, max_row=3), titles_from_data=True)
    ws.add_chart(chart, "D2")
    path = tmp_path / "chart.xlsx"
    wb.save(path)
    r = extract_path(path, ctx)
    assert "[charts]\n지역별 신고 건수" in r.text


def test_xls_with_embedded_word_document(corpus, ctx, tmp_path):
    # An Excel 97-2003 workbook keeps each embedded object in a root storage named MBD + 8 hex digits.
    streams, clsids = read_tree(corpus / WORKBOOK)
    doc, doc_ids = read_tree(corpus / "office/tika/testWORD.doc")
    streams.update({("MBD0012AB34", *k): v for k, v in doc.items()})
    clsids[("MBD0012AB34",)] = doc_ids[()]
    book = tmp_path / "ledger.xls"
    write_cfb(book, streams, clsids)
    tree = extract_tree(book, ctx)
    assert WORKBOOK_TEXT in tree.result.text and tree.result.status == Status.OK
    found = {path: status for path, (status, text) in _texts(tree).items()
             if "This is a sample Microsoft Word Document" in text}
    assert list(found.values()) == [Status.OK] and next(iter(found)).endswith("MBD0012AB34/MBD0012AB34.doc")
