"""A PDF page's objects through pdfium's C API, for the table finder (``extractors.pdftables``) and the
picture search (``extractors.pdfpictures``).

The calls are ctypes prototypes bound to plain addresses (no pointer objects built per call; pypdfium2's
object iterator costs several times the page's text). ``census`` takes one pass over a page's objects,
Form XObjects entered ``MAX_DEPTH`` deep, and keeps its path and image objects: the table finder and the
picture search share that pass.
"""

from __future__ import annotations

import ctypes
import os
from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass, field
from itertools import compress, repeat
from operator import eq
from pathlib import Path
from typing import Any

#: Form XObjects are entered this deep.
MAX_DEPTH = 3
#: UTF-16 units read per call for a rectangle's text (longer texts are read again at their length).
TEXT_UNITS = 8192


class _Pdfium:
    """ctypes prototypes of the pdfium calls made per object, bound to plain addresses."""

    def __init__(self) -> None:
        import pypdfium2.raw as raw

        vp, i, f = ctypes.c_void_p, ctypes.c_int, ctypes.c_float

        def bind(fn: Any, restype: Any, *args: Any) -> Any:
            return ctypes.CFUNCTYPE(restype, *args)(ctypes.cast(fn, vp).value)

        self.count = bind(raw.FPDFPage_CountObjects, i, vp)
        self.get = bind(raw.FPDFPage_GetObject, vp, vp, i)
        self.form_count = bind(raw.FPDFFormObj_CountObjects, i, vp)
        self.form_get = bind(raw.FPDFFormObj_GetObject, vp, vp, ctypes.c_ulong)
        self.type = bind(raw.FPDFPageObj_GetType, i, vp)
        self.bounds = bind(raw.FPDFPageObj_GetBounds, i, vp, vp, vp, vp, vp)
        self.matrix = bind(raw.FPDFPageObj_GetMatrix, i, vp, vp)
        self.segments = bind(raw.FPDFPath_CountSegments, i, vp)
        self.segment = bind(raw.FPDFPath_GetPathSegment, vp, vp, i)
        self.point = bind(raw.FPDFPathSegment_GetPoint, i, vp, vp, vp)
        self.segment_type = bind(raw.FPDFPathSegment_GetType, i, vp)
        self.close = bind(raw.FPDFPathSegment_GetClose, i, vp)
        d = ctypes.c_double
        self.bounded = bind(raw.FPDFText_GetBoundedText, i, vp, d, d, d, d, vp, i)
        self.count_rects = bind(raw.FPDFText_CountRects, i, vp, i, i)
        self.get_rect = bind(raw.FPDFText_GetRect, i, vp, i, vp, vp, vp, vp)
        self.text_buffer = ctypes.create_string_buffer(2 * TEXT_UNITS)
        self.text_address = ctypes.addressof(self.text_buffer)
        self.text_view = memoryview(self.text_buffer).cast("B")
        self.path, self.form, self.image = raw.FPDF_PAGEOBJ_PATH, raw.FPDF_PAGEOBJ_FORM, raw.FPDF_PAGEOBJ_IMAGE
        self.lineto, self.moveto = raw.FPDF_SEGMENT_LINETO, raw.FPDF_SEGMENT_MOVETO
        self.floats = (f * 6)()
        base = ctypes.addressof(self.floats)
        self.slots = tuple(base + 4 * k for k in range(6))


_PDFIUM: _Pdfium | None = None


def pdfium_api() -> _Pdfium:
    """The shared ctypes prototypes."""
    global _PDFIUM
    if _PDFIUM is None:
        _PDFIUM = _Pdfium()
    return _PDFIUM


def _functions(*names: str) -> list[int]:
    """The plain addresses of pdfium functions (by name) for the C library to call."""
    import pypdfium2.raw as raw

    return [ctypes.cast(getattr(raw, name), ctypes.c_void_p).value or 0 for name in names]


def address(handle: Any) -> int:
    """The plain address of a ctypes handle."""
    return ctypes.cast(handle, ctypes.c_void_p).value or 0


def page_handle(page: Any) -> int:
    """The plain address of a pypdfium2 page (or text page)."""
    return address(page.raw)


