"""The text and tables of one HWP 5 section stream, paragraphs in record order.

A table is a ``CTRL_HEADER`` record whose control id is ``tbl `` at some level L; its ``TABLE``
record (L+1) starts the cells, and each cell is a ``LIST_HEADER`` (L+1) carrying its column and row
address, followed by the cell's paragraphs (L+2 and deeper). Paragraphs under the control before the
``TABLE`` record are its caption. The table ends at the next record of level L or less. Each table
becomes one line per row with tab-separated cells (in ``Table`` rows too); a table nested in a cell
is flattened into that cell's text.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass, field

from extractors.base import Table
from extractors.hwp.records import (
    HWPTAG_BEGIN, TAG_CTRL_HEADER, TAG_EQEDIT, TAG_LIST_HEADER, TAG_PARA_TEXT, equation_script, iter_records,
    para_text,
)

TAG_TABLE = HWPTAG_BEGIN + 61
#: The control id ``tbl `` as stored (a little-endian 32-bit word).
_CTRL_TABLE = b" lbt"
#: Cell addresses past this are ignored (a damaged record would otherwise make a huge grid).
MAX_ADDRESS = 4096


@dataclass
class _OpenTable:
    level: int
    started: bool = False
    caption: list[str] = field(default_factory=list)
    cells: dict[tuple[int, int], list[str]] = field(default_factory=dict)
    cell: tuple[int, int] | None = None

    def rows(self) -> tuple[tuple[str, ...], ...]:
        if not self.cells:
            return ()
        height = max(r for r, _ in self.cells) + 1
        width = max(c for _, c in self.cells) + 1
        rows = []
        for r in range(height):
            row = [" ".join(" ".join(self.cells.get((r, c), ())).split()) for c in range(width)]
            while row and not row[-1]:
                row.pop()
            rows.append(tuple(row))
        return tuple(rows)


def section_content(data: bytes) -> tuple[str, list[Table]]:
    """Every paragraph of a section (body, tables, notes, headers, boxes) and its outermost tables."""
    lines: list[str] = []
    tables: list[Table] = []
    stack: list[_OpenTable] = []

    def emit(text: str) -> None:
        top = stack[-1] if stack else None
        if top is None:
            lines.append(text)
        elif top.started and top.cell is not None:
            top.cells[top.cell].append(text)
        else:
            top.caption.append(text)

    def close() -> None:
        done = stack.pop()
        table = Table(rows=done.rows())
        for caption in done.caption:
            emit(caption)
        if not any(any(row) for row in table.rows):
            return
        if stack:
            emit(" ".join(table.as_text().split()))
        else:
            lines.append(table.as_text())
            tables.append(table)

    for rec in iter_records(data):
        while stack and rec.level <= stack[-1].level:
            close()
        top = stack[-1] if stack else None
        if rec.tag == TAG_CTRL_HEADER and rec.payload[:4] == _CTRL_TABLE:
            stack.append(_OpenTable(rec.level))
        elif top is not None and rec.level == top.level + 1 and rec.tag == TAG_TABLE:
            top.started = True
        elif top is not None and top.started and rec.level == top.level + 1 and rec.tag == TAG_LIST_HEADER:
            top.cell = _address(rec.payload)
            if top.cell is not None:
                top.cells.setdefault(top.cell, [])
        elif rec.tag == TAG_PARA_TEXT:
            emit(para_text(rec.payload).rstrip())
        elif rec.tag == TAG_EQEDIT:
            script = equation_script(rec.payload)
            if script:
                emit(script)
    while stack:
        close()
    return "\n".join(lines), tables


def _address(payload: bytes) -> tuple[int, int] | None:
    """(row, column) of a cell's LIST_HEADER: after paragraph count (2), 2 reserved bytes and flags (4)."""
    if len(payload) < 12:
        return None
    column, row = struct.unpack_from("<HH", payload, 8)
    if column > MAX_ADDRESS or row > MAX_ADDRESS:
        return None
    return row, column
