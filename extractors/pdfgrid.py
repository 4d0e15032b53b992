"""The table finder's grids and cells in C (``native/grid.c``, built into the census library by
``scripts/setup.sh``): the same groups of crossing rules and the same cells as ``extractors.pdftables``'s numpy
and Python, from one call each. Without the library (or with ``EVIDEX_NATIVE_CENSUS=0``) the Python runs."""

from __future__ import annotations

import ctypes
from typing import Any

import numpy as np

from extractors.pdfobjects import native_function

_VP, _D, _I = ctypes.c_void_p, ctypes.c_double, ctypes.c_int
_SIGNATURES = {"evx_grids": [_VP, _I, _VP, _I, _D, _VP, _VP],
               "evx_cells": [_VP, _I, _VP, _I, _D, _D, _VP, _VP, _VP, _VP],
               "evx_merge_rules": [_VP, _I, _D, _D, _VP, _VP]}


def _fn(name: str) -> Any:
    """One of the grid functions of the C library, or None (the Python runs)."""
    return native_function(name, _I, _SIGNATURES[name])


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
