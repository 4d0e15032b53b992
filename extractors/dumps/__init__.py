"""Streaming readers for database dumps: CSV/TSV, SQL ``INSERT``/``COPY``, JSON lines, XLSX, and these inside zips.

``iter_tables(path)`` yields ``Table`` records (a header and a one-shot row iterator) without loading the file;
a file or member that cannot be read is a ``Table`` with a ``status`` and ``reason`` instead of rows. Pure: no
Elasticsearch, no Prefect, no identifier logic (columns are typed by the census).
"""

from __future__ import annotations

import zipfile
from collections.abc import Callable, Iterator
from pathlib import Path, PurePosixPath
from typing import IO

from extractors.dumps.base import DumpError, Row, Table, problem
from extractors.dumps.delimited import read_delimited
from extractors.dumps.jsonl import read_jsonl
from extractors.dumps.sheet import read_xlsx
from extractors.dumps.sql import read_sql

__all__ = ["DUMP_EXTENSIONS", "DumpError", "Row", "Table", "dump_format", "iter_tables", "read_stream"]

Reader = Callable[[IO[bytes], str], Iterator[Table]]
READERS: dict[str, Reader] = {
    "csv": read_delimited,
    "tsv": lambda fh, source: read_delimited(fh, source, tab=True),
    "sql": read_sql,
    "jsonl": read_jsonl,
    "xlsx": read_xlsx,
}
DUMP_EXTENSIONS: dict[str, str] = {
    ".csv": "csv", ".txt": "csv", ".tsv": "tsv", ".tab": "tsv", ".sql": "sql", ".dump": "sql",
    ".jsonl": "jsonl", ".ndjson": "jsonl", ".json": "jsonl", ".xlsx": "xlsx", ".xlsm": "xlsx", ".zip": "zip",
}
"""File name endings read as dumps, and the reader of each (``zip``: the dumps inside)."""
MAX_ZIP_DEPTH = 4


def dump_format(name: str, head: bytes = b"") -> str | None:
    """The reader for a file named ``name`` (its first bytes settle ``.txt``/``.json`` and unnamed zips)."""
    if head.startswith(b"PK\x03\x04"):
        return "xlsx" if name.lower().endswith((".xlsx", ".xlsm")) else "zip"
    return DUMP_EXTENSIONS.get(PurePosixPath(name.lower()).suffix)


def read_stream(fh: IO[bytes], name: str, fmt: str, depth: int = 0) -> Iterator[Table]:
    """The tables of one seekable stream read as ``fmt``; never raises for bad content."""
    try:
        if fmt == "zip":
            yield from _zip_tables(fh, name, depth)
            return
        yield from READERS[fmt](fh, name)
    except Exception as exc:  # noqa: BLE001 - the boundary: every failure becomes a table with a status
        yield problem(name, fmt, exc)


def iter_tables(path: Path, name: str | None = None) -> Iterator[Table]:
    """Every table of the dump at ``path`` (``name``: its original name, when ``path`` is a stored blob)."""
    label = name or path.name
    with open(path, "rb") as fh:
        fmt = dump_format(label, fh.read(4))
        fh.seek(0)
        if fmt is None:
            yield Table(label, "unknown", (), status="unsupported", reason="not a dump format (csv, tsv, sql, "
                                                                           "jsonl, xlsx or a zip of them)")
            return
        yield from read_stream(fh, label, fmt)


def _zip_tables(fh: IO[bytes], name: str, depth: int) -> Iterator[Table]:
    if depth >= MAX_ZIP_DEPTH:
        raise DumpError(f"archives nested more than {MAX_ZIP_DEPTH} deep", "unsupported")
    with zipfile.ZipFile(fh) as archive:
        for info in archive.infolist():
            if info.is_dir():
                continue
            member = f"{name}/{info.filename}"
            if info.flag_bits & 0x1:
                yield Table(member, "zip", (), status="encrypted", reason="the archive member is encrypted")
                continue
            try:
                with archive.open(info) as stream:
                    fmt = dump_format(info.filename, stream.read(4))
                    if fmt is None:
                        continue
                    stream.seek(0)
                    yield from read_stream(stream, member, fmt, depth + 1)
            except Exception as exc:  # noqa: BLE001 - one bad member never stops the archive
                yield problem(member, "zip", exc)
