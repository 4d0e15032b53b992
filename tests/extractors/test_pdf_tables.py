"""Ruled PDF tables: rows on one line with tab-separated cells, cells in ``pages[].tables``."""

from __future__ import annotations

import dataclasses
from pathlib import Path

from extractors import Status, extract_path
from tests.extractors.pdf_fixtures import NANUM, corpus_pages, extract_made, needs_nanum, one_page_pdf


def test_tables_are_found_by_default_and_can_be_turned_off(tmp_path, ctx):
    path = tmp_path / "ruled.pdf"
    _ruled_pdf(path)
    assert ctx.pdf_tables is True
    assert extract_path(path, ctx).pages[0].tables
    plain = extract_path(path, dataclasses.replace(ctx, pdf_tables=False))
    assert not any(p.tables for p in plain.pages) and "Hanbit" in plain.text


def _ruled_pdf(path: Path) -> None:
    """A page: a title, a 3×3 ruled table whose bottom-left cell spans two columns (no rule
    between them), and a closing line. Rules are thin filled rectangles and stroked lines."""
    xs, ys = (100, 220, 340, 460), (700, 670, 640, 610)
    ops = [b"0.5 w"]
    for y in ys:  # horizontal rules as hairline rectangles
        ops.append(b"%d %g 360 0.5 re f" % (xs[0], y - 0.25))
    for x in xs:  # vertical rules as stroked segments, the inner one on the last row missing
        bottom = ys[2] if x == xs[1] else ys[3]
        ops.append(b"%d %d m %d %d l S" % (x, ys[0], x, bottom))
        if x == xs[1]:
            ops.append(b"%d %d m %d %d l S" % (x, ys[0], x, ys[2]))
    rows = [("Vendor", "Amount", "Note"), ("Hanbit", "1,200", "advance"), ("Total 1,200", None, "final")]
    text = [b"BT /F1 14 Tf 100 740 Td (Contract status) Tj ET"]
    for r, row in enumerate(rows):
        for c, cell in enumerate(row):
            if cell:
                text.append(b"BT /F1 11 Tf %d %d Td (%s) Tj ET" % (xs[c] + 6, ys[r] - 20, cell.encode()))
    text.append(b"BT /F1 12 Tf 100 560 Td (End of report) Tj ET")
    one_page_pdf(path, [b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>"], b"\n".join(ops + text))


def test_generated_table_with_merged_cell(tmp_path, ctx):
    r = extract_made(tmp_path, ctx, _ruled_pdf)
    page = r.pages[0]
    assert page.tables[0].rows == (("Vendor", "Amount", "Note"), ("Hanbit", "1,200", "advance"),
                                   ("Total 1,200", "", "final"))
    assert page.text.splitlines() == ["Contract status", "Vendor\tAmount\tNote", "Hanbit\t1,200\tadvance",
                                      "Total 1,200\t\tfinal", "End of report"]
    assert r.metadata["table_pages"] == {"in place": 1}


def test_page_without_rules_has_no_tables(tmp_path, ctx):
    from tests.extractors.pdf_fixtures import glyph_by_glyph_pdf

    path = tmp_path / "plain.pdf"
    glyph_by_glyph_pdf(path, ["보고서 본문 첫 줄입니다", "둘째 줄입니다"], gap_em=0.3)
    r = extract_path(path, ctx)
    assert r.pages[0].tables == ()
    assert "table_pages" not in r.metadata


def test_korean_rfp_requirement_tables(corpus, ctx):
    r = extract_path(corpus / "pdf/opendataloader-pdf/2. 제안요청서(생성형 AI 구축 및 학습 용역).pdf", ctx)
    page = r.pages[7]
    rows = page.tables[0].rows
    assert rows[0] == ("요구사항 구분", "", "ID 부여규칙", "개수")  # the heading spans two columns
    assert ("기능요구사항", "System Function Requirement", "SFR-000", "7") in rows
    assert "1. 요구사항 분류\n요구사항 구분\t\tID 부여규칙\t개수\n기능요구사항\tSystem Function Requirement" in page.text
    # a requirement sheet: the label cell spans two rows, the detail cell keeps its lines together
    sheet = r.pages[10].tables[0].rows
    assert sheet[0] == ("요구사항 고유번호", "", "SFR-001")
    assert sheet[3] == ("요구 사항 설명", "정의", "기능 요구사항 공통 사항 정의")
    assert sheet[4][:2] == ("", "세부 내용") and sheet[4][2].startswith("○ 관련 법령 준수할 수 있도록")


def test_spreadsheet_export_reads_row_by_row(corpus, ctx):
    # NICS checks: each ruled band holds five states; every cell of a band has five lines.
    r = extract_path(corpus / "pdf/pdfplumber/nics-background-checks-2015-11.pdf", ctx)
    rows = r.pages[0].tables[0].rows
    alabama = next(row for row in rows if row[0] == "Alabama")
    assert alabama[:6] == ("Alabama", "18,870", "23,022", "22,650", "859", "1,178")
    assert alabama[-1] == "71,137"
    assert "Alaska\t209\t3,062\t3,209\t191\t184\t" in r.text


def _report_pdf(path: Path, table_pages: int = 1) -> None:
    """A reportlab document: a page of prose (no rules), then ``table_pages`` pages each holding a
    gridded table of Korean and English cells, as office exports draw them."""
    from reportlab.lib import colors
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import getSampleStyleSheet
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont
    from reportlab.platypus import PageBreak, Paragraph, SimpleDocTemplate, Table, TableStyle

    pdfmetrics.registerFont(TTFont("Nanum", str(NANUM)))
    style = getSampleStyleSheet()["Normal"].clone("ko", fontName="Nanum", fontSize=11, leading=15)
    story = [Paragraph("수사 보고서 본문입니다. 이 쪽에는 표가 없습니다.", style),
             Paragraph("The second paragraph has no table either.", style)]
    for number in range(1, table_pages + 1):
        story += [PageBreak(), Paragraph(f"표 {number}. 계좌 거래 내역", style)]
        rows = [["거래일", "계좌번호", "금액"], ["2024-03-02", "110-234-567890", "1,200,000"],
                ["2024-03-05", "302-0101-2222", f"{number * 350:,}"]]
        table = Table(rows, colWidths=[110, 150, 100])
        table.setStyle(TableStyle([("FONTNAME", (0, 0), (-1, -1), "Nanum"),
                                   ("GRID", (0, 0), (-1, -1), 0.5, colors.black)]))
        story += [table, Paragraph("표 아래의 설명 문단입니다.", style)]
    SimpleDocTemplate(str(path), pagesize=A4).build(story)


@needs_nanum
def test_reportlab_gridded_table_and_a_prose_page(tmp_path, ctx):
    r = extract_made(tmp_path, ctx, _report_pdf)
    prose, tabled = r.pages
    assert prose.tables == () and "이 쪽에는 표가 없습니다." in prose.text
    assert tabled.tables[0].rows == (("거래일", "계좌번호", "금액"), ("2024-03-02", "110-234-567890", "1,200,000"),
                                     ("2024-03-05", "302-0101-2222", "350"))
    lines = tabled.text.splitlines()
    start = lines.index("거래일\t계좌번호\t금액")
    assert lines[start - 1] == "표 1. 계좌 거래 내역" and lines[start + 3] == "표 아래의 설명 문단입니다."
    assert r.metadata["table_pages"] == {"in place": 1}


@needs_nanum
def test_document_cap_stops_the_finder_but_keeps_the_text(tmp_path, ctx, monkeypatch):
    from extractors import pdflayout

    monkeypatch.setattr(pdflayout, "MAX_DOCUMENT_OBJECTS", 1)  # used up by the first page looked at
    r = extract_made(tmp_path, ctx, _report_pdf, 3)
    assert [bool(p.tables) for p in r.pages] == [False, False, False, False]
    assert r.metadata["table_pages_skipped"] == 3
    assert all("302-0101-2222" in p.text and "거래일" in p.text for p in r.pages[1:])


def test_drawing_with_too_many_objects_is_not_searched(tmp_path, ctx, monkeypatch):
    from extractors import pdftables

    path = tmp_path / "ruled.pdf"
    _ruled_pdf(path)
    monkeypatch.setattr(pdftables, "MAX_PAGE_OBJECTS", 5)  # the page draws 19 objects: taken for a drawing
    r = extract_path(path, ctx)
    assert r.pages[0].tables == () and "table_pages" not in r.metadata
    assert "Vendor" in r.text and "End of report" in r.text


def test_census_in_c_equals_the_ctypes_walk_on_every_corpus_page(corpus):
    """The C census (built by scripts/setup.sh) keeps the same paths, images, bounds and object counts, in the
    same order, as the ctypes walk, on every page of every PDF of the corpus, Form XObjects included; the rules
    from the C path segments are those of the ctypes walk."""
    import numpy as np

    from extractors import pdfobjects
    from extractors.pdftables import page_rules

    pdfobjects.use_native(True)
    assert pdfobjects.native_census() is not None, f"{pdfobjects.LIBRARY} not built: run scripts/setup.sh"
    pages = forms = 0
    try:
        for path, number, page in corpus_pages(corpus):
            for measure in (False, True):
                pdfobjects.use_native(True)
                native = pdfobjects.census(page, 20_000, measure)
                pdfobjects.use_native(False)
                walked = pdfobjects.census(page, 20_000, measure)
                where = f"{path.name} page {number + 1}"
                assert (native.paths, native.images, native.seen, native.complete) == \
                    (walked.paths, walked.images, walked.seen, walked.complete), where
                if measure and walked.complete:
                    assert np.array_equal(native.path_bounds, walked.path_bounds), where
            pdfobjects.use_native(True)  # the rules from the C census and path segments, then from ctypes
            native_rules = page_rules(page)
            pdfobjects.use_native(False)
            assert native_rules == page_rules(page), where
            pages += 1
            top = pdfobjects.pdfium_api().count(pdfobjects.page_handle(page))
            forms += walked.seen > top  # objects inside Form XObjects were counted too
    finally:
        pdfobjects.use_native(True)
    assert pages > 100 and forms > 0


def test_cell_text_read_in_c_equals_pdfiums_bounded_text(corpus):
    """The text inside a rectangle from the page's characters read once in C (``NativeText``) equals pdfium's
    ``FPDFText_GetBoundedText`` for every cell the finder reads on the corpus and for rectangles across every
    page (partly off the page, reversed corners, the whole page), read one by one and all at once."""
    import random

    from extractors import pdfobjects
    from extractors.pdftables import find_tables

    pdfobjects.use_native(True)
    rng = random.Random(7)
    compared = cells = 0
    for path, number, page in corpus_pages(corpus):
        textpage = page.get_textpage()
        try:
            chars = pdfobjects.native_text(textpage)
            assert chars is not None, f"{pdfobjects.LIBRARY} not built: run scripts/setup.sh"
            handle = pdfobjects.page_handle(textpage)
            read: list[tuple[float, float, float, float]] = []
            find_tables(page, textpage, read=lambda *box: read.append(box) or "")
            width, height = page.get_size()
            boxes = [(x, y, x + rng.uniform(1, width / 2), y + rng.uniform(1, height / 3))
                     for x, y in ((rng.uniform(-10, width), rng.uniform(-10, height)) for _ in range(12))]
            boxes += [(0, 0, width, height), (width, height, 0, 0)]
            expected = [pdfobjects.text_in(handle, *box) for box in read + boxes]
            for box, text in zip(read + boxes, expected):
                assert chars.text(*box) == text, f"{path.name} p{number + 1} {box}"
                compared += 1
            # all at once (one pass over the characters), overlapping rectangles and the page three times
            # (more text than the page holds: the output grows) included
            assert chars.texts(read + boxes) == expected, f"{path.name} p{number + 1}"
            assert chars.texts([boxes[-2]] * 3) == [expected[-2]] * 3
            cells += len(read)
        finally:
            textpage.close()
    assert cells > 1000 and compared > cells


def test_grids_and_cells_in_c_equal_the_python(corpus):
    """``merge_rules``, ``grids`` and ``cells`` from the C library give the same rules, groups and cells as the
    numpy and Python they follow, on every page of the corpus and on random rule sets (crossings, gaps,
    near-duplicates)."""
    import random

    import numpy as np

    from extractors import pdfobjects, pdftables
    from extractors.pdfgrid import native_cells, native_grids

    pdfobjects.use_native(True)
    assert native_grids(np.zeros((2, 3)), np.zeros((2, 3)), pdftables.SNAP) is not None, "run scripts/setup.sh"
    rule_sets = []
    for _, _, page in corpus_pages(corpus):
        horizontal, vertical, _ = pdftables.page_rules(page)
        for found in (horizontal, vertical):
            assert np.array_equal(pdftables.merge_rules(found), pdftables.python_merge_rules(found))
        if horizontal and vertical:
            rule_sets.append((pdftables.merge_rules(horizontal), pdftables.merge_rules(vertical)))
    rng = random.Random(11)
    for _ in range(300):
        def rules(n: int) -> np.ndarray:
            starts = [rng.choice([0.0, 50.0, 100.0]) + rng.uniform(-3, 3) for _ in range(n)]
            return np.array(sorted((rng.choice([0.0, 20.0, 40.0, 60.0, 80.0, 100.0]) + rng.uniform(-2.5, 2.5),
                                    s, s + rng.choice([20.0, 50.0, 100.0]) + rng.uniform(-4, 4)) for s in starts))
        rule_sets.append((rules(rng.randint(0, 9)), rules(rng.randint(0, 9))))
        loose = [tuple(r) for r in rules(rng.randint(0, 12)).tolist()]
        rng.shuffle(loose)
        assert np.array_equal(pdftables.merge_rules(loose), pdftables.python_merge_rules(loose))
    grids = cells = 0
    for h, v in rule_sets:
        ours = pdftables.grids(h, v)
        theirs = pdftables.python_grids(h, v) if len(h) >= 2 and len(v) >= 2 else []
        assert len(ours) == len(theirs)
        for (gh, gv), (ph, pv) in zip(ours, theirs):
            assert np.array_equal(gh, ph) and np.array_equal(gv, pv)
            assert pdftables.cells(gh, gv) == pdftables.python_cells(gh, gv)
            cells += 1
        grids += len(ours)
        if len(h) and len(v):
            assert native_cells(h, v, pdftables.SNAP, pdftables.JOIN) == pdftables.python_cells(h, v)
    assert grids > 300 and cells == grids


def test_a_pages_grids_in_one_c_call_equal_the_steps(corpus):
    """``native_page_grids`` (rules, merging, grids and cells of a page from its census in one call) gives the
    same grids, cells and cell rectangles as the steps one by one and as the Python, and ``find_tables`` the same
    tables, on every page of the corpus, and on the census of a page with too few paths (none)."""
    import numpy as np

    from extractors import pdfobjects, pdftables
    from extractors.pdfgrid import native_page_grids

    limits = dict(thin=pdftables.THIN, min_length=pdftables.MIN_LENGTH, snap=pdftables.SNAP, join=pdftables.JOIN,
                  inset=pdftables.INSET, min_rules=pdftables.MIN_RULES, max_segments=pdftables.MAX_SEGMENTS,
                  max_cells=pdftables.MAX_GRID_CELLS)
    pdfobjects.use_native(True)
    pages = tables = 0
    for path, number, page in corpus_pages(corpus):
        objects = pdfobjects.census(page, pdftables.MAX_PAGE_OBJECTS, measure=True)
        found_grids = native_page_grids(objects, **limits)
        assert found_grids is not None, f"{pdfobjects.LIBRARY} not built: run scripts/setup.sh"
        ours = [grid for grid, _ in found_grids]
        for (xs, ys, spans), rects in found_grids:  # the rectangles the cells' text is read from
            assert np.array_equal(rects, pdftables.cell_rects(xs, ys, spans)), f"{path.name} p{number + 1}"
        horizontal, vertical, _ = pdftables.rules_of(objects)
        steps = ([pdftables.cells(h, v) for h, v in pdftables.grids(pdftables.merge_rules(horizontal),
                                                                      pdftables.merge_rules(vertical))]
                 if len(horizontal) + len(vertical) >= pdftables.MIN_RULES and horizontal and vertical else [])
        assert ours == steps, f"{path.name} p{number + 1}"
        python = [pdftables.python_cells(h, v) for h, v in pdftables.python_grids(
            pdftables.python_merge_rules(horizontal), pdftables.python_merge_rules(vertical))] if steps else []
        assert ours == python, f"{path.name} p{number + 1}"
        textpage = page.get_textpage()
        try:
            found, _ = pdftables.find_tables(page, textpage, objects)
            pdfobjects.use_native(False)
            assert pdftables.find_tables(page, textpage)[0] == found, f"{path.name} p{number + 1}"
        finally:
            pdfobjects.use_native(True)
            textpage.close()
        pages += 1
        tables += len(found)
    few = pdfobjects.PageObjects(paths=[0, 0], path_bounds=np.zeros((2, 4)), path_handles=np.zeros(2, dtype=np.uintp))
    assert native_page_grids(few, **limits) == []
    assert pages > 100 and tables > 20


def test_a_grid_too_large_to_be_a_table_is_left_out():
    """A page ruled like graph paper (1,200 rules each way: 1.4 million cells) is not read as a table, in C or in
    Python, and costs no more memory than its rules; the same ruling 20 by 20 is one table of 19 × 19 cells."""
    import numpy as np

    from extractors import pdfobjects, pdftables
    from extractors.pdfgrid import native_page_grids

    limits = dict(thin=pdftables.THIN, min_length=pdftables.MIN_LENGTH, snap=pdftables.SNAP, join=pdftables.JOIN,
                  inset=pdftables.INSET, min_rules=pdftables.MIN_RULES, max_segments=pdftables.MAX_SEGMENTS,
                  max_cells=pdftables.MAX_GRID_CELLS)

    def ruled(n: int) -> pdfobjects.PageObjects:  # thin paths only: their bounds are all the finder reads
        at = np.arange(n) * 5.0
        bounds = [(0.0, y, 5.0 * n, y + 0.5) for y in at] + [(x, 0.0, x + 0.5, 5.0 * n) for x in at]
        return pdfobjects.PageObjects(paths=[0] * len(bounds), path_bounds=np.array(bounds),
                                      path_handles=np.zeros(len(bounds), dtype=np.uintp))

    pdfobjects.use_native(True)
    assert native_page_grids(ruled(1200), **limits) == []
    [((xs, ys, spans), rects)] = native_page_grids(ruled(20), **limits)
    assert len(xs) == len(ys) == 20 and len(spans) == len(rects) == 19 * 19
    horizontal, vertical, _ = pdftables.rules_of(ruled(1200))
    [(h, v)] = pdftables.python_grids(pdftables.merge_rules(horizontal), pdftables.merge_rules(vertical))
    assert (len(h) - 1) * (len(v) - 1) > pdftables.MAX_GRID_CELLS  # the limit is what leaves it out


def test_broken_path_bounds_give_the_same_grids_in_c_and_python():
    """Infinite, reversed and NaN path bounds (a hostile page) give no rule without a finite position, and the C
    and the Python the same grids, wherever such a path lies among the rules of a table."""
    import numpy as np

    from extractors import pdfobjects, pdftables
    from extractors.pdfgrid import native_page_grids

    limits = dict(thin=pdftables.THIN, min_length=pdftables.MIN_LENGTH, snap=pdftables.SNAP, join=pdftables.JOIN,
                  inset=pdftables.INSET, min_rules=pdftables.MIN_RULES, max_segments=pdftables.MAX_SEGMENTS,
                  max_cells=pdftables.MAX_GRID_CELLS)
    inf, nan = float("inf"), float("nan")
    table = [(0.0, y, 300.0, y + 0.5) for y in (0, 20, 40)] + [(x, 0.0, x + 0.5, 40.0) for x in (0, 150, 300)]
    broken = [(inf, 0.0, -inf, 101.0), (0.0, inf, 100.0, -inf), (nan, 5.0, nan, 5.5), (0.0, nan, 100.0, nan),
              (-inf, 10.0, inf, 10.5)]
    pdfobjects.use_native(True)
    for bad in broken:
        for at in range(len(table) + 1):
            bounds = np.array(table[:at] + [bad] + table[at:])
            objects = pdfobjects.PageObjects(paths=[0] * len(bounds), path_bounds=bounds,
                                             path_handles=np.zeros(len(bounds), dtype=np.uintp))
            ours = native_page_grids(objects, **limits)
            horizontal, vertical, _ = pdftables.rules_of(objects)
            assert all(np.isfinite(r[0]) for r in horizontal + vertical)
            python = [(pdftables.python_cells(h, v), pdftables.cell_rects(*pdftables.python_cells(h, v)))
                      for h, v in pdftables.python_grids(pdftables.python_merge_rules(horizontal),
                                                         pdftables.python_merge_rules(vertical))]
            assert [g for g, _ in ours] == [g for g, _ in python], (bad, at)
            assert all(np.array_equal(a, b) for (_, a), (_, b) in zip(ours, python)), (bad, at)


def test_character_balance_in_c_equals_counters():
    """The layout's check that a rebuilt page lost no character (``evx_char_balance``) counts as ``Counter``s do:
    missing, extra and visible characters, white space left out, Hangul, emoji and lone surrogates included."""
    import random
    from collections import Counter

    from extractors import pdflayout

    rng = random.Random(5)
    alphabet = list("가나다라 마바\n\t\r\x00\ufffe abcXYZ0129,.") + ["😀", "\ud800", "한", "國"]
    for _ in range(400):
        original = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 300)))
        rebuilt = list(original)
        rng.shuffle(rebuilt)
        rebuilt = "".join(rebuilt[: len(rebuilt) - rng.randint(0, 3)]) + "".join(
            rng.choice(alphabet) for _ in range(rng.randint(0, 4)))
        want, have = Counter(original), Counter(rebuilt)
        for space in pdflayout._SPACES:
            want.pop(space, None)
            have.pop(space, None)
        expected = (sum((want - have).values()), sum((have - want).values()), sum(want.values()))
        assert pdflayout._balance(original, rebuilt) == expected, (original, rebuilt)
