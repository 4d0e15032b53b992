"""A PDF page's text with its ruled tables in place, one row per line and cells separated by tabs.

The page is cut into regions around the tables (``extractors.pdftables``): text above a band of
tables, beside each table, the tables themselves, text below; each region's text is pdfium's text
inside it. The rebuilt text is kept only when it holds every visible character of pdfium's own
page text (and hardly any twice); otherwise the page keeps pdfium's text and the tables follow it
(``TABLES_APPENDED``), so no text is ever lost to a reordering.

``TableSearch`` runs the finder page by page within a per-document cap: once it has looked at
``MAX_DOCUMENT_OBJECTS`` page objects, the document's remaining pages keep pdfium's text order
(counted in ``table_pages_skipped``). The cap counts objects, not seconds, so the same file always
reads the same way; here it is a few seconds of walking.
"""

from __future__ import annotations

import re
from collections import Counter
from typing import Any

from extractors.base import Table
from extractors import pdftables
from extractors.pdfcolumns import aligned_tables
from extractors.pdfobjects import PageObjects, census
from extractors.pdfspacing import placeholder
from extractors.pdftables import Box, FoundTable, Reader, find_tables

#: Beyond any page edge (points).
FAR = 1.0e5
#: The rebuilt text may hold this share of characters twice (glyphs on a region's edge) at most.
MAX_DUPLICATES = 0.01
#: How a page's text was laid out with its tables.
TABLES_IN_PLACE = "in place"
TABLES_APPENDED = "appended"
#: Page objects the table finder looks at per document before it stops.
MAX_DOCUMENT_OBJECTS = 1_500_000


class TableSearch:
    """The table finder over the pages of one document, within ``MAX_DOCUMENT_OBJECTS``."""

    def __init__(self, enabled: bool = True, max_objects: int | None = None) -> None:
        self.enabled, self.skipped = enabled, 0
        self.left = MAX_DOCUMENT_OBJECTS if max_objects is None else max_objects
        #: The census of the page last looked at, and that page, for the picture search (``objects_of``).
        self._objects: tuple[Any, PageObjects] | None = None

    def find(self, page: Any, textpage: Any, read: Reader | None = None) -> list[FoundTable]:
        """The page's ruled tables, else its tables of aligned columns (``extractors.pdfcolumns``); none
        once the document's cap is used up (the page is counted) or on a drawing. ``read``: how cell
        text is read (pdfium's text inside the cell by default)."""
        self._objects = None
        if not self.enabled:
            return []
        if self.left <= 0:
            self.skipped += 1
            return []
        objects = census(page, pdftables.MAX_PAGE_OBJECTS, measure=True)
        self._objects = (page, objects)
        read = read or pdftables.region_reader(textpage)  # one reader for the ruled and the aligned tables
        found, seen = find_tables(page, textpage, objects, read)
        self.left -= seen
        if not found and objects.complete:
            found = aligned_tables(textpage, read)
        return found

    def objects_of(self, page: Any) -> PageObjects | None:
        """The census of ``page`` if it was the page just looked at (its addresses live as long as the
        page stays open), else None."""
        kept = self._objects
        return kept[1] if kept is not None and kept[0] is page else None


def page_with_tables(textpage: Any, text: str, found: list[FoundTable],
                     keep_text: bool = False, read: Reader | None = None) -> tuple[str, tuple[Table, ...], str]:
    """The page text with ``found`` tables laid out, the tables, and how they were laid out;
    ``keep_text``: ``text`` has its spaces rebuilt (which pdfium's regions would not have) and stands
    for each table by its ``placeholder`` (``extractors.pdfspacing``), replaced by the table's rows
    (a table with none is appended). ``read``: pdfium's text of a region (``pdftables.region_reader``, the one
    the table finder used, so the page's characters are read once)."""
    tables = tuple(Table(t.rows) for t in found)
    if keep_text:
        return _placed(text, tables)
    regions = _regions(found)
    read = read or pdftables.region_reader(textpage)
    texts = iter(pdftables.read_all(read, [(box.left, box.bottom, box.right, box.top)
                                           for kind, box, _ in regions if kind != "table"]))
    parts: list[str] = []
    for kind, _, table in regions:
        if kind == "table":
            parts.append(table.as_text() if table else "")
        elif region := next(texts).strip():
            parts.append(region)
    rebuilt = "\n".join(p for p in parts if p)
    if _complete(text, rebuilt):
        return rebuilt, tables, TABLES_IN_PLACE
    return _appended(text, tables), tables, TABLES_APPENDED


