"""Ruled tables of a PDF page, found from its path objects with pypdfium2.

Thin path objects (hairline rectangles, stroked segments) and the edges of rectangle paths become
horizontal and vertical rules; rules on one line within ``SNAP`` points are merged, and rules that
cross form a grid. The grid's distinct rule positions give the atomic cells; where an inner rule is
missing between two neighbours they are one merged cell. Each cell's text is pdfium's text inside
it (``FPDFText_GetBoundedText``), its lines joined by spaces.

Cost: a census of the page's object types first (``extractors.pdfobjects``, shared with the picture search;
it also reads each path's bounds); a page with fewer than ``MIN_RULES`` paths, or a drawing of more than
``MAX_PAGE_OBJECTS`` objects, stops there. Thin paths are rules by their bounds; only paths neither thin nor
small are walked segment by segment. With the C library built by ``scripts/setup.sh`` a page's rules, grids and
cells come from its census in one call (``native/ruled.c``; the numpy and Python here are the fallback and the
reference) and all the cells of its tables are read in one pass over its characters (``NativeText.texts``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from extractors.pdfgrid import (Grid, Reader, native_cells, native_grids, native_merge_rules, native_page_grids,
                                read_all, region_reader)
from extractors.pdfobjects import PageObjects, _Pdfium, census, native_paths, pdfium_api

__all__ = ["Box", "FoundTable", "Reader", "find_tables", "read_all", "region_reader"]

#: Rules whose positions differ by at most this many points are one line.
SNAP = 2.0
#: A path thinner than this (points) in one direction is a rule, when at least ``MIN_LENGTH`` long.
THIN = 3.0
MIN_LENGTH = 6.0
#: Collinear rules with gaps up to this are one rule (dashed lines, cell borders drawn piecewise).
JOIN = 3.0
#: A page needs this many rules to be looked at further; a grid needs 2 rows of rules and 2 columns.
MIN_RULES = 4
#: Paths with more segments than this are not walked (hatching, charts, drawings).
MAX_SEGMENTS = 4000
#: A page with more objects than this is a drawing (a map, a plan, a chart): its rules are not looked for.
MAX_PAGE_OBJECTS = 20_000
#: Cell text is read this far inside the rules, so glyphs touching a rule stay in their own cell.
INSET = 1.0
#: A grid of more cells than this (rules across less one times rules down less one) is hatching, not a table.
MAX_GRID_CELLS = 1_000_000



@dataclass(frozen=True)
class Box:
    """A rectangle in page space (points, y up)."""

    left: float
    bottom: float
    right: float
    top: float


@dataclass(frozen=True)
class FoundTable:
    """One ruled table: its outline and rows of cell texts (a merged cell's text in its first
    row and column, empty strings in the positions it covers)."""

    box: Box
    rows: tuple[tuple[str, ...], ...]


def page_rules(page: Any, max_objects: int = MAX_PAGE_OBJECTS) -> tuple[list[tuple[float, float, float]],
                                                                       list[tuple[float, float, float]], int]:
    """Horizontal rules ``(y, x0, x1)`` and vertical rules ``(x, y0, y1)`` drawn on ``page``, and how many
    objects were looked at."""
    return rules_of(census(page, max_objects, measure=True))


def rules_of(objects: PageObjects) -> tuple[list[tuple[float, float, float]],
                                           list[tuple[float, float, float]], int]:
    """The rules among a page's census and how many objects it saw. The cheap pre-check: a page with fewer
    than ``MIN_RULES`` path objects (or a drawing over the census's limit) has none."""
    horizontal: list[tuple[float, float, float]] = []
    vertical: list[tuple[float, float, float]] = []
    if len(objects.paths) >= MIN_RULES:
        _rules(pdfium_api(), objects, horizontal, vertical)
    return horizontal, vertical, objects.seen


def _rules(api: _Pdfium, objects: PageObjects, horizontal: list, vertical: list) -> None:
    """Thin paths as rules; the axis-aligned edges of larger ones (``_path_edges``). Bounds from the
    census when it measured them, else read here; classified with numpy."""
    box = objects.path_bounds
    if box is None:
        box = np.empty((len(objects.paths), 4))
        bounds, floats = api.bounds, api.floats
        s0, s1, s2, s3 = api.slots[:4]
        for k, obj in enumerate(objects.paths):
            bounds(obj, s0, s1, s2, s3)
            box[k] = floats[0:4]
    left, bottom, right, top = box[:, 0], box[:, 1], box[:, 2], box[:, 3]
    with np.errstate(invalid="ignore", over="ignore"):  # a hostile page's infinite or NaN bounds
        width, height = right - left, top - bottom
        flat, narrow = height <= THIN, width <= THIN
        h = flat & (width >= MIN_LENGTH) & np.isfinite(bottom + top)  # reversed infinite bounds: no position
        v = ~flat & narrow & (height >= MIN_LENGTH) & np.isfinite(left + right)
    horizontal.extend(zip(((bottom[h] + top[h]) / 2).tolist(), left[h].tolist(), right[h].tolist()))
    vertical.extend(zip(((left[v] + right[v]) / 2).tolist(), bottom[v].tolist(), top[v].tolist()))
    paths = objects.paths
    native = native_paths(MAX_SEGMENTS, SNAP / 2, MIN_LENGTH)
    for k in np.flatnonzero(~flat & ~narrow & ((width >= MIN_LENGTH) | (height >= MIN_LENGTH))).tolist():
        if native is not None:
            native.edges(paths[k], horizontal, vertical)
        else:
            _path_edges(api, paths[k], horizontal, vertical)


def _path_edges(api: _Pdfium, obj: int, horizontal: list, vertical: list) -> None:
    """Axis-aligned straight segments of a larger path (a stroked or filled box, a drawn grid); a path
    with a curve in it (a glyph, a bullet, a rounded box) gives none and is left at its first curve."""
    n = api.segments(obj)
    if n < 2 or n > MAX_SEGMENTS:
        return
    floats = api.floats
    s0, s1 = api.slots[:2]
    if not api.matrix(obj, api.slots[0]):
        return
    a, b, c, d, e, f = floats[0:6]
    lineto, moveto = api.lineto, api.moveto
    h0, v0 = len(horizontal), len(vertical)
    start = prev = None
    for k in range(n):
        seg = api.segment(obj, k)
        kind = api.segment_type(seg) if seg else -1
        if kind != moveto and kind != lineto:  # a curve (or an unreadable segment): not a ruled path
            del horizontal[h0:], vertical[v0:]
            return
        if not api.point(seg, s0, s1):
            return
        x, y = floats[0], floats[1]
        point = (a * x + c * y + e, b * x + d * y + f)
        if kind == lineto and prev is not None:
            _add_segment(prev, point, horizontal, vertical)
        if kind == moveto:
            start = point
        prev = point
        if api.close(seg) and prev is not None and start is not None:
            _add_segment(prev, start, horizontal, vertical)
            prev = start


def _add_segment(p: tuple[float, float], q: tuple[float, float], horizontal: list, vertical: list) -> None:
    (x0, y0), (x1, y1) = p, q
    if abs(y1 - y0) <= SNAP / 2 and abs(x1 - x0) >= MIN_LENGTH:
        horizontal.append(((y0 + y1) / 2, min(x0, x1), max(x0, x1)))
    elif abs(x1 - x0) <= SNAP / 2 and abs(y1 - y0) >= MIN_LENGTH:
        vertical.append(((x0 + x1) / 2, min(y0, y1), max(y0, y1)))


def merge_rules(rules: list[tuple[float, float, float]]) -> np.ndarray:
    """Rules ``(position, start, end)`` snapped to common positions and joined where they touch;
    an ``n × 3`` array sorted by position (in C when the library is built: ``extractors.pdfgrid``)."""
    if (found := native_merge_rules(rules, SNAP, JOIN)) is not None:
        return found
    return python_merge_rules(rules)


def python_merge_rules(rules: list[tuple[float, float, float]]) -> np.ndarray:
    """:func:`merge_rules` in Python (what the C follows)."""
    merged: list[tuple[float, float, float]] = []
    line: list[tuple[float, float, float]] = []
    for rule in sorted(rules):
        if line and rule[0] - line[0][0] > SNAP:
            _join(line, merged)
            line = []
        line.append(rule)
    if line:
        _join(line, merged)
    return np.array(merged, dtype=float).reshape(-1, 3)


def _join(line: list[tuple[float, float, float]], out: list[tuple[float, float, float]]) -> None:
    """Append the rules of one line, overlapping or nearly touching ones joined, to ``out``."""
    position = sum(r[0] for r in line) / len(line)
    line.sort(key=lambda r: r[1])
    start, end = line[0][1], line[0][2]
    for _, s, e in line[1:]:
        if s <= end + JOIN:
            end = max(end, e)
        else:
            out.append((position, start, end))
            start, end = s, e
    out.append((position, start, end))


def grids(horizontal: np.ndarray, vertical: np.ndarray) -> list[tuple[np.ndarray, np.ndarray]]:
    """Groups of crossing rules (horizontal rows, vertical rows) with at least 2 of each (in C when the
    library is built: ``extractors.pdfgrid``)."""
    if len(horizontal) < 2 or len(vertical) < 2:
        return []
    if (found := native_grids(horizontal, vertical, SNAP)) is not None:
        return found
    return python_grids(horizontal, vertical)


def python_grids(horizontal: np.ndarray, vertical: np.ndarray) -> list[tuple[np.ndarray, np.ndarray]]:
    """:func:`grids` in numpy and Python (what the C follows)."""
    hy, hx0, hx1 = horizontal[:, 0:1], horizontal[:, 1:2], horizontal[:, 2:3]
    vx, vy0, vy1 = vertical[:, 0], vertical[:, 1], vertical[:, 2]
    cross = ((vx >= hx0 - SNAP) & (vx <= hx1 + SNAP) & (hy >= vy0 - SNAP) & (hy <= vy1 + SNAP))
    n_h = len(horizontal)
    parent = list(range(n_h + len(vertical)))

    def root(k: int) -> int:
        while parent[k] != k:
            parent[k] = parent[parent[k]]
            k = parent[k]
        return k

    for i, j in zip(*np.nonzero(cross)):
        a, b = root(int(i)), root(n_h + int(j))
        if a != b:
            parent[a] = b
    groups: dict[int, tuple[list[int], list[int]]] = {}
    for k in range(len(parent)):
        hs, vs = groups.setdefault(root(k), ([], []))
        (hs if k < n_h else vs).append(k if k < n_h else k - n_h)
    return [(horizontal[hs], vertical[vs]) for hs, vs in groups.values() if len(hs) >= 2 and len(vs) >= 2]


def _positions(values: np.ndarray) -> list[float]:
    """Distinct positions of ``values`` (sorted), those within ``SNAP`` taken as one."""
    out: list[float] = []
    for v in np.sort(values).tolist():
        if not out or v - out[-1] > SNAP:
            out.append(v)
    return out


def _present(rules: np.ndarray, positions: list[float], spans: list[float]) -> np.ndarray:
    """``present[i, j]``: a rule at ``positions[i]`` runs over the middle of span ``j``
    (between ``spans[j]`` and ``spans[j + 1]``, in either order)."""
    lo = np.minimum(spans[:-1], spans[1:])
    hi = np.maximum(spans[:-1], spans[1:])
    margin = np.minimum(JOIN, (hi - lo) / 4)
    pos = np.asarray(positions)[:, None, None]
    near = np.abs(rules[None, None, :, 0] - pos) <= SNAP
    runs = ((rules[None, None, :, 1] <= (lo + margin)[None, :, None])
            & (rules[None, None, :, 2] >= (hi - margin)[None, :, None]))
    return np.any(near & runs, axis=2)


def cells(horizontal: np.ndarray, vertical: np.ndarray) -> tuple[list[float], list[float],
                                                                  list[tuple[int, int, int, int]]]:
    """Column edges (left to right), row edges (top to bottom) and the cells of one grid as
    ``(row, col, last_row, last_col)``; neighbours with no rule between them are one cell (in C when the
    library is built: ``extractors.pdfgrid``)."""
    if (found := native_cells(horizontal, vertical, SNAP, JOIN)) is not None:
        return found
    return python_cells(horizontal, vertical)


def python_cells(horizontal: np.ndarray, vertical: np.ndarray) -> tuple[list[float], list[float],
                                                                         list[tuple[int, int, int, int]]]:
    """:func:`cells` in numpy and Python (what the C follows)."""
    xs = _positions(vertical[:, 0])
    ys = _positions(horizontal[:, 0])[::-1]
    rows, cols = len(ys) - 1, len(xs) - 1
    walls = _present(vertical, xs[1:-1], np.asarray(ys)).tolist()  # [inner col edge][row]
    floors = _present(horizontal, ys[1:-1], np.asarray(xs)).tolist()  # [inner row edge][col]
    owner = list(range(rows * cols))

    def root(k: int) -> int:
        while owner[k] != k:
            owner[k] = owner[owner[k]]
            k = owner[k]
        return k

    for r in range(rows):
        for c in range(cols):
            if c + 1 < cols and not walls[c][r]:
                owner[root(r * cols + c + 1)] = root(r * cols + c)
            if r + 1 < rows and not floors[r][c]:
                owner[root((r + 1) * cols + c)] = root(r * cols + c)
    spans: dict[int, list[int]] = {}
    for k in range(rows * cols):
        r, c = divmod(k, cols)
        span = spans.setdefault(root(k), [r, c, r, c])
        span[0], span[1] = min(span[0], r), min(span[1], c)
        span[2], span[3] = max(span[2], r), max(span[3], c)
    return xs, ys, sorted(tuple(s) for s in spans.values())  # type: ignore[misc]


def find_tables(page: Any, textpage: Any, objects: PageObjects | None = None,
                read: Reader | None = None) -> tuple[list[FoundTable], int]:
    """The ruled tables of ``page``, top to bottom (cell texts from ``textpage``, or from ``read``),
    and how many page objects were looked at (``objects``: the page's census, when taken already).
    A table drawn inside another one's cell is left out (its text is in that cell)."""
    if objects is None:
        objects = census(page, MAX_PAGE_OBJECTS, measure=True)
    found_grids = native_page_grids(objects, thin=THIN, min_length=MIN_LENGTH, snap=SNAP, join=JOIN, inset=INSET,
                                    min_rules=MIN_RULES, max_segments=MAX_SEGMENTS, max_cells=MAX_GRID_CELLS)
    if found_grids is None:  # no C library: the same steps in numpy and Python
        horizontal, vertical, _ = rules_of(objects)
        if len(horizontal) + len(vertical) < MIN_RULES or not horizontal or not vertical:
            return [], objects.seen
        found_grids = [(cells(h, v), None) for h, v in grids(merge_rules(horizontal), merge_rules(vertical))
                       if (len(h) - 1) * (len(v) - 1) <= MAX_GRID_CELLS]
    found = _read_grids(found_grids, read or region_reader(textpage))
    found = [t for t in found if not any(o is not t and _inside(t.box, o.box) for o in found)]
    found.sort(key=lambda t: (-t.box.top, t.box.left))
    return found, objects.seen


def _inside(inner: Box, outer: Box) -> bool:
    return (inner.left >= outer.left - SNAP and inner.right <= outer.right + SNAP
            and inner.bottom >= outer.bottom - SNAP and inner.top <= outer.top + SNAP)


def cell_rects(xs: list[float], ys: list[float], spans: list[tuple[int, int, int, int]]) -> np.ndarray:
    """The rectangle each cell's text is read from, ``INSET`` inside its rules (a quarter of the cell when less)."""
    at, x, y = np.asarray(spans), np.asarray(xs), np.asarray(ys)
    left, right, top, bottom = x[at[:, 1]], x[at[:, 3] + 1], y[at[:, 0]], y[at[:, 2] + 1]
    inset = np.minimum(INSET, np.minimum((right - left) / 4, (top - bottom) / 4))
    return np.column_stack((left + inset, bottom + inset, right - inset, top - inset))


def _read_grids(found_grids: list[tuple[Grid, np.ndarray | None]], read: Reader) -> list[FoundTable]:
    """The tables of the grids (each with its cells' rectangles, when known) with two cells or more and text in
    two of them; every cell of them read at once."""
    rects: list[np.ndarray] = []
    kept: list[Grid] = []
    for (xs, ys, spans), known in found_grids:
        if len(spans) < 2:
            continue
        rects.append(known if known is not None else cell_rects(xs, ys, spans))
        kept.append((xs, ys, spans))
    if not kept:
        return []
    texts = read_all(read, np.concatenate(rects) if len(rects) > 1 else rects[0])
    tables, start = [], 0
    for xs, ys, spans in kept:
        table = _table(xs, ys, spans, texts[start:start + len(spans)])
        start += len(spans)
        if table is not None:
            tables.append(table)
    return tables


def _table(xs: list[float], ys: list[float], spans: list[tuple[int, int, int, int]],
           texts: list[str]) -> FoundTable | None:
    n_cols = len(xs) - 1
    grid: list[list[list[str]]] = [[[] for _ in range(n_cols)] for _ in range(len(ys) - 1)]
    filled = 0
    for (r0, c0, _, _), text in zip(spans, texts):
        grid[r0][c0] = [" ".join(line.split()) for line in text.split("\n") if not line.isspace() and line]
        filled += bool(grid[r0][c0])
    if filled < 2:
        return None
    keep = [c for c in range(n_cols) if any(row[c] for row in grid)]
    rows: list[tuple[str, ...]] = []
    for row in grid:
        rows.extend(_split_lines([row[c] for c in keep]))
    return FoundTable(Box(xs[0], ys[-1], xs[-1], ys[0]), tuple(rows))


def _split_lines(row: list[list[str]]) -> list[tuple[str, ...]]:
    """One grid row as table rows: several rows when every filled cell has the same number of
    lines (a band of rows ruled only around, as spreadsheet exports draw them), else one row
    with each cell's lines joined by spaces; nothing for an empty row."""
    counts = {len(cell) for cell in row if cell}
    if not counts:
        return []
    filled = sum(1 for cell in row if cell)
    if len(counts) == 1 and filled >= 2 and (n := counts.pop()) > 1:
        return [tuple(cell[k] if cell else "" for cell in row) for k in range(n)]
    return [tuple(" ".join(cell) for cell in row)]
