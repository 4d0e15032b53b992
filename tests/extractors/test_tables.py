"""Tables keep their rows: one line per row, cells separated by tabs, cells in ``pages[].tables``;
spreadsheet numbers and dates as the sheet displays them."""

from __future__ import annotations

import datetime as dt

import pytest

from extractors import Status, extract_path
from extractors.office.numformat import display


def test_hwp_and_hwpx_row_spans_keep_columns(corpus, ctx):
    # Cell "1 2" spans two rows: the second row's only cell "4 5" sits in column 2, in both formats.
    for name in ("table__from.hwp", "table__from.hwpx"):
        r = extract_path(corpus / "hwp/neolord0-hwp2hwpx" / name, ctx)
        assert r.pages[0].tables[0].rows == (("1 2", "3"), ("", "4 5"), ("67",)), name
        assert "1 2\t3\n\t4 5\n67" in r.text, name


def test_hwpx_press_release_tables(corpus, ctx):
    r = extract_path(corpus / "hwp/neolord0-hwpxlib/mot.hwpx", ctx)
    rows = [row for page in r.pages for table in page.tables for row in table.rows]
    assert ("보도시점", "2024. 1. 2.(화) 08:00", "배포", "2024. 1. 2.(화) 08:00") in rows
    assert "보도시점\t2024. 1. 2.(화) 08:00\t배포\t2024. 1. 2.(화) 08:00" in r.text


def test_docx_table_rows_with_merged_and_nested_cells(tmp_path, ctx):
    import docx

    document = docx.Document()
    document.add_paragraph("계약 현황")
    table = document.add_table(rows=3, cols=3)
    for r, row in enumerate([("업체", "금액", "비고"), ("한빛상사", "1,200,000", "선급금"), ("합계", "", "확정")]):
        for c, text in enumerate(row):
            table.cell(r, c).text = text
    table.cell(0, 2).add_paragraph("(단위: 원)")
    table.cell(2, 0).merge(table.cell(2, 1)).text = "합계 1,200,000"
    table.cell(1, 2).add_table(rows=1, cols=2).rows[0].cells[0].text = "내부"
    document.add_paragraph("끝")
    path = tmp_path / "contract.docx"
    document.save(path)
    r = extract_path(path, ctx)
    assert r.status == Status.OK
    rows = r.pages[0].tables[0].rows
    assert rows[0] == ("업체", "금액", "비고 (단위: 원)")
    assert rows[1] == ("한빛상사", "1,200,000", "선급금 내부")
    assert rows[2] == ("합계 1,200,000", "", "확정")  # the merged cell spans two grid columns
    assert r.text.splitlines() == ["계약 현황", "", "업체\t금액\t비고 (단위: 원)", "한빛상사\t1,200,000\t선급금 내부",
                                   "합계 1,200,000\t\t확정", "", "끝"]


def test_docx_corpus_table(corpus, ctx):
    r = extract_path(corpus / "office/tika/testWORD.docx", ctx)
    assert r.pages[0].tables[0].rows[0] == ("This is a table",)
    assert "Nested table More of our nested table" in r.text


def test_xlsx_cells_as_displayed(tmp_path, ctx):
    import openpyxl

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "거래내역"
    ws.append(["일자", "거래처", "금액", "비율", "기록일"])
    ws.append([dt.datetime(1998, 8, 1), "한빛상사", 1092760, 0.125, dt.datetime(2023, 5, 24, 14, 30)])
    ws.append([dt.datetime(1998, 8, 2), "(주)누리", -45000.5, 1, dt.datetime(2023, 5, 25, 9, 5)])
    for row in ws.iter_rows(min_row=2):
        row[0].number_format = 'yyyy"년" m"월" d"일"'
        row[2].number_format = "#,##0.00;(#,##0.00)"
        row[3].number_format = "0.0%"
        row[4].number_format = "yyyy-mm-dd hh:mm"
    ws["C2"].number_format = "#,##0"
    path = tmp_path / "ledger.xlsx"
    wb.save(path)
    r = extract_path(path, ctx)
    assert r.status == Status.OK
    assert r.pages[0].tables[0].rows == (
        ("일자", "거래처", "금액", "비율", "기록일"),
        ("1998년 8월 1일", "한빛상사", "1,092,760", "12.5%", "2023-05-24 14:30"),
        ("1998년 8월 2일", "(주)누리", "(45,000.50)", "100.0%", "2023-05-25 09:05"),
    )
    assert "1998년 8월 1일\t한빛상사\t1,092,760\t12.5%\t2023-05-24 14:30" in r.text
    assert "T00:00:00" not in r.text and "1092760" not in r.text


def test_xls_numbers_and_dates_as_displayed(corpus, ctx):
    r = extract_path(corpus / "office/ingest-file/rom.xls", ctx)
    assert r.status == Status.OK
    row = r.pages[0].tables[0].rows[1]
    assert row[2:4] == ("245", "1/13/11") and row[-1] == "60,594.70"
    assert "245\t1/13/11\tŞcoala de Meserii 4 Bubueci" in r.text
    assert "T00:00:00" not in r.text


@pytest.mark.parametrize("value, code, shown", [
    (1092760, "#,##0", "1,092,760"),
    (1092760, "General", "1092760"),
    (0.1 + 0.2, "General", "0.3"),
    (-1234.5, "#,##0.00;(#,##0.00)", "(1,234.50)"),
    (0, '#,##0;(#,##0);"-"', "-"),
    (1234567, '"₩"#,##0', "₩1,234,567"),
    (1234.5, "[$$-409]#,##0.00", "$1,234.50"),
    (5000, '#,##0"원"', "5,000원"),
    (-5, "[Red]#,##0", "-5"),
    (12345.678, "0.00E+00", "1.23E+04"),
    (7, "00000", "00007"),
    (1234.5, '_(* #,##0.00_);_(* (#,##0.00);_(* "-"??_);_(@_)', "1,234.50"),
    (dt.datetime(1998, 8, 1), "yyyy-mm-dd", "1998-08-01"),
    (dt.datetime(1998, 8, 1), "m/d/yy", "8/1/98"),
    (dt.datetime(1998, 8, 1), "d-mmm-yy", "1-Aug-98"),
    (dt.datetime(1998, 8, 1, 13, 5, 9), "h:mm:ss AM/PM", "1:05:09 PM"),
    (dt.datetime(1998, 8, 1), "[$-412]yyyy\\-mm\\-dd", "1998-08-01"),
    (dt.timedelta(hours=30, minutes=5), "[h]:mm", "30:05"),
    (dt.datetime(1998, 8, 1), "General", "1998-08-01"),
])
def test_number_formats(value, code, shown):
    assert display(value, code) == shown
