"""Test support: PDFs whose text renders correctly but whose text layer is not Unicode.

``glyph_code_pdf`` draws lines with a Type 3 font whose glyphs are bitmaps of the real characters
(rendered with a system font), while the character codes in the content stream are not the
characters: ``shift`` gives Latin text the codes of a font without a Unicode map (``7KH`` for
"The"); for CJK text, codes are handed out in order. The font has no ToUnicode map and its glyph
names mean nothing, so text extractors read codes, and only OCR reads the words.
"""

from __future__ import annotations

from pathlib import Path

EM = 96  # pixels per em in the glyph bitmaps


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
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % o for o in offsets)
    out += b"trailer\n<< /Size %d /Root %d 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, catalog, xref)
    path.write_bytes(bytes(out))
