"""The census report for the file: a PDF (reportlab) with the totals, the two bar charts, the overlap tables and one
line per file, and a PNG of its first page (rendered with pypdfium2). Built from ``CensusReport.as_dict()``.

Korean text needs a font with Hangul: the first of ``FONT_FILES`` found is embedded (subset); without one, the PDF
names the standard Korean CID font (``HYGothic-Medium``), which PDF readers supply.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from evidex.census.charts import PALETTE, agency_series, types_series

FONT_FILES = ("/usr/share/fonts/truetype/nanum/NanumGothic.ttf",
              "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
              "/usr/share/fonts/truetype/noto/NotoSansKR-Regular.ttf",
              "/usr/share/fonts/truetype/unfonts-core/UnDotum.ttf")
MAX_TABLE_ROWS = 40
"""Overlap and file tables are cut after this many rows in the PDF (the JSON report has them all)."""
_MARGIN = 40.0
_font_name: str | None = None


def _font() -> str:
    global _font_name
    if _font_name is None:
        from reportlab.pdfbase import pdfmetrics
        from reportlab.pdfbase.cidfonts import UnicodeCIDFont
        from reportlab.pdfbase.ttfonts import TTFont

        for path in FONT_FILES:
            if Path(path).is_file():
                try:
                    pdfmetrics.registerFont(TTFont("EvidexKR", path))
                    _font_name = "EvidexKR"
                    break
                except Exception:  # noqa: BLE001 - an unreadable font file: try the next, then the CID font
                    continue
        if _font_name is None:
            pdfmetrics.registerFont(UnicodeCIDFont("HYGothic-Medium"))
            _font_name = "HYGothic-Medium"
    return _font_name


class _Page:
    """A top-down cursor over A4 pages."""

    def __init__(self, canvas: Any, width: float, height: float) -> None:
        self.c, self.width, self.height = canvas, width, height
        self.y = height - _MARGIN
        self.font = _font()

    def need(self, space: float) -> None:
        if self.y - space < _MARGIN:
            self.c.showPage()
            self.y = self.height - _MARGIN

    def text(self, value: str, size: float = 10, x: float = _MARGIN, gap: float = 4) -> None:
        self.need(size + gap)
        self.c.setFont(self.font, size)
        self.c.setFillColorRGB(0, 0, 0)
        self.c.drawString(x, self.y - size, value)
        self.y -= size + gap

    def table(self, header: list[str], rows: list[list[str]], widths: list[float]) -> None:
        for i, row in enumerate([header, *rows]):
            self.need(14)
            self.c.setFont(self.font, 8.5)
            if i == 0:
                self.c.setFillColorRGB(0.92, 0.92, 0.92)
                self.c.rect(_MARGIN, self.y - 12, sum(widths), 13, stroke=0, fill=1)
            self.c.setFillColorRGB(0, 0, 0)
            x = _MARGIN
            for cell, width in zip(row, widths):
                text = cell if self.c.stringWidth(cell, self.font, 8.5) < width - 4 else cell[: int(width / 5)] + "…"
                self.c.drawString(x + 2, self.y - 9, text)
                x += width
            self.y -= 13
        self.y -= 8

    def bars(self, title: str, rows: list[tuple[str, list[tuple[str, int]]]], legend: list[str]) -> None:
        self.text(title, 11, gap=6)
        self.need(16)
        for i, name in enumerate(legend):
            colour = PALETTE[i % len(PALETTE)]
            self.c.setFillColor(_rgb(colour))
            self.c.rect(_MARGIN + i * 120, self.y - 9, 8, 8, stroke=0, fill=1)
            self.c.setFillColorRGB(0, 0, 0)
            self.c.setFont(self.font, 8.5)
            self.c.drawString(_MARGIN + i * 120 + 11, self.y - 8, name)
        self.y -= 16
        peak = max([v for _, series in rows for _, v in series] + [1])
        left, span = _MARGIN + 90, self.width - 2 * _MARGIN - 150
        for label, series in rows:
            self.need(len(series) * 11 + 6)
            self.c.setFont(self.font, 9)
            self.c.setFillColorRGB(0, 0, 0)
            self.c.drawRightString(left - 6, self.y - len(series) * 11 / 2 - 3, label)
            for name, value in series:
                self.c.setFillColor(_rgb(PALETTE[(legend.index(name) if name in legend else 0) % len(PALETTE)]))
                width = max(1.0, span * value / peak) if value else 0.0
                self.c.rect(left, self.y - 9, width, 8, stroke=0, fill=1)
                self.c.setFillColorRGB(0, 0, 0)
                self.c.setFont(self.font, 8)
                self.c.drawString(left + width + 4, self.y - 8, f"{value:,}")
                self.y -= 11
            self.y -= 6
        self.y -= 6


def _rgb(hex_colour: str) -> Any:
    from reportlab.lib.colors import HexColor

    return HexColor(hex_colour)


def _scope_line(report: dict[str, Any]) -> str:
    scope = report.get("scope", {})
    parts = [f"{k}: {v}" for k, v in scope.items() if v]
    return " · ".join(parts) or "-"


def _overlap_rows(items: list[dict[str, Any]]) -> list[list[str]]:
    ranked = sorted(items, key=lambda o: -o["shared"])
    return [[o["label"], o["a"], o["b"], f"{o['shared']:,}"] for o in ranked[:MAX_TABLE_ROWS]]


def report_pdf(report: dict[str, Any], *, title: str = "Leak census", now: Callable[[], datetime] | None = None
               ) -> bytes:
    """The report as a PDF document (bytes)."""
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfgen.canvas import Canvas

    out = io.BytesIO()
    canvas = Canvas(out, pagesize=A4, pageCompression=1)
    canvas.setTitle(title)
    canvas.setAuthor("Evidex")
    page = _Page(canvas, *A4)
    stamp = (now or (lambda: datetime.now(timezone.utc)))().strftime("%Y-%m-%d %H:%M UTC")
    page.text(title, 16, gap=6)
    page.text(_scope_line(report), 9)
    page.text(f"{report.get('rows', 0):,} rows scanned in {len(report.get('files', []))} file(s), "
              f"{report.get('rows_with_pii', 0):,} with personal data · made {stamp}", 9, gap=10)
    labels = sorted(set(report.get("distinct", {})) | set(report.get("invalid", {})))
    page.table(["type", "distinct people", "values", "invalid", "in several files"],
               [[label, f"{report.get('distinct', {}).get(label, 0):,}", f"{report.get('values', {}).get(label, 0):,}",
                 f"{report.get('invalid', {}).get(label, 0):,}", f"{report.get('in_several_files', {}).get(label, 0):,}"]
                for label in labels], [110, 100, 100, 90, 100])
    page.bars("Distinct people, values and invalid values per identifier type", types_series(report),
              ["distinct people", "values", "invalid"])
    rows, agencies = agency_series(report)
    page.bars("Distinct people per identifier type in each agency's batches", rows, agencies)
    for heading, key in (("Overlap between files (people in both)", "file_overlap"),
                         ("Overlap between agencies' batches (people in both)", "agency_overlap")):
        page.text(heading, 11, gap=6)
        found = report.get(key, [])
        page.table(["type", "a", "b", "shared"], _overlap_rows(found) or [["-", "-", "-", "0"]], [80, 190, 190, 55])
        if len(found) > MAX_TABLE_ROWS:
            page.text(f"… {len(found) - MAX_TABLE_ROWS:,} more pairs in the JSON report", 8)
    page.text("Files", 11, gap=6)
    files = report.get("files", [])
    page.table(["file", "agency", "batch", "rows", "with data", "distinct"],
               [[f["name"], f.get("agency") or "-", f.get("batch_id") or "-", f"{f['rows']:,}",
                 f"{f['rows_with_pii']:,}", ", ".join(f"{k} {v:,}" for k, v in f.get("distinct", {}).items())]
                for f in files[:MAX_TABLE_ROWS]], [150, 55, 70, 50, 50, 140])
    canvas.showPage()
    canvas.save()
    return out.getvalue()


def report_png(report: dict[str, Any], *, scale: float = 1.5) -> bytes:
    """The first page of ``report_pdf`` as a PNG image (bytes)."""
    import pypdfium2

    document = pypdfium2.PdfDocument(report_pdf(report))
    try:
        image = document[0].render(scale=scale).to_pil()
    finally:
        document.close()
    out = io.BytesIO()
    image.save(out, format="PNG", optimize=True)
    return out.getvalue()
