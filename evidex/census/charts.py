"""The census report's figures as plain SVG (no script, no remote font): bars per identifier type, and distinct people
per type for each agency. Built from the report's JSON form (``CensusReport.as_dict()``); every text is escaped."""

from __future__ import annotations

from typing import Any
from xml.sax.saxutils import escape

KINDS = ("types", "agencies")
PALETTE = ("#2f6db5", "#d9822b", "#b23b3b", "#3a9a5b", "#7b5cb8", "#8a6d3b", "#2a8c8c", "#666666")
_WIDTH = 720
_BAR = 18
_GAP = 10
_LEFT = 150
_FONT = "font-family=\"'Noto Sans KR','Nanum Gothic','Malgun Gothic',sans-serif\" font-size=\"12\""


def _bars(title: str, rows: list[tuple[str, list[tuple[str, int]]]], legend: list[str]) -> str:
    """Horizontal grouped bars: ``rows`` of (label, [(series, value) …]); one colour per series."""
    top = 46 if legend else 30
    height = top + sum(len(series) * _BAR + _GAP for _, series in rows) + 20
    peak = max([v for _, series in rows for _, v in series] + [1])
    span = _WIDTH - _LEFT - 90
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{_WIDTH}" height="{height}" '
             f'viewBox="0 0 {_WIDTH} {height}" role="img" aria-label="{escape(title)}">',
             f'<rect width="{_WIDTH}" height="{height}" fill="#ffffff"/>',
             f'<text x="10" y="20" {_FONT} font-weight="bold">{escape(title)}</text>']
    for i, name in enumerate(legend):
        x = 10 + i * 170
        parts.append(f'<rect x="{x}" y="28" width="12" height="12" fill="{PALETTE[i % len(PALETTE)]}"/>'
                     f'<text x="{x + 16}" y="38" {_FONT}>{escape(name)}</text>')
    y = top
    for label, series in rows:
        parts.append(f'<text x="{_LEFT - 8}" y="{y + _BAR * len(series) / 2 + 4:.0f}" text-anchor="end" {_FONT}>'
                     f'{escape(label)}</text>')
        for name, value in series:
            colour = PALETTE[(legend.index(name) if name in legend else 0) % len(PALETTE)]
            width = max(1.0, span * value / peak) if value else 0.0
            parts.append(f'<rect x="{_LEFT}" y="{y}" width="{width:.1f}" height="{_BAR - 3}" fill="{colour}">'
                         f'<title>{escape(label)} {escape(name)}: {value:,}</title></rect>'
                         f'<text x="{_LEFT + width + 5:.1f}" y="{y + _BAR - 6}" {_FONT}>{value:,}</text>')
            y += _BAR
        y += _GAP
    if not rows:
        parts.append(f'<text x="10" y="{top + 10}" {_FONT}>-</text>')
    parts.append("</svg>")
    return "".join(parts)


def types_series(report: dict[str, Any]) -> list[tuple[str, list[tuple[str, int]]]]:
    """Per identifier type: distinct people, values seen, invalid values."""
    labels = sorted(set(report.get("distinct", {})) | set(report.get("invalid", {})))
    return [(label, [("distinct people", report["distinct"].get(label, 0)),
                     ("values", report.get("values", {}).get(label, 0)),
                     ("invalid", report.get("invalid", {}).get(label, 0))]) for label in labels]


def agency_series(report: dict[str, Any]) -> tuple[list[tuple[str, list[tuple[str, int]]]], list[str]]:
    """Per identifier type, distinct people in each agency's batches; and the agencies (the legend)."""
    by_agency: dict[str, dict[str, int]] = report.get("distinct_by_agency", {})
    agencies = sorted(by_agency)
    labels = sorted({label for counts in by_agency.values() for label in counts})
    return [(label, [(a, by_agency[a].get(label, 0)) for a in agencies]) for label in labels], agencies


def report_svg(report: dict[str, Any], kind: str = "types") -> str:
    """One figure of the report: ``types`` (bars per identifier type) or ``agencies`` (people per agency)."""
    if kind == "types":
        return _bars("Distinct people, values and invalid values per identifier type", types_series(report),
                     ["distinct people", "values", "invalid"])
    if kind == "agencies":
        rows, agencies = agency_series(report)
        return _bars("Distinct people per identifier type in each agency's batches", rows, agencies)
    raise ValueError(f"unknown chart {kind!r}; known charts: {', '.join(KINDS)}")