@dataclass
class PageObjects:
    """One page's census: its path and image objects (addresses) and how many objects were looked at;
    ``complete`` is False for a page over the census's object limit (nothing kept)."""

    paths: list[int] = field(default_factory=list)
    images: list[int] = field(default_factory=list)
    seen: int = 0
    complete: bool = True
    #: ``left, bottom, right, top`` of each path (an ``n × 4`` float array), when the census measured them.
    path_bounds: Any = None
    #: ``paths`` as an array of addresses (``uintp``), when the census was taken in C.
    path_handles: Any = None


class _Api(ctypes.Structure):
    _fields_ = [("count", ctypes.c_void_p), ("get", ctypes.c_void_p), ("form_count", ctypes.c_void_p),
                ("form_get", ctypes.c_void_p), ("type", ctypes.c_void_p), ("bounds", ctypes.c_void_p),
                ("path_type", ctypes.c_int), ("form_type", ctypes.c_int), ("image_type", ctypes.c_int),
                ("max_depth", ctypes.c_int), ("measure", ctypes.c_int)]


class _Out(ctypes.Structure):
    _fields_ = [("paths", ctypes.c_void_p), ("bounds", ctypes.c_void_p), ("path_cap", ctypes.c_long),
                ("n_paths", ctypes.c_long), ("images", ctypes.c_void_p), ("image_cap", ctypes.c_long),
                ("n_images", ctypes.c_long), ("seen", ctypes.c_long), ("overflow", ctypes.c_int)]


class _NativeCensus:
    """``native/census.c`` (built by ``scripts/setup.sh``): the same walk as :func:`_walk` in one call."""

    #: Paths and images a page may have before the census is taken again by the ctypes walk.
    CAPACITY = 1 << 16

    def __init__(self, library: Path) -> None:
        import numpy as np
        import pypdfium2.raw as raw

        self.lib = ctypes.CDLL(str(library))
        self.lib.evx_census.restype = ctypes.c_long
        self.lib.evx_census.argtypes = [ctypes.c_void_p, ctypes.c_void_p, ctypes.c_int, ctypes.c_void_p]
        walk = _functions("FPDFPage_CountObjects", "FPDFPage_GetObject", "FPDFFormObj_CountObjects",
                          "FPDFFormObj_GetObject", "FPDFPageObj_GetType", "FPDFPageObj_GetBounds")
        self.api = {measure: _Api(*walk, raw.FPDF_PAGEOBJ_PATH, raw.FPDF_PAGEOBJ_FORM, raw.FPDF_PAGEOBJ_IMAGE,
                                  MAX_DEPTH, int(measure))
                    for measure in (False, True)}
        self.paths = np.zeros(self.CAPACITY, dtype=np.uintp)
        self.images = np.zeros(self.CAPACITY, dtype=np.uintp)
        self.bounds = np.zeros(4 * self.CAPACITY, dtype=np.float32)
        self.out = _Out(self.paths.ctypes.data, self.bounds.ctypes.data, self.CAPACITY, 0,
                        self.images.ctypes.data, self.CAPACITY, 0, 0, 0)
        self.api_address = {k: ctypes.addressof(v) for k, v in self.api.items()}
        self.unicode, self.charbox, self.origin = _functions("FPDFText_GetUnicode", "FPDFText_GetCharBox",
                                                             "FPDFText_GetCharOrigin")
        vp, d = ctypes.c_void_p, ctypes.c_double
        self.lib.evx_chars.restype = ctypes.c_int
        self.lib.evx_chars.argtypes = [vp, vp, vp, vp, ctypes.c_int, vp, vp, vp]
        self.lib.evx_text_in.restype = ctypes.c_long
        self.lib.evx_text_in.argtypes = [vp, vp, vp, ctypes.c_int, d, d, d, d, vp, ctypes.c_long]
        self.lib.evx_texts_in.restype = ctypes.c_long
        self.lib.evx_texts_in.argtypes = [vp, vp, vp, ctypes.c_int, vp, ctypes.c_int, vp, ctypes.c_long, vp, vp, vp,
                                          vp, vp]
        self.out_address = ctypes.addressof(self.out)

    def take(self, handle: int, count: int, measure: bool) -> PageObjects | None:
        """The census, or None when the page holds more paths or images than the buffers."""
        out = self.out
        seen = self.lib.evx_census(self.api_address[measure], handle, count, self.out_address)
        if out.overflow:
            return None
        handles = self.paths[:out.n_paths].copy()
        found = PageObjects(paths=handles.tolist(), images=self.images[:out.n_images].tolist(), seen=int(seen),
                            path_handles=handles)
        if measure:
            found.path_bounds = self.bounds[:4 * out.n_paths].astype(float).reshape(-1, 4)
        return found


