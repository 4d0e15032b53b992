"""A PDF page whose word spaces are rebuilt from glyph positions and that holds a ruled table: the table's
text is there once (as tab-separated rows in place, its cells with their spaces too), not also in the prose."""

from __future__ import annotations

from pathlib import Path

from extractors import Status, extract_path
from tests.extractors.pdf_fixtures import _write_pdf

PROSE = ["11월 코스피는 10월 미국 물가지표가 예상보다 낮게 나오며 상승했다.",
         "외국인 투자자의 순매수가 이어졌고 반도체 업종이 강세를 보였다."]
CELLS = [("구분", "거래 금액", "비고"), ("연기금 계정", "1,200 억원", "장내 매수")]
CLOSING = "기관 투자자는 매도 우위를 보였다."
SIZE = 12.0
GAP_EM = 0.15  # narrower than pdfium's own word gap: pdfium joins the words


def _glyphs(text: str, x: float, y: float) -> list[bytes]:
    """``text`` glyph by glyph from ``(x, y)``, each in its own text object, words ``GAP_EM`` apart."""
    out = []
    for number, word in enumerate(text.split(" ")):
        if number:
            x += GAP_EM * SIZE
        for ch in word:
            out.append(b"BT /F1 %g Tf 1 0 0 1 %.2f %.2f Tm <%s> Tj ET"
                       % (SIZE, x, y, ord(ch).to_bytes(2, "big").hex().encode()))
            x += SIZE * (0.5 if ord(ch) < 0x80 else 1.0)
    return out


def _spaced_table_pdf(path: Path) -> None:
    """Two lines of tight prose, a 2 × 3 ruled table of tight cells, a closing tight line (the non-embedded
    Korean CID font of ``pdf_fixtures.glyph_by_glyph_pdf``)."""
    roman = b" ".join(b"500" for _ in range(95))
    objects: list[bytes] = [
        b"<< /Type /FontDescriptor /FontName /NanumGothic /Flags 4 /FontBBox [0 -150 1000 850] "
        b"/ItalicAngle 0 /Ascent 850 /Descent -150 /CapHeight 700 /StemV 80 >>",
        b"<< /Type /Font /Subtype /CIDFontType0 /BaseFont /NanumGothic /CIDSystemInfo << /Registry (Adobe) "
        b"/Ordering (Korea1) /Supplement 2 >> /FontDescriptor 1 0 R /DW 1000 /W [1 [" + roman + b"]] >>",
        b"<< /Type /Font /Subtype /Type0 /BaseFont /NanumGothic /Encoding /UniKS-UCS2-H "
        b"/DescendantFonts [2 0 R] >>",
    ]
    parts: list[bytes] = [b"0.5 w"]
    for k, line in enumerate(PROSE):
        parts += _glyphs(line, 50, 780 - 1.6 * SIZE * k)
    xs, ys = (50, 170, 290, 410), (735, 712, 689)
    for y in ys:
        parts.append(b"%d %d m %d %d l S" % (xs[0], y, xs[-1], y))
    for x in xs:
        parts.append(b"%d %d m %d %d l S" % (x, ys[0], x, ys[-1]))
    for r, row in enumerate(CELLS):
        for c, cell in enumerate(row):
            parts += _glyphs(cell, xs[c] + 6, ys[r] - 16)
    parts += _glyphs(CLOSING, 50, 660)
    content = b"\n".join(parts)
    objects.append(b"<< /Length %d >>\nstream\n" % len(content) + content + b"\nendstream")
    objects.append(b"<< /Type /Page /Parent 6 0 R /MediaBox [0 0 595 842] /Resources << /Font << /F1 3 0 R >> >> "
                   b"/Contents 4 0 R >>")
    objects.append(b"<< /Type /Pages /Kids [5 0 R] /Count 1 >>")
    objects.append(b"<< /Type /Catalog /Pages 6 0 R >>")
    _write_pdf(path, objects, root=7)


def test_table_text_is_not_doubled_on_a_respaced_page(tmp_path, ctx):
    path = tmp_path / "spaced-table.pdf"
    _spaced_table_pdf(path)
    r = extract_path(path, ctx)
    assert r.status == Status.OK
    page = r.pages[0]
    assert page.reader == "pdfium+spacing" and r.metadata["respaced_pages"] == 1
    assert page.tables[0].rows == tuple(CELLS)
    for word in ("연기금", "1,200", "장내", "거래"):
        assert page.text.count(word) == 1, word
    assert page.text.splitlines() == [*PROSE, "구분\t거래 금액\t비고", "연기금 계정\t1,200 억원\t장내 매수",
                                      CLOSING]
    assert r.metadata["table_pages"] == {"in place": 1}
