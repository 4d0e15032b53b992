"""The shape every dump reader yields: a table (header + streamed rows), or a problem with a status and reason."""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import IO

Row = Sequence[str | None]
"""One record: cell texts in header order (``None`` for SQL ``NULL`` / empty JSON values); a tuple, or the list the
CSV reader made (not copied: readers of millions of rows avoid one allocation per row)."""

BinaryOpener = IO[bytes]

SAMPLE_BYTES = 64 * 1024
"""Bytes read ahead to choose an encoding and a dialect."""


@dataclass(frozen=True)
class Table:
    """One table of a dump: a CSV file, an SQL table's inserts, a sheet, the objects of a JSON-lines file.

    ``rows`` is a one-shot iterator; consume it before asking the reader for the next table. ``source`` names
    the table inside the file (``member.csv``, ``users``, ``Sheet1``, ``archive.zip/users.csv``). A table that
    could not be read has no rows, a ``status`` other than ``ok`` and a ``reason``.
    """

    source: str
    format: str
    header: tuple[str, ...]
    rows: Iterator[Row] = field(default_factory=lambda: iter(()), compare=False, repr=False)
    status: str = "ok"
    reason: str = ""
    encoding: str | None = None
    delimiter: str | None = None
    """CSV/TSV only: the delimiter the reader sniffed."""
    has_header: bool = True
    """CSV/TSV only: False when the first row held data and ``header`` was made up (``column_1`` …)."""


class DumpError(Exception):
    """A dump that cannot be read; ``code`` is one of the extraction statuses (``corrupt``, ``unsupported`` …)."""

    code = "error"

    def __init__(self, reason: str, code: str | None = None) -> None:
        super().__init__(reason)
        if code:
            self.code = code


def problem(source: str, fmt: str, exc: BaseException) -> Table:
    """A table standing for a file (or member) that could not be read."""
    code = exc.code if isinstance(exc, DumpError) else "corrupt" if isinstance(exc, (ValueError, EOFError)) else "error"
    return Table(source, fmt, (), status=code, reason=f"{type(exc).__name__}: {exc}"[:300])


_DATA_LIKE = re.compile(r"@|\d{6}|\d[-. \d]{6,}\d")


def looks_like_header(cells: tuple[str | None, ...]) -> bool:
    """True when a first row names columns rather than holding a record (no e-mail, no long digit run)."""
    texts = [c for c in cells if c]
    return bool(texts) and not any(_DATA_LIKE.search(c) for c in texts)


def synthetic_header(width: int) -> tuple[str, ...]:
    return tuple(f"column_{i + 1}" for i in range(width))
