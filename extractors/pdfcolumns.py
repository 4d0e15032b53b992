"""Tables without ruling lines on a PDF page: rows of text whose cells line up in columns.

pdfium splits a page's text into rectangles, one per text object and line (``FPDFText_CountRects``:
one call; then one call per rectangle). Rectangles are grouped into lines; on a line, rectangles
closer than ``CELL_GAP`` line heights are one cell. A table is a run of at least ``MIN_ROWS``
consecutive lines of at least two cells each, with at least ``MIN_COLUMNS - 1`` vertical white
corridors (at least ``MIN_CORRIDOR`` line heights wide) that no text of the run crosses: the columns
lie between the corridors. The cells of each column must also line up (left edges, right edges or
centres within ``ALIGN`` points in most rows), which prose whose word gaps happen to leave a corridor
does not. Each cell's text is pdfium's text inside the cell's column on its line.

Cost: on pages without a ruled table only; the rectangles cost one call each, the lines are grouped
with numpy, and a page stops there unless two of its lines have ``MIN_COLUMNS`` cells.

Two columns are not enough (a two-column article would pass), so a table needs ``MIN_COLUMNS``;
a page of more than ``MAX_RECTS`` rectangles (text drawn glyph by glyph) is not looked at.
"""

from __future__ import annotations

import ctypes
from typing import Any

import numpy as np

from extractors.pdfobjects import page_handle, pdfium_api
from extractors.pdftables import Box, FoundTable, Reader, read_all, region_reader

#: A table needs this many rows and columns.
MIN_ROWS = 3
MIN_COLUMNS = 3
#: Rectangles on one line closer than this many line heights are one cell.
CELL_GAP = 1.0
#: A corridor between columns is at least this many line heights wide.
MIN_CORRIDOR = 1.0
#: Pages with more text rectangles than this are left alone.
MAX_RECTS = 3000
#: Rectangles at least this share of the page's median rectangle height set the lines.
TALL = 0.6
#: Cell text is read this far beyond the line's rectangles (points).
PAD = 1.0
#: Cells of one column line up when their left edges, right edges or centres are this close (points)…
ALIGN = 2.5
#: …in this share of the rows that fill the column.
ALIGNED_SHARE = 2 / 3


def aligned_tables(textpage: Any, read: Reader | None = None) -> list[FoundTable]:
    """The tables of aligned columns on the page of ``textpage``, top to bottom (cell texts from
    ``textpage``, or from ``read``)."""
    rects = text_rects(textpage)
    if len(rects) < MIN_ROWS * 2:
        return []
    lines = _lines(rects)
    found: list[FoundTable] = []
    start = 0
    while start < len(lines):
        end, corridors = _run(lines, start)
        if end - start >= MIN_ROWS and len(corridors) >= MIN_COLUMNS - 1:
            table = _read(read or region_reader(textpage), lines[start:end], corridors)
            if table is not None:
                found.append(table)
            start = end
        else:
            start += 1
    return found


def text_rects(textpage: Any) -> np.ndarray:
    """pdfium's text rectangles of the page (one per text object and line) as an ``n × 4`` array of
    ``left, bottom, right, top``; none over ``MAX_RECTS``."""
    api = pdfium_api()
    handle = page_handle(textpage)
    n = api.count_rects(handle, 0, -1)
    if n <= 0 or n > MAX_RECTS:
        return np.empty((0, 4))
    native = _native_rects()
    if native is not None:  # one call into the census library
        rects = np.zeros((n, 4))
        native[0](native[1], handle, n, rects.ctypes.data)
    else:
        buffer = (ctypes.c_double * (4 * n))()
        slot, get_rect = ctypes.addressof(buffer), api.get_rect
        for k in range(n):  # FPDFText_GetRect(left, top, right, bottom)
            if not get_rect(handle, k, slot, slot + 24, slot + 16, slot + 8):
                ctypes.memset(slot, 0, 32)
            slot += 32
        rects = np.frombuffer(buffer, dtype=float).reshape(n, 4)
    return rects[(rects[:, 2] > rects[:, 0]) & (rects[:, 3] > rects[:, 1])]