class _PathApi(ctypes.Structure):
    _fields_ = [("segments", ctypes.c_void_p), ("segment", ctypes.c_void_p), ("point", ctypes.c_void_p),
                ("segment_type", ctypes.c_void_p), ("close", ctypes.c_void_p), ("matrix", ctypes.c_void_p),
                ("lineto", ctypes.c_int), ("moveto", ctypes.c_int), ("max_segments", ctypes.c_int),
                ("snap_half", ctypes.c_double), ("min_length", ctypes.c_double)]


class _Rules(ctypes.Structure):
    _fields_ = [("horizontal", ctypes.c_void_p), ("h_cap", ctypes.c_long), ("n_h", ctypes.c_long),
                ("vertical", ctypes.c_void_p), ("v_cap", ctypes.c_long), ("n_v", ctypes.c_long)]


class NativePaths:
    """The axis-aligned straight segments of path objects in C (``native/census.c``: ``evx_path_edges``), the
    same as the table finder's ``_path_edges`` through ctypes, one call per path instead of several per segment."""

    def __init__(self, native: _NativeCensus, max_segments: int, snap_half: float, min_length: float) -> None:
        import numpy as np
        import pypdfium2.raw as raw

        self.lib = native.lib
        self.lib.evx_path_edges.restype = ctypes.c_int
        self.lib.evx_path_edges.argtypes = [ctypes.c_void_p, ctypes.c_void_p, ctypes.c_void_p]
        segments = _functions("FPDFPath_CountSegments", "FPDFPath_GetPathSegment", "FPDFPathSegment_GetPoint",
                              "FPDFPathSegment_GetType", "FPDFPathSegment_GetClose", "FPDFPageObj_GetMatrix")
        self.api = _PathApi(*segments, raw.FPDF_SEGMENT_LINETO, raw.FPDF_SEGMENT_MOVETO, max_segments, snap_half,
                            min_length)
        cap = 2 * max_segments + 2
        self.h, self.v = np.zeros(3 * cap), np.zeros(3 * cap)
        self.out = _Rules(self.h.ctypes.data, cap, 0, self.v.ctypes.data, cap, 0)
        self.api_address, self.out_address = ctypes.addressof(self.api), ctypes.addressof(self.out)

    def edges(self, obj: int, horizontal: list, vertical: list) -> None:
        out = self.out
        out.n_h = out.n_v = 0
        self.lib.evx_path_edges(self.api_address, obj, self.out_address)
        if out.n_h:
            horizontal.extend(map(tuple, self.h[:3 * out.n_h].reshape(-1, 3).tolist()))
        if out.n_v:
            vertical.extend(map(tuple, self.v[:3 * out.n_v].reshape(-1, 3).tolist()))


_PATHS: dict[tuple[int, float, float], NativePaths] = {}


def native_paths(max_segments: int, snap_half: float, min_length: float) -> NativePaths | None:
    """:class:`NativePaths` for these limits when the C library is built, else None."""
    native = native_census()
    if native is None:
        return None
    key = (max_segments, snap_half, min_length)
    if key not in _PATHS:
        _PATHS[key] = NativePaths(native, max_segments, snap_half, min_length)
    return _PATHS[key]


