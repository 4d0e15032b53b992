"""The table finder's grids and cells in C (``native/grid.c``, built into the census library by
``scripts/setup.sh``): the same groups of crossing rules and the same cells as ``extractors.pdftables``'s numpy
and Python, from one call each, or a whole page's grids from its census in one call (``native/ruled.c``).
Without the library (or with ``EVIDEX_NATIVE_CENSUS=0``) the Python runs."""

from __future__ import annotations

import ctypes
import threading
from typing import Any, Callable

import numpy as np

from extractors.pdfobjects import PageObjects, native_function, native_paths, native_text, page_handle, text_in

_VP, _D, _I = ctypes.c_void_p, ctypes.c_double, ctypes.c_int
_SIGNATURES = {"evx_grids": [_VP, _I, _VP, _I, _D, _VP, _VP],
               "evx_cells": [_VP, _I, _VP, _I, _D, _D, _VP, _VP, _VP, _VP],
               "evx_merge_rules": [_VP, _I, _D, _D, _VP, _VP],
               "evx_ruled_grids": [_VP, _VP, _VP, ctypes.c_long, _VP, _VP, ctypes.c_long]}
#: Reads the text inside a rectangle ``(left, bottom, right, top)`` of the page.
Reader = Callable[[float, float, float, float], str]
#: A grid as ``pdftables.cells`` gives it: column edges, row edges, cells ``(row, col, last_row, last_col)``.
Grid = tuple[list[float], list[float], list[tuple[int, int, int, int]]]


class _RuledParams(ctypes.Structure):
    _fields_ = [("thin", _D), ("min_length", _D), ("snap", _D), ("join", _D), ("inset", _D), ("min_rules", _I),
                ("max_cells", ctypes.c_long)]


def _fn(name: str) -> Any:
    """One of the grid functions of the C library, or None (the Python runs)."""
    return native_function(name, ctypes.c_long if name == "evx_ruled_grids" else _I, _SIGNATURES[name])


_PARAMS: dict[tuple[float, ...], tuple[_RuledParams, int]] = {}
_OUT = threading.local()  # the output buffer, grown to the largest page's (one per thread)


def native_page_grids(objects: PageObjects, *, thin: float, min_length: float, snap: float, join: float,
                      inset: float, min_rules: int, max_segments: int,
                      max_cells: int) -> list[tuple[Grid, np.ndarray]] | None:
    """The page's ruled grids (``pdftables.rules_of``, ``merge_rules``, ``grids`` and ``cells`` of each) from its
    census in one call, each with the rectangles its cells' text is read from (an ``m × 4`` array, ``inset``
    inside the rules), grids of more than ``max_cells`` (horizontal rules less one times vertical ones less one)
    left out; None when the library (or the census's path handles and bounds) is not there, or the C
    had no memory: the Python runs."""
    fn = _fn("evx_ruled_grids")
    paths = native_paths(max_segments, snap / 2, min_length)
    if fn is None or paths is None or objects.path_handles is None or objects.path_bounds is None:
        return None
    key = (thin, min_length, snap, join, inset, min_rules, max_cells)
    if key not in _PARAMS:
        params = _RuledParams(thin, min_length, snap, join, inset, min_rules, max_cells)
        _PARAMS[key] = (params, ctypes.addressof(params))
    handles = objects.path_handles
    bounds = np.ascontiguousarray(objects.path_bounds, dtype=np.float64)
    if bounds.shape != (len(handles), 4):
        return None
    if not hasattr(_OUT, "buffer"):
        _OUT.buffer = np.empty(4096)
    while True:
        out = _OUT.buffer
        used = fn(paths.api_address, handles.ctypes.data, bounds.ctypes.data, len(handles), _PARAMS[key][1],
                  out.ctypes.data, len(out))
        if used < 0:
            return None
        if used <= len(out):
            break
        _OUT.buffer = np.empty(int(used) + 1024)
    values = out[:used].tolist()
    found: list[tuple[Grid, np.ndarray]] = []
    at = 1
    for _ in range(int(values[0])):
        nx, ny, m = int(values[at]), int(values[at + 1]), int(values[at + 2])
        at += 3
        xs, ys = values[at:at + nx], values[at + nx:at + nx + ny]
        at += nx + ny
        flat = [int(x) for x in values[at:at + 4 * m]]
        at += 4 * m
        rects = out[at:at + 4 * m].reshape(m, 4).copy()
        at += 4 * m
        found.append(((xs, ys, list(zip(flat[0::4], flat[1::4], flat[2::4], flat[3::4]))), rects))
    return found


