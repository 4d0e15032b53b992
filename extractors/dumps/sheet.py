"""XLSX dumps: every sheet streamed with openpyxl's read-only mode; the first non-empty row is the header."""

from __future__ import annotations

import datetime as _dt
from collections.abc import Iterator
from typing import IO, Any

from extractors.dumps.base import Row, Table, looks_like_header, synthetic_header


def sheet_cell(value: Any) -> str | None:
    """A cell as text: whole floats without ``.0``, dates in ISO form, empty cells as None."""
    if value is None or value == "":
        return None
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e16:
        return str(int(value))
    if isinstance(value, (_dt.datetime, _dt.date, _dt.time)):
        return value.isoformat()
    return str(value)


def read_xlsx(fh: IO[bytes], source: str) -> Iterator[Table]:
    """One table per sheet."""
    from openpyxl import load_workbook

    book = load_workbook(fh, read_only=True, data_only=True)
    try:
        for sheet in book.worksheets:
            values = sheet.iter_rows(values_only=True)
            first: Row | None = None
            for raw in values:
                first = tuple(sheet_cell(v) for v in raw)
                if any(first):
                    break
            else:
                first = None
            if first is None:
                continue
            while first and first[-1] is None:
                first = first[:-1]
            if looks_like_header(first):
                header = tuple(c or f"column_{i + 1}" for i, c in enumerate(first))
                pending: Row | None = None
            else:
                header, pending = synthetic_header(len(first)), first

            def rows(values: Iterator[tuple[Any, ...]] = values, pending: Row | None = pending) -> Iterator[Row]:
                if pending is not None:
                    yield pending
                for raw in values:
                    row = tuple(sheet_cell(v) for v in raw)
                    if any(row):
                        yield row

            yield Table(f"{source}#{sheet.title}", "xlsx", header, rows())
    finally:
        book.close()