class NativeText:
    """A text page's characters read once (``native/census.c``: code points, boxes, baselines), and the text
    inside any rectangle as pdfium's ``FPDFText_GetBoundedText`` gives it, from those arrays: a table's cells are
    read without pdfium walking the page's characters once per cell."""

    def __init__(self, native: _NativeCensus, textpage: Any) -> None:
        import numpy as np
        import pypdfium2.raw as raw

        handle = page_handle(textpage)
        n = max(0, int(raw.FPDFText_CountChars(textpage.raw)))
        self.n, self.lib = n, native.lib
        self.codes = np.zeros(max(n, 1), dtype=np.uint32)
        self.boxes = np.zeros(4 * max(n, 1), dtype=np.float32)
        self.origin_y = np.zeros(max(n, 1), dtype=np.float32)
        self.lib.evx_chars(native.unicode, native.charbox, native.origin, handle, n, self.codes.ctypes.data,
                           self.boxes.ctypes.data, self.origin_y.ctypes.data)
        self.out = np.zeros(max(2 * n + 2, 16), dtype=np.uint32)
        self._args = (self.codes.ctypes.data, self.boxes.ctypes.data, self.origin_y.ctypes.data, n)

    def text(self, left: float, bottom: float, right: float, top: float) -> str:
        """The text inside the rectangle, cleaned as :func:`text_in` cleans pdfium's."""
        length = self.lib.evx_text_in(*self._args, left, bottom, right, top, self.out.ctypes.data, len(self.out))
        return _cleaned(self.out[:length].tobytes().decode("utf-32-le", "replace"))

    def texts(self, rects: Sequence[tuple[float, float, float, float]]) -> list[str]:
        """The text inside each rectangle ``(left, bottom, right, top)``, as :meth:`text` gives it, from one pass
        over the page's characters (``evx_texts_in``) instead of one per rectangle."""
        import numpy as np

        m = len(rects)
        if m == 0:
            return []
        boxes = np.ascontiguousarray(rects, dtype=np.float64).reshape(m, 4)
        offsets, lengths = np.zeros(m + 1, dtype=np.int64), np.zeros(m, dtype=np.int64)
        last, work = np.zeros(2 * m, dtype=np.int32), np.zeros(5 * m + 4, dtype=np.float32)
        nonspace = np.zeros(self.n + 1, dtype=np.int32)
        out = self.out
        while True:
            total = self.lib.evx_texts_in(*self._args, boxes.ctypes.data, m, out.ctypes.data, len(out),
                                          offsets.ctypes.data, lengths.ctypes.data, nonspace.ctypes.data,
                                          last.ctypes.data, work.ctypes.data)
            if total >= 0:
                break
            if total == -2:  # no memory for the bins: one rectangle at a time
                return [self.text(*rect) for rect in rects]
            out = np.zeros(int(lengths.sum()) + 16, dtype=np.uint32)  # overlapping rectangles: more than the page
        joined = out[:total].tobytes().decode("utf-32-le", "replace")  # one code point per character either way
        bounds = offsets.tolist()
        return [_cleaned(joined[bounds[j]:bounds[j + 1]]) for j in range(m)]


def _cleaned(text: str) -> str:
    if "\x00" in text:
        text = text.replace("\x00", "")
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    return text


def native_text(textpage: Any) -> NativeText | None:
    """The text page's characters for :meth:`NativeText.text` when the C library is built, else None."""
    native = native_census()
    return NativeText(native, textpage) if native is not None else None


#: The built census library, looked for once (``False``: not built or not loadable, the ctypes walk runs).
_NATIVE: _NativeCensus | None | bool = None
LIBRARY = Path(__file__).resolve().parent / "native" / "_census.so"


def native_census() -> _NativeCensus | None:
    """The C census when ``scripts/setup.sh`` built it (and ``EVIDEX_NATIVE_CENSUS`` is not ``0``), else None."""
    global _NATIVE
    if _NATIVE is None:
        _NATIVE = False
        if os.environ.get("EVIDEX_NATIVE_CENSUS", "1") != "0" and LIBRARY.is_file():
            try:
                _NATIVE = _NativeCensus(LIBRARY)
            except (OSError, AttributeError):
                _NATIVE = False
    return _NATIVE or None