def _native_rects() -> tuple[Any, int] | None:
    """``evx_rects`` of the C library and the address of ``FPDFText_GetRect``, or None without it."""
    from extractors.pdfobjects import _functions, native_function

    vp = ctypes.c_void_p
    fn = native_function("evx_rects", None, [vp, vp, ctypes.c_int, vp])
    return (fn, _functions("FPDFText_GetRect")[0]) if fn is not None else None


class _Line:
    """One line of text: its cells (merged rectangles, left to right) and its height band."""

    def __init__(self, bottom: float, top: float, height: float, cells: list[tuple[float, float]]) -> None:
        self.bottom, self.top, self.height, self.cells = bottom, top, height, cells

    def gaps(self) -> list[tuple[float, float]]:
        """The white intervals between this line's cells."""
        return [(a[1], b[0]) for a, b in zip(self.cells, self.cells[1:])]


def _lines(rects: np.ndarray) -> list[_Line]:
    """Rectangles grouped into lines, top to bottom, or none when no two lines have ``MIN_COLUMNS``
    cells (no table can be there). Rectangles of at least ``TALL`` of the median height set the
    lines' bands; every rectangle (a comma, a quotation mark too) joins the band that holds its
    vertical centre. On a line, rectangles less than ``CELL_GAP`` line heights apart are one cell."""
    left, bottom, right, top = rects[:, 0], rects[:, 1], rects[:, 2], rects[:, 3]
    height, middle = top - bottom, (top + bottom) / 2
    tall = np.flatnonzero(height >= TALL * np.median(height))
    tall = tall[np.argsort(-middle[tall], kind="stable")]
    band_bottom: list[float] = []
    band_top: list[float] = []
    for b, t, m in zip(bottom[tall].tolist(), top[tall].tolist(), middle[tall].tolist()):
        if band_bottom and m >= band_bottom[-1]:  # centre inside the band above: the same line
            band_top[-1] = max(band_top[-1], t)
        else:
            band_bottom.append(b)
            band_top.append(t)
    lows = -np.asarray(band_bottom)  # increasing
    at = np.searchsorted(lows, -middle)  # first band whose bottom is at or below the centre
    inside = at < len(lows)
    at = np.where(inside, at, 0)
    inside &= middle <= np.asarray(band_top)[at]
    line = np.where(inside, at, len(lows) + np.arange(len(rects)))  # outside every band: a line of its own
    order = np.lexsort((left, line))
    line, left, right = line[order], left[order], right[order]
    bottom, top = bottom[order], top[order]
    new_line = np.r_[True, line[1:] != line[:-1]]
    starts = np.flatnonzero(new_line)
    line_height = np.maximum(np.maximum.reduceat(top - bottom, starts), 1.0)
    index = np.cumsum(new_line) - 1
    offset = index * 1.0e6  # keeps the running maximum of right edges inside each line
    reach = np.maximum.accumulate(right + offset) - offset
    new_cell = new_line | (left - np.r_[0.0, reach[:-1]] >= CELL_GAP * line_height[index])
    cell_lines = index[new_cell]
    if np.count_nonzero(np.bincount(cell_lines) >= MIN_COLUMNS) < 2:
        return []
    cell_starts = np.flatnonzero(new_cell)
    cell_left = left[cell_starts]
    cell_right = np.r_[reach[cell_starts[1:] - 1], reach[-1]]
    line_bottom = np.minimum.reduceat(bottom, starts)
    line_top = np.maximum.reduceat(top, starts)
    cells: list[list[tuple[float, float]]] = [[] for _ in starts]
    for k, a, b in zip(cell_lines.tolist(), cell_left.tolist(), cell_right.tolist()):
        cells[k].append((a, b))
    lines = [_Line(b, t, h, c) for b, t, h, c in
             zip(line_bottom.tolist(), line_top.tolist(), line_height.tolist(), cells)]
    lines.sort(key=lambda ln: -(ln.bottom + ln.top))
    return lines


