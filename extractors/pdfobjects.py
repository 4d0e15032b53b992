"""A PDF page's objects through pdfium's C API, for the table finder (``extractors.pdftables``) and the
picture search (``extractors.pdfpictures``).

The calls are ctypes prototypes bound to plain addresses (no pointer objects built per call; pypdfium2's
object iterator costs several times the page's text). ``census`` takes one pass over a page's objects,
Form XObjects entered ``MAX_DEPTH`` deep, and keeps its path and image objects: the table finder and the
picture search share that pass.
"""

from __future__ import annotations

import ctypes
from collections import deque
from dataclasses import dataclass, field
from itertools import compress, repeat
from operator import eq
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


def census(page: Any, max_objects: int | None = None, measure: bool = False) -> PageObjects:
    """The path and image objects of ``page``; one type query per object (a page of more than
    ``max_objects`` objects is counted only); ``measure`` also reads each path's bounds in the same pass
    (``path_bounds``, for the table finder)."""
    import numpy as np

    api = pdfium_api()
    handle = page_handle(page)
    count = api.count(handle)
    found = PageObjects(seen=count)
    if max_objects is not None and count > max_objects:
        found.complete = False
        return found
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