def native_merge_rules(rules: list[tuple[float, float, float]], snap: float, join: float) -> np.ndarray | None:
    """``pdftables.merge_rules`` in C; None when the library is not there (or had no memory)."""
    fn = _fn("evx_merge_rules")
    if fn is None:
        return None
    given = np.ascontiguousarray(np.asarray(rules, dtype=np.float64).reshape(-1, 3))
    n = len(given)
    work, out = np.empty((max(n, 1), 3)), np.empty((max(n, 1), 3))
    m = fn(given.ctypes.data, n, snap, join, work.ctypes.data, out.ctypes.data)
    return out[:m].copy() if m >= 0 else None


def native_grids(horizontal: np.ndarray, vertical: np.ndarray,
                 snap: float) -> list[tuple[np.ndarray, np.ndarray]] | None:
    """``pdftables.grids`` in C; None when the library is not there."""
    fn = _fn("evx_grids")
    if fn is None:
        return None
    h, v = np.ascontiguousarray(horizontal, dtype=np.float64), np.ascontiguousarray(vertical, dtype=np.float64)
    nh, nv = len(h), len(v)
    parent, group = np.empty(nh + nv, dtype=np.int32), np.empty(nh + nv, dtype=np.int32)
    count = fn(h.ctypes.data, nh, v.ctypes.data, nv, snap, parent.ctypes.data, group.ctypes.data)
    of_h = np.bincount(group[:nh], minlength=count)
    of_v = np.bincount(group[nh:], minlength=count)
    return [(h[group[:nh] == g], v[group[nh:] == g]) for g in np.flatnonzero((of_h >= 2) & (of_v >= 2)).tolist()]


def native_cells(horizontal: np.ndarray, vertical: np.ndarray, snap: float, join: float
                 ) -> tuple[list[float], list[float], list[tuple[int, int, int, int]]] | None:
    """``pdftables.cells`` in C; None when the library is not there (or had no memory)."""
    fn = _fn("evx_cells")
    if fn is None:
        return None
    h, v = np.ascontiguousarray(horizontal, dtype=np.float64), np.ascontiguousarray(vertical, dtype=np.float64)
    nh, nv = len(h), len(v)
    xs, ys = np.empty(max(nv, 1)), np.empty(max(nh, 1))
    spans = np.empty(4 * max((nh - 1) * (nv - 1), 1), dtype=np.int32)
    counts = np.zeros(3, dtype=np.int32)
    if fn(h.ctypes.data, nh, v.ctypes.data, nv, snap, join, xs.ctypes.data, ys.ctypes.data,
                     spans.ctypes.data, counts.ctypes.data) != 0:
        return None
    nx, ny, m = counts.tolist()
    return xs[:nx].tolist(), ys[:ny].tolist(), list(map(tuple, spans[:4 * m].reshape(-1, 4).tolist()))


def region_reader(textpage: Any) -> Reader:
    """pdfium's text inside a rectangle of ``textpage``: from the page's characters read once in C when the
    native library is built (``extractors.pdfobjects.NativeText``, read at the first rectangle), else by
    pdfium's bounded text per rectangle; the same text either way. Its ``many`` reads a list of rectangles
    (:func:`read_all`), in one pass over the characters with the native library."""
    handle = page_handle(textpage)
    made: list[Any] = []

    def chars() -> Any:
        if not made:
            made.append(native_text(textpage))
        return made[0]

    def read(left: float, bottom: float, right: float, top: float) -> str:
        found = chars()
        return found.text(left, bottom, right, top) if found is not None else text_in(handle, left, bottom, right,
                                                                                      top)

    def many(rects: list[tuple[float, float, float, float]]) -> list[str]:
        found = chars()
        return found.texts(rects) if found is not None else [text_in(handle, *rect) for rect in rects]

    read.many = many  # type: ignore[attr-defined]
    return read


def read_all(read: Reader, rects: Any) -> list[str]:
    """``read`` of each rectangle (``left, bottom, right, top``: a list of tuples or an ``n × 4`` array): at once
    when the reader can (``region_reader``'s), else one by one."""
    many = getattr(read, "many", None)
    return many(rects) if many is not None else [read(*rect) for rect in rects]
