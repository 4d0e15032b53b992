"""Test support: PDFs made for the PDF tests, and reading them (``extract_made``).

``glyph_code_pdf`` draws lines with a Type 3 font whose glyphs are bitmaps of the real characters
(rendered with a system font), while the character codes in the content stream are not the
characters: ``shift`` gives Latin text the codes of a font without a Unicode map (``7KH`` for
"The"); for CJK text, codes are handed out in order. The font has no ToUnicode map and its glyph
names mean nothing, so text extractors read codes, and only OCR reads the words.
``glyph_by_glyph_pdf`` draws Korean glyph by glyph with no spaces (``korean_cid_font``, ``korean_glyphs``);
``one_page_pdf`` and ``pdf_bytes`` write a page and a file of given objects.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Callable

import pytest

from extractors import ExtractContext, Extracted, Status, extract_path

EM = 96  # pixels per em in the glyph bitmaps
NANUM = Path("/usr/share/fonts/truetype/nanum/NanumGothic.ttf")
#: Marks a test that draws Korean text with NanumGothic (reportlab).
needs_nanum = pytest.mark.skipif(not NANUM.is_file(), reason=f"Korean font not found at {NANUM} (Debian: fonts-nanum)")


def extract_made(tmp_path: Path, ctx: ExtractContext, build: Callable[..., None], *args: Any,
                 name: str = "made.pdf") -> Extracted:
    """Build a PDF with ``build(path, *args)`` under ``tmp_path``, extract it and check it read ``ok``."""
    path = tmp_path / name
    build(path, *args)
    r = extract_path(path, ctx)
    assert r.status == Status.OK, r.reason
    return r


def glyph_code_pdf(path: Path, lines: list[str], font_file: str, shift: int | None = 29,
                   base_font: str | None = None, size: int = 22) -> None:
    """Write a one-page PDF showing ``lines``; see the module docstring for its text layer."""
    from PIL import Image, ImageDraw, ImageFont

    font = ImageFont.truetype(font_file, int(EM * 0.8))
    codes: dict[str, int] = {}
    for ch in "".join(lines):
        if ch not in codes:
            codes[ch] = (ord(ch) - shift) if shift is not None else 0x21 + len(codes)
    if not all(0 < c < 256 for c in codes.values()):
        raise ValueError("characters out of the one-byte code range")
    objects: list[bytes] = []

    def add(body: bytes) -> int:
        objects.append(body)
        return len(objects)

    procs, widths = {}, {}
    for ch, code in codes.items():
        advance = max(int(font.getlength(ch)), EM // 4)
        img = Image.new("1", (advance, EM), 1)
        ImageDraw.Draw(img).text((0, int(EM * 0.05)), ch, font=font, fill=0)
        data = img.tobytes()
        width = round(advance * 1000 / EM)
        stream = (b"%d 0 0 0 %d 1000 d1 q %d 0 0 1000 0 -200 cm BI /W %d /H %d /IM true /BPC 1 ID "
                  % (width, width, width, advance, EM) + data + b" EI Q")
        procs[code] = add(b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream")
        widths[code] = width
    first, last = min(codes.values()), max(codes.values())
    diffs = b" ".join(b"%d /q%02x" % (c, c) for c in sorted(procs))
    char_procs = b" ".join(b"/q%02x %d 0 R" % (c, n) for c, n in sorted(procs.items()))
    width_list = b" ".join(b"%d" % widths.get(c, 0) for c in range(first, last + 1))
    name = b" /BaseFont /" + base_font.encode() if base_font else b""
    font_obj = add(b"<< /Type /Font /Subtype /Type3" + name + b" /FontBBox [0 -200 1000 800] "
                   b"/FontMatrix [0.001 0 0 0.001 0 0] /CharProcs << " + char_procs + b" >> "
                   b"/Encoding << /Type /Encoding /Differences [" + diffs + b"] >> "
                   b"/FirstChar %d /LastChar %d /Widths [%s] /Resources << >> >>" % (first, last, width_list))
    shown = b" T* ".join(b"<" + bytes(codes[ch] for ch in line).hex().encode() + b"> Tj" for line in lines)
    content = b"BT /F1 %d Tf %d TL 50 780 Td " % (size, int(size * 1.5)) + shown + b" ET"
    content_obj = add(b"<< /Length %d >>\nstream\n" % len(content) + content + b"\nendstream")
    pages_obj = len(objects) + 2
    page_obj = add(b"<< /Type /Page /Parent %d 0 R /MediaBox [0 0 595 842] /Resources << /Font << /F1 %d 0 R >> >> "
                   b"/Contents %d 0 R >>" % (pages_obj, font_obj, content_obj))
    add(b"<< /Type /Pages /Kids [%d 0 R] /Count 1 >>" % page_obj)
    catalog = add(b"<< /Type /Catalog /Pages %d 0 R >>" % pages_obj)
    _write_pdf(path, objects, root=catalog)


def glyph_by_glyph_pdf(path: Path, lines: list[str], gap_em: float, per_glyph_objects: bool = True,
                       size: float = 12.0) -> None:
    """Write a one-page PDF drawing ``lines`` glyph by glyph with no space characters.

    Words are separated only by moving the next glyph ``gap_em`` of the font size to the right
    (``0.15`` is narrower than pdfium's own word-gap threshold for full-width glyphs). The font is
    a non-embedded Korean CID font (``korean_cid_font``), so viewers show it with a system Korean
    font. ``per_glyph_objects`` draws each glyph in its own text object at its own position;
    otherwise each line is one ``TJ`` with the gaps as kerning.
    """
    parts: list[bytes] = []
    y = 780.0
    for line in lines:
        if per_glyph_objects:
            parts += korean_glyphs(line, 50.0, y, size, gap_em)
        else:
            parts.append(b"BT /F1 %g Tf 1 0 0 1 %g %g Tm [" % (size, 50.0, y))
            for number, word in enumerate(line.split(" ")):
                if number:
                    parts.append(b"%d" % round(-gap_em * 1000))
                parts.extend(b"<%s>" % _ucs2(ch) for ch in word)
            parts.append(b"] TJ ET")
        y -= size * 1.6
    one_page_pdf(path, korean_cid_font(), b"\n".join(parts))


def korean_cid_font() -> list[bytes]:
    """The objects of a non-embedded Korean CID font (Adobe-Korea1, ``UniKS-UCS2-H``: codes are UCS-2;
    CIDs 1-95 proportional Latin), numbered from 1; the last is the font."""
    roman = b" ".join(b"500" for _ in range(95))
    return [
        b"<< /Type /FontDescriptor /FontName /NanumGothic /Flags 4 /FontBBox [0 -150 1000 850] "
        b"/ItalicAngle 0 /Ascent 850 /Descent -150 /CapHeight 700 /StemV 80 >>",
        b"<< /Type /Font /Subtype /CIDFontType0 /BaseFont /NanumGothic /CIDSystemInfo << /Registry (Adobe) "
        b"/Ordering (Korea1) /Supplement 2 >> /FontDescriptor 1 0 R /DW 1000 /W [1 [" + roman + b"]] >>",
        b"<< /Type /Font /Subtype /Type0 /BaseFont /NanumGothic /Encoding /UniKS-UCS2-H "
        b"/DescendantFonts [2 0 R] >>",
    ]


def korean_glyphs(text: str, x: float, y: float, size: float, gap_em: float) -> list[bytes]:
    """Content operators drawing ``text`` in ``korean_cid_font`` (``/F1``) glyph by glyph from ``(x, y)``,
    each glyph in its own text object, words ``gap_em`` of the size apart and no space characters."""
    out = []
    for number, word in enumerate(text.split(" ")):
        if number:
            x += gap_em * size
        for ch in word:
            out.append(b"BT /F1 %g Tf 1 0 0 1 %.2f %.2f Tm <%s> Tj ET" % (size, x, y, _ucs2(ch)))
            x += size * (0.5 if ord(ch) < 0x80 else 1.0)
    return out


def _ucs2(ch: str) -> bytes:
    return ord(ch).to_bytes(2, "big").hex().encode()


def one_page_pdf(path: Path, font: list[bytes], content: bytes) -> None:
    """Write an A4 page drawing ``content`` with ``/F1`` the last of the ``font`` objects (numbered from 1)."""
    objects = list(font)
    objects.append(b"<< /Length %d >>\nstream\n" % len(content) + content + b"\nendstream")
    n = len(objects)
    objects.append(b"<< /Type /Page /Parent %d 0 R /MediaBox [0 0 595 842] /Resources << /Font << /F1 %d 0 R >> >> "
                   b"/Contents %d 0 R >>" % (n + 2, len(font), n))
    objects.append(b"<< /Type /Pages /Kids [%d 0 R] /Count 1 >>" % (n + 1))
    objects.append(b"<< /Type /Catalog /Pages %d 0 R >>" % (n + 2))
    _write_pdf(path, objects, root=n + 3)


def _write_pdf(path: Path, objects: list[bytes], root: int) -> None:
    """Objects numbered from 1, a cross-reference table and a trailer naming ``root``."""
    path.write_bytes(pdf_bytes(objects, root))


def pdf_bytes(objects: list[bytes], root: int) -> bytes:
    """The bytes of a PDF of ``objects`` (numbered from 1) whose trailer names ``root``."""
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % o for o in offsets)
    out += b"trailer\n<< /Size %d /Root %d 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, root, xref)
    return bytes(out)


def corpus_pages(corpus: Path):
    """Every page of every PDF of the corpus that pdfium opens: ``(path, page number from 0, page)``."""
    import pypdfium2 as pdfium

    for path in sorted(corpus.rglob("*.pdf")):
        try:
            document = pdfium.PdfDocument(str(path))
        except pdfium.PdfiumError:
            continue
        with document:
            for number in range(len(document)):
                yield path, number, document[number]
