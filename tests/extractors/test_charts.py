"""Charts of binary Excel and PowerPoint files: titles, series names and category labels read from the
BIFF chart records; a chart in a format Evidex does not read is a ``chart not read`` warning."""

from __future__ import annotations

import struct
import zlib

from extractors import Status, extract_path, extract_tree
from extractors.office.cfbwrite import compound_file
from tests.extractors.biff_fixtures import chart, workbook_stream, write_xls
from tests.extractors.cfb_writer import read_tree, write_cfb

SALES = chart("분기별 실적 추이", ["매출액", "영업이익"], ["1분기", "2분기", "3분기"], [1200.0, 1350.0, 1410.0])


def test_xls_embedded_chart_and_chart_sheet(ctx, tmp_path):
    stream = workbook_stream([["지역", "건수"], ["서울", "12"]], charts=[SALES],
                             chart_sheet=chart("Cost by region", ["Cost"], ["North", "South"], [3.0, 4.0]))
    r = extract_path(write_xls(tmp_path / "book.xls", stream), ctx)
    assert r.status == Status.OK and r.metadata["charts"] == 2
    sheet, charts = r.text.split("[charts]\n", 1)
    assert "서울\t12" in sheet
    for label in ("분기별 실적 추이", "매출액", "영업이익", "1분기", "3분기", "Cost by region", "North", "South"):
        assert label in charts
    assert "1350" not in charts  # values are numbers, not labels


def test_chart_workbook_xlrd_refuses_keeps_its_charts(ctx, tmp_path):
    from tests.extractors.biff_fixtures import record

    stream = record(0x00E1, b"\x00\x00") + SALES  # no workbook globals: xlrd expects a BOF first
    r = extract_path(write_xls(tmp_path / "graph.xls", stream), ctx)
    assert r.status == Status.PARTIAL and "only its charts were read" in r.reason
    assert "분기별 실적 추이" in r.text and "2분기" in r.text


def _ppt_with_object(corpus, tmp_path, storage: dict) -> object:
    streams, clsids = read_tree(corpus / "office/ingest-file/slides.ppt")
    data = compound_file(storage, {})
    body = struct.pack("<I", len(data)) + zlib.compress(data)
    streams[("PowerPoint Document",)] += struct.pack("<HHI", 1 << 4, 0x1011, len(body)) + body
    write_cfb(tmp_path / "deck.ppt", streams, clsids)
    return tmp_path / "deck.ppt"


COMPOBJ = b"\x01\x00\xfe\xff\x03\x0a\x00\x00" + b"\xff" * 20 + b"\x10\x00\x00\x00Microsoft Graph\x00"


def test_ppt_chart_object_with_a_workbook_is_read(corpus, ctx, tmp_path):
    deck = _ppt_with_object(corpus, tmp_path, {("\x01CompObj",): COMPOBJ,
                                               ("Workbook",): workbook_stream([["계열"]], charts=[SALES])})
    tree = extract_tree(deck, ctx)
    assert tree.result.pages[0].text == "Now"
    texts = {n.name: n.result for n in tree.walk()}
    book = next(r for name, r in texts.items() if name.endswith(".xls"))
    assert book.status.readable and "[charts]" in book.text and "영업이익" in book.text


def test_unread_chart_objects_are_warnings(corpus, ctx, tmp_path):
    deck = _ppt_with_object(corpus, tmp_path, {("\x01CompObj",): COMPOBJ, ("Contents",): b"\x00" * 64})
    r = extract_path(deck, ctx)
    assert any("chart not read" in w and "Microsoft Graph" in w for w in r.metadata["warnings"])


def test_hancom_chart_of_an_hwp_is_a_child_with_its_table_titles_and_labels(corpus, ctx):
    """The VtChart object an HWP document embeds (Hancom's own chart) is read: its data grid as a table (labels
    and numbers), then its axis titles and chart title, each once, without its font's face name or number
    formats."""
    tree = extract_tree(corpus / "hwp/neolord0-hwplib/차트.hwp", ctx)
    assert not any("chart not read" in w for w in tree.result.metadata.get("warnings", []))
    (chart,) = [n for n in tree.walk() if n.name.lower().endswith(".ole")]
    result = chart.result
    assert result.status == Status.OK and result.metadata["chart_grid"] == "5 rows × 4 columns"
    (table,) = result.pages[0].tables
    assert table.rows[0] == ("", "열1", "열2", "열3", "열4")
    assert table.rows[1] == ("행1", "92", "82", "21", "45") and table.rows[5] == ("행5", "38", "69", "45", "88")
    lines = result.text.splitlines()
    assert lines[1] == "행1\t92\t82\t21\t45"
    assert {"X 축 제목", "Y 축 제목", "차트 제목"} <= set(lines[6:]) and len(set(lines)) == len(lines)
    assert "함초롬돋움" not in result.text and "0%" not in lines and "100" not in lines