def _placed(text: str, tables: tuple[Table, ...]) -> tuple[str, tuple[Table, ...], str]:
    """``text`` with each table's placeholder (and the white space around it) replaced by the table's
    rows on their own lines; tables without a placeholder appended."""
    missing: list[Table] = []
    for k, table in enumerate(tables):
        mark = re.compile(r"\s*%s\s*" % re.escape(placeholder(k)))
        if mark.search(text):
            text = mark.sub(lambda _, rows=table.as_text(): f"\n{rows}\n", text, count=1)
        else:
            missing.append(table)
    text = text.strip("\n")
    if missing:
        return _appended(text, tuple(missing)), tables, TABLES_APPENDED
    return text, tables, TABLES_IN_PLACE


def _appended(text: str, tables: tuple[Table, ...]) -> str:
    return "\n\n".join([text.rstrip(), *(t.as_text() for t in tables)])


def _regions(found: list[FoundTable]) -> list[tuple[str, Box, Table | None]]:
    """Text regions and tables of the page in reading order: bands of tables whose heights
    overlap, each band read left to right, text above each band first."""
    bands: list[list[FoundTable]] = []
    for table in sorted(found, key=lambda t: -t.box.top):
        if bands and table.box.top > min(t.box.bottom for t in bands[-1]):
            bands[-1].append(table)
        else:
            bands.append([table])
    out: list[tuple[str, Box, Table | None]] = []
    ceiling = FAR
    for band in bands:
        top = max(t.box.top for t in band)
        bottom = min(t.box.bottom for t in band)
        out.append(("text", Box(-FAR, top, FAR, ceiling), None))
        x = -FAR
        for table in sorted(band, key=lambda t: t.box.left):
            box = table.box
            out.append(("text", Box(x, bottom, box.left, top), None))
            out.append(("text", Box(box.left, box.top, box.right, top), None))
            out.append(("table", box, Table(table.rows)))
            out.append(("text", Box(box.left, bottom, box.right, box.bottom), None))
            x = box.right
        out.append(("text", Box(x, bottom, FAR, top), None))
        ceiling = bottom
    out.append(("text", Box(-FAR, -FAR, FAR, ceiling), None))
    return [(kind, box, table) for kind, box, table in out
            if kind == "table" or (box.right > box.left and box.top > box.bottom)]


_SPACES = (" ", "\n", "\t", "\r", "\x00", "\ufffe")


def _complete(original: str, rebuilt: str) -> bool:
    """Every visible character of ``original`` is in ``rebuilt`` as often, and few are doubled (counted in C
    when the library is built, else with ``Counter``)."""
    counted = _balance(original, rebuilt)
    if counted is None:
        want, have = Counter(original), Counter(rebuilt)
        for space in _SPACES:
            want.pop(space, None)
            have.pop(space, None)
        counted = sum((want - have).values()), sum((have - want).values()), sum(want.values())
    missing, extra, visible = counted
    return missing == 0 and extra <= MAX_DUPLICATES * max(visible, 100)


def _balance(original: str, rebuilt: str) -> tuple[int, int, int] | None:
    """``(missing, extra, visible)`` characters from ``evx_char_balance``, or None without the library."""
    import ctypes

    import numpy as np

    from extractors.pdfobjects import native_function

    vp = ctypes.c_void_p
    fn = native_function("evx_char_balance", ctypes.c_int, [vp, ctypes.c_long, vp, ctypes.c_long, vp, ctypes.c_int,
                                                            vp])
    if fn is None:
        return None
    skip = np.array([ord(c) for c in _SPACES], dtype=np.uint32)
    a = np.frombuffer(original.encode("utf-32-le", "surrogatepass"), dtype=np.uint32)
    b = np.frombuffer(rebuilt.encode("utf-32-le", "surrogatepass"), dtype=np.uint32)
    out = np.zeros(3, dtype=np.int64)
    if fn(a.ctypes.data, len(a), b.ctypes.data, len(b), skip.ctypes.data, len(skip), out.ctypes.data) != 0:
        return None
    missing, extra, visible = out.tolist()
    return missing, extra, visible
