"""One pass over one dump: rows, rows with personal data, valid and invalid values per type, hashes spilled.

Each table's first ``SAMPLE_ROWS`` rows type its columns (``evidex.census.columns``), then every row is checked
cell by cell in the typed columns only. A value that fails validation (bad check digit, impossible date, an
exchange starting with 0) is counted as invalid for its column's type and is never hashed.
"""

from __future__ import annotations

import itertools
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from evidex.census.columns import ColumnType, type_columns
from evidex.census.spill import HashSpill
from evidex.census.values import KeyedHasher, normalise
from extractors.dumps import Table, iter_tables

SAMPLE_ROWS = 500
PROGRESS_EVERY = 100_000

Found = list[tuple[str, bytes, str]]
"""(type, keyed hash, raw value) of one row's valid identifiers; raw values never leave the process."""
RecordSink = Callable[[str, int, Found], None]
"""Receives (table, row number from 1, identifiers) for every row holding personal data."""


@dataclass(frozen=True)
class TableCensus:
    source: str
    format: str
    status: str
    reason: str
    rows: int
    rows_with_pii: int
    columns: tuple[ColumnType, ...]


@dataclass
class FileTally:
    """What one scan counted (distinct counts come later, from the spills of every file together)."""

    rows: int = 0
    rows_with_pii: int = 0
    values: Counter[str] = field(default_factory=Counter)
    invalid: Counter[str] = field(default_factory=Counter)
    tables: list[TableCensus] = field(default_factory=list)


def scan_table(table: Table, spill: HashSpill, hasher: KeyedHasher, tally: FileTally,
               on_record: RecordSink | None = None, progress: Callable[[int], None] | None = None) -> None:
    """Count one table into ``tally`` (its rows consumed)."""
    rows = table.rows
    sample = list(itertools.islice(rows, SAMPLE_ROWS))
    verdicts = tuple(type_columns(table.header, sample))
    typed = [(c.index, c.label) for c in verdicts if c.label]
    count = with_pii = 0
    values, invalid = tally.values, tally.invalid
    add, digest = spill.add, hasher.digest
    for row in itertools.chain(sample, rows) if typed else ():
        count += 1
        found: Found | None = None
        width = len(row)
        for index, label in typed:
            raw = row[index] if index < width else None
            if not raw:
                continue
            raw = raw.strip()
            if not raw:
                continue
            norm = normalise(label, raw)
            if norm is None:
                invalid[label] += 1
                continue
            hashed = digest(label, norm)
            add(label, hashed)
            values[label] += 1
            if found is None:
                found = []
            found.append((label, hashed, raw))
        if found is not None:
            with_pii += 1
            if on_record is not None:
                on_record(table.source, count, found)
        if progress is not None and count % PROGRESS_EVERY == 0:
            progress(tally.rows + count)
    if not typed:
        count = len(sample) + sum(1 for _ in rows)
    tally.rows += count
    tally.rows_with_pii += with_pii
    tally.tables.append(TableCensus(table.source, table.format, table.status, table.reason, count, with_pii,
                                    verdicts))


def scan_file(path: Path, name: str, spill: HashSpill, hasher: KeyedHasher, on_record: RecordSink | None = None,
              progress: Callable[[int], None] | None = None) -> FileTally:
    """Every table of one dump file (``name``: its original name, which picks the reader)."""
    tally = FileTally()
    for table in iter_tables(path, name):
        scan_table(table, spill, hasher, tally, on_record, progress)
    spill.flush()
    return tally
