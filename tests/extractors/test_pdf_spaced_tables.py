"""A PDF page whose word spaces are rebuilt from glyph positions and that holds a ruled table: the table's
text is there once (as tab-separated rows in place, its cells with their spaces too), not also in the prose."""

from __future__ import annotations

from pathlib import Path

from tests.extractors.pdf_fixtures import extract_made, korean_cid_font, korean_glyphs, one_page_pdf

PROSE = ["11월 코스피는 10월 미국 물가지표가 예상보다 낮게 나오며 상승했다.",
         "외국인 투자자의 순매수가 이어졌고 반도체 업종이 강세를 보였다."]
CELLS = [("구분", "거래 금액", "비고"), ("연기금 계정", "1,200 억원", "장내 매수")]
CLOSING = "기관 투자자는 매도 우위를 보였다."
SIZE = 12.0
GAP_EM = 0.15  # narrower than pdfium's own word gap: pdfium joins the words


def _spaced_table_pdf(path: Path) -> None:
    """Two lines of tight prose, a 2 × 3 ruled table of tight cells, a closing tight line (Korean glyph by
    glyph, ``pdf_fixtures.korean_glyphs``)."""
    parts: list[bytes] = [b"0.5 w"]
    for k, line in enumerate(PROSE):
        parts += korean_glyphs(line, 50, 780 - 1.6 * SIZE * k, SIZE, GAP_EM)
    xs, ys = (50, 170, 290, 410), (735, 712, 689)
    for y in ys:
        parts.append(b"%d %d m %d %d l S" % (xs[0], y, xs[-1], y))
    for x in xs:
        parts.append(b"%d %d m %d %d l S" % (x, ys[0], x, ys[-1]))
    for r, row in enumerate(CELLS):
        for c, cell in enumerate(row):
            parts += korean_glyphs(cell, xs[c] + 6, ys[r] - 16, SIZE, GAP_EM)
    parts += korean_glyphs(CLOSING, 50, 660, SIZE, GAP_EM)
    one_page_pdf(path, korean_cid_font(), b"\n".join(parts))


def test_table_text_is_not_doubled_on_a_respaced_page(tmp_path, ctx):
    r = extract_made(tmp_path, ctx, _spaced_table_pdf)
    page = r.pages[0]
    assert page.reader == "pdfium+spacing" and r.metadata["respaced_pages"] == 1
    assert page.tables[0].rows == tuple(CELLS)
    for word in ("연기금", "1,200", "장내", "거래"):
        assert page.text.count(word) == 1, word
    assert page.text.splitlines() == [*PROSE, "구분\t거래 금액\t비고", "연기금 계정\t1,200 억원\t장내 매수",
                                      CLOSING]
    assert r.metadata["table_pages"] == {"in place": 1}