def _run(lines: list[_Line], start: int) -> tuple[int, list[tuple[float, float]]]:
    """The end of the run of lines from ``start`` whose white corridors stay at least
    ``MIN_COLUMNS - 1``, and those corridors."""
    first = lines[start]
    corridors = [g for g in first.gaps() if g[1] - g[0] >= MIN_CORRIDOR * first.height]
    if len(corridors) < MIN_COLUMNS - 1:
        return start + 1, corridors
    end = start + 1
    while end < len(lines):
        line = lines[end]
        if len(line.cells) < 2 or line.top < lines[end - 1].bottom - 3 * line.height:  # prose, or a wide gap
            break
        narrowed = _narrow(corridors, line, MIN_CORRIDOR * min(first.height, line.height))
        if len(narrowed) < MIN_COLUMNS - 1:
            break
        corridors = narrowed
        end += 1
    return end, corridors


def _narrow(corridors: list[tuple[float, float]], line: _Line, width: float) -> list[tuple[float, float]]:
    """The parts of ``corridors`` that no cell of ``line`` covers, at least ``width`` wide."""
    out: list[tuple[float, float]] = []
    for lo, hi in corridors:
        pieces = [(lo, hi)]
        for left, right in line.cells:
            pieces = [p for a, b in pieces for p in ((a, min(b, left)), (max(a, right), b)) if p[1] > p[0]]
        out.extend(p for p in pieces if p[1] - p[0] >= width)
    return out


def _read(read: Reader, lines: list[_Line], corridors: list[tuple[float, float]]) -> FoundTable | None:
    """The table of ``lines`` with columns between ``corridors``; None unless its cells line up
    (``_aligned``)."""
    left = min(line.cells[0][0] for line in lines) - PAD
    right = max(line.cells[-1][1] for line in lines) + PAD
    edges = [left, *((lo + hi) / 2 for lo, hi in sorted(corridors)), right]
    if not _aligned(lines, edges):
        return None
    columns = list(zip(edges, edges[1:]))
    texts = iter(read_all(read, [(x0, line.bottom - PAD, x1, line.top + PAD) for line in lines for x0, x1 in columns]))
    rows: list[tuple[str, ...]] = [tuple(" ".join(next(texts).split()) for _ in columns) for _ in lines]
    keep = [c for c in range(len(edges) - 1) if any(row[c] for row in rows)]
    if len(keep) < MIN_COLUMNS:
        return None
    rows = [tuple(row[c] for c in keep) for row in rows]
    return FoundTable(Box(left, min(line.bottom for line in lines) - PAD, right,
                          max(line.top for line in lines) + PAD), tuple(rows))


def _aligned(lines: list[_Line], edges: list[float]) -> bool:
    """Every row fills at least 2 columns and most rows ``MIN_COLUMNS``; in every column, the cells of
    at least ``ALIGNED_SHARE`` of the rows that fill it share a left edge, a right edge or a centre
    (within ``ALIGN`` points). Prose whose word gaps happen to line up fails here: its words do not."""
    n = len(edges) - 1
    columns: list[list[tuple[float, float]]] = [[] for _ in range(n)]
    wide = 0
    for line in lines:
        spans: dict[int, list[float]] = {}
        for a, b in line.cells:
            c = max(0, min(n - 1, sum(1 for e in edges[1:-1] if e < (a + b) / 2)))
            span = spans.setdefault(c, [a, b])
            span[0], span[1] = min(span[0], a), max(span[1], b)
        if len(spans) < 2:
            return False
        wide += len(spans) >= MIN_COLUMNS
        for c, (a, b) in spans.items():
            columns[c].append((a, b))
    if 2 * wide < len(lines):
        return False
    for cells in columns:
        if len(cells) < 2:
            return False
        need = max(2, ALIGNED_SHARE * len(cells))
        if max(_cluster([a for a, _ in cells]), _cluster([b for _, b in cells]),
               _cluster([(a + b) / 2 for a, b in cells])) < need:
            return False
    return True


def _cluster(values: list[float]) -> int:
    """The most of ``values`` within ``ALIGN`` of one another."""
    values = sorted(values)
    best = start = 0
    for end, v in enumerate(values):
        while v - values[start] > ALIGN:
            start += 1
        best = max(best, end - start + 1)
    return best