def native_function(name: str, restype: Any, argtypes: list[Any]) -> Any:
    """A function of the C library with its signature set, or None: the library not built (or switched off by
    ``EVIDEX_NATIVE_CENSUS=0``), or built before the function was added (the caller's Python runs)."""
    native = native_census()
    fn = getattr(native.lib, name, None) if native is not None else None
    if fn is not None and fn.argtypes is None:
        fn.restype, fn.argtypes = restype, argtypes
    return fn


def use_native(enabled: bool) -> None:
    """Take the census in C (when built) or by the ctypes walk from now on (benchmarks and tests compare them)."""
    global _NATIVE
    _NATIVE = None
    _PATHS.clear()
    os.environ["EVIDEX_NATIVE_CENSUS"] = "1" if enabled else "0"


def census(page: Any, max_objects: int | None = None, measure: bool = False) -> PageObjects:
    """The path and image objects of ``page``; one type query per object (a page of more than
    ``max_objects`` objects is counted only); ``measure`` also reads each path's bounds in the same pass
    (``path_bounds``, for the table finder). In C when it was built (:func:`native_census`), else through
    ctypes, with the same result."""
    import numpy as np

    api = pdfium_api()
    handle = page_handle(page)
    count = api.count(handle)
    found = PageObjects(seen=count)
    if max_objects is not None and count > max_objects:
        found.complete = False
        return found
    native = native_census()
    if native is not None and (taken := native.take(handle, count, measure)) is not None:
        return taken
    measured: list[Any] | None = [] if measure else None
    _walk(api, handle, api.get, count, found, 1, measured)
    if measured is not None:
        found.path_bounds = (np.concatenate(measured) if measured else np.empty(0)).reshape(-1, 4)
    return found


def _walk(api: _Pdfium, handle: int, get: Any, count: int, found: PageObjects, depth: int,
          measured: list[Any] | None) -> None:
    """The objects of one level (the page, or a Form XObject), each call mapped over the level at once
    (``map`` runs the loop in C: only the calls themselves cost), then its forms, ``MAX_DEPTH`` deep."""
    objects = list(map(get, repeat(handle, count), range(count)))
    kinds = list(map(api.type, objects))
    paths = list(compress(objects, map(eq, kinds, repeat(api.path))))
    found.paths += paths
    if api.image in kinds:
        found.images += compress(objects, map(eq, kinds, repeat(api.image)))
    if measured is not None and paths:  # the bounds of the k-th path of this level go to floats 4k..4k+3
        import numpy as np

        n = len(paths)
        buffer = (ctypes.c_float * (4 * n))()
        slot = ctypes.addressof(buffer)
        deque(map(api.bounds, paths, *(range(slot + 4 * k, slot + 16 * n, 16) for k in range(4))), maxlen=0)
        measured.append(np.frombuffer(buffer, dtype=np.float32).astype(float))
    if depth < MAX_DEPTH and api.form in kinds:
        for obj in compress(objects, map(eq, kinds, repeat(api.form))):
            n = api.form_count(obj)
            found.seen += n
            _walk(api, obj, api.form_get, n, found, depth + 1, measured)


def bounded_text(textpage: Any, left: float, bottom: float, right: float, top: float) -> str:
    """pdfium's text inside a rectangle of the page (line breaks as ``\\n``)."""
    return text_in(page_handle(textpage), left, bottom, right, top)


def text_in(handle: int, left: float, bottom: float, right: float, top: float) -> str:
    """``bounded_text`` for a text page's plain address (``page_handle``), taken once for many rectangles."""
    api = pdfium_api()
    n = api.bounded(handle, left, top, right, bottom, api.text_address, TEXT_UNITS)
    if n >= TEXT_UNITS:
        units = api.bounded(handle, left, top, right, bottom, None, 0) + 1
        buffer = ctypes.create_string_buffer(2 * units)
        n = api.bounded(handle, left, top, right, bottom, ctypes.addressof(buffer), units)
        text = str(memoryview(buffer)[:2 * max(n, 0)], "utf-16-le", "replace")
    else:
        text = str(api.text_view[:2 * max(n, 0)], "utf-16-le", "replace")
    if "\x00" in text:
        text = text.replace("\x00", "")
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    return text