def test_chart_grid_needs_a_label_and_every_column_per_row():
    from extractors.hwp.chart import chart_grid

    def dual(text: str) -> bytes:
        body = text.encode("cp949") + b"\x00\x00" + text.encode("utf-16-le") + b"\x00\x00"
        return struct.pack("<H", len(body)) + body

    def value(number: int, cls: int, payload: bytes, name: str = "") -> bytes:
        named = struct.pack("<H", len(name) + 1) + name.encode() + b"\x00\x01\x00" if name else b""
        return b"\x06\x00\x00\x00\x04\x00\x00\x00" + struct.pack("<II", number, cls) + named + payload

    head = b"\x01\x00\x00\x00\x0b\x00VtDataGrid\x00\x01\x00" + b"\x00" * 40
    cells = [value(2, 5, dual("1월"), "VtString"), value(3, 5, dual("2월")), value(4, 5, dual("유출 건수")),
             value(5, 7, struct.pack("<i", 1200), "VtInteger"), value(6, 24, struct.pack("<d", 35.5), "VtDouble"),
             value(7, 5, dual("신고 건수")), value(8, 7, struct.pack("<i", 14)), value(9, 24, struct.pack("<d", 2.0))]
    assert chart_grid(head + b"".join(cells) + b"\x00" * 60) == (
        ("", "1월", "2월"), ("유출 건수", "1200", "35.5"), ("신고 건수", "14", "2"))
    assert chart_grid(head + b"".join(cells[:-1]) + b"\x00" * 60) is None  # a row short of a number
    assert chart_grid(b"".join(cells)) is None  # no data grid


def test_chart_texts_are_only_what_reads_the_same_in_both_encodings():
    from extractors.hwp.chart import MARK, chart_texts

    def dual(text: str) -> bytes:
        body = text.encode("cp949") + b"\x00\x00" + text.encode("utf-16-le") + b"\x00\x00"
        return struct.pack("<H", len(body)) + body

    noise = bytes(range(256)) * 3
    forged = struct.pack("<H", 12) + "월별".encode("cp949") + b"\x00\x00" + "유출".encode("utf-16-le") + b"\x00\x00"
    stream = (b"\x08\x00" + MARK + b"\x00" + noise + dual("월별 유출 건수") + noise + b"\x07\x00VtFont\x00\x01\x00"
              + dual("맑은 고딕") + dual("2025년 1월") + forged + dual("0%") + dual("2025년 1월") + dual("Leaked records")
              + noise + dual("맑은 고딕"))
    assert chart_texts(stream) == ["월별 유출 건수", "2025년 1월", "Leaked records"]


def test_odf_chart_object_text(ctx, tmp_path):
    """An OpenDocument chart is a sub-document (``Object 1/content.xml``) the body only points at."""
    import zipfile

    office = 'xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0"'
    text_ns = 'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0"'
    chart_ns = 'xmlns:chart="urn:oasis:names:tc:opendocument:xmlns:chart:1.0"'
    body = (f'<office:document-content {office} {text_ns}><office:body><office:text>'
            '<text:p>보고서 본문</text:p></office:text></office:body></office:document-content>')
    chart = (f'<office:document-content {office} {text_ns} {chart_ns}><office:body><office:chart>'
             '<chart:chart><chart:title><text:p>월별 민원 건수</text:p></chart:title>'
             '<chart:legend/></chart:chart></office:chart></office:body></office:document-content>')
    path = tmp_path / "report.odt"
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("mimetype", "application/vnd.oasis.opendocument.text")
        zf.writestr("content.xml", body)
        zf.writestr("Object 1/content.xml", chart)
    r = extract_path(path, ctx)
    assert r.status == Status.OK and "보고서 본문" in r.text
    assert "[charts and objects]\n월별 민원 건수" in r.text


def test_a_truncated_hancom_chart_is_partial_with_what_it_held(corpus, ctx, tmp_path):
    """A chart object cut short keeps the labels read before the cut, and says it was cut (never ``ok``)."""
    import olefile

    from extractors.hwp.chart import extract_hwp_chart

    with olefile.OleFileIO(str(corpus / "hwp/neolord0-hwplib/차트.hwp")) as hwp:
        whole = zlib.decompress(hwp.openstream("BinData/BIN0001.OLE").read(), -15)[4:]
    cut = tmp_path / "chart.ole"
    cut.write_bytes(whole[:7168])
    r = extract_hwp_chart(cut, ctx)
    assert r.status == Status.PARTIAL and "truncated" in r.reason and "열1" in r.text
    cut.write_bytes(whole[:600])
    assert extract_hwp_chart(cut, ctx).status == Status.CORRUPT
