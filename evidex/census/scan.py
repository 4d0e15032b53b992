"""One pass over one dump: rows, rows with personal data, valid and invalid values per type, hashes spilled.

Each table's first ``SAMPLE_ROWS`` rows type its columns (``evidex.census.columns``), then every row is checked
cell by cell in the typed columns only. A value that fails validation (bad check digit, impossible date, an
exchange starting with 0) is counted as invalid for its column's type and is never hashed.
"""

from __future__ import annotations

import itertools
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from evidex.census.columns import ColumnType, type_columns
from evidex.census.spill import HashSpill
from evidex.census.values import KeyedHasher, checker
from extractors.dumps import Row, Table, dump_format, iter_tables

SAMPLE_ROWS = 500
PROGRESS_EVERY = 100_000
CHUNK_ROWS = 4096

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


def _plan(verdicts: tuple[ColumnType, ...], spill: HashSpill, hasher: KeyedHasher) -> list[tuple]:
    """Per typed column: (index, label, check, hash, append), bound once per table."""
    return [(c.index, c.label, checker(c.label), hasher.for_label(c.label), spill.appender(c.label))
            for c in verdicts if c.label]


def _count_rows(rows: Iterable[Row], plan: list[tuple], invalid: Counter[str]) -> tuple[int, int]:
    """The hot loop without a record sink: (rows, rows with personal data)."""
    count = with_pii = 0
    for row in rows:
        count += 1
        hit = False
        for index, label, check, digest, append in plan:
            try:
                raw = row[index]
            except IndexError:
                continue
            if not raw:
                continue
            raw = raw.strip()
            if not raw:
                continue
            norm = check(raw)
            if norm is None:
                invalid[label] += 1
                continue
            append(digest(norm))
            hit = True
        if hit:
            with_pii += 1
    return count, with_pii


def _record_rows(rows: Iterable[Row], plan: list[tuple], invalid: Counter[str], source: str, first_row: int,
                 on_record: RecordSink) -> tuple[int, int]:
    """The same loop, each row's identifiers handed to ``on_record``."""
    count = with_pii = 0
    for row in rows:
        count += 1
        found: Found = []
        for index, label, check, digest, append in plan:
            raw = row[index] if index < len(row) else None
            if not raw or not (raw := raw.strip()):
                continue
            norm = check(raw)
            if norm is None:
                invalid[label] += 1
                continue
            hashed = digest(norm)
            append(hashed)
            found.append((label, hashed, raw))
        if found:
            with_pii += 1
            on_record(source, first_row + count, found)
    return count, with_pii


def scan_rows(rows: Iterator[Row], plan: list[tuple], spill: HashSpill, invalid: Counter[str],
              progress: Callable[[int], None] | None = None, done: int = 0, source: str = "",
              on_record: RecordSink | None = None) -> tuple[int, int]:
    """Count ``rows`` in chunks (spill flushed and progress told between chunks): (rows, rows with data)."""
    count = with_pii = 0
    told = done
    while chunk := list(itertools.islice(rows, CHUNK_ROWS)):
        if on_record is None:
            n, hits = _count_rows(chunk, plan, invalid)
        else:
            n, hits = _record_rows(chunk, plan, invalid, source, count, on_record)
        count += n
        with_pii += hits
        spill.maybe_flush()
        if progress is not None and done + count - told >= PROGRESS_EVERY:
            told = done + count
            progress(told)
    return count, with_pii


def scan_table(table: Table, spill: HashSpill, hasher: KeyedHasher, tally: FileTally,
               on_record: RecordSink | None = None, progress: Callable[[int], None] | None = None) -> None:
    """Count one table into ``tally`` (its rows consumed); columns are typed once, only typed ones are read."""
    rows = table.rows
    sample = list(itertools.islice(rows, SAMPLE_ROWS))
    verdicts = tuple(type_columns(table.header, sample))
    plan = _plan(verdicts, spill, hasher)
    labels = sorted({c.label for c in verdicts if c.label})
    before = {label: spill.added(label) for label in labels}
    if plan:
        count, with_pii = scan_rows(itertools.chain(sample, rows), plan, spill, tally.invalid, progress,
                                    tally.rows, table.source, on_record)
    else:
        count, with_pii = len(sample) + sum(1 for _ in rows), 0
    for label in labels:
        tally.values[label] += spill.added(label) - before[label]
    tally.rows += count
    tally.rows_with_pii += with_pii
    tally.tables.append(TableCensus(table.source, table.format, table.status, table.reason, count, with_pii,
                                    verdicts))


def _scan_split(path: Path, name: str, spill: HashSpill, hasher: KeyedHasher, tally: FileTally,
                progress: Callable[[int], None] | None, workers: int) -> bool:
    """Count a large plain CSV/TSV over ``workers`` processes; False when it is not one or could not be cut."""
    from evidex.census import parallel

    with open(path, "rb") as fh:
        if dump_format(name, fh.read(4)) not in ("csv", "tsv"):
            return False
    tables = iter_tables(path, name)
    try:
        table = next(tables, None)
        if table is None or table.status != "ok" or table.delimiter is None or \
                not parallel.splittable(table.encoding, path.stat().st_size, workers):
            return False
        verdicts = tuple(type_columns(table.header, list(itertools.islice(table.rows, SAMPLE_ROWS))))
    finally:
        tables.close()
    if not any(c.label for c in verdicts):
        return False
    found = parallel.scan_parallel(path, str(table.encoding), table.delimiter, table.has_header, verdicts,
                                   spill.root, spill.source, hasher.scheme, hasher.secret, workers, progress)
    if found is None:
        return False
    tally.rows += found["rows"]
    tally.rows_with_pii += found["rows_with_pii"]
    tally.values.update(found["values"])
    tally.invalid.update(found["invalid"])
    tally.tables.append(TableCensus(table.source, table.format, "ok", "", found["rows"], found["rows_with_pii"],
                                    verdicts))
    return True


def scan_file(path: Path, name: str, spill: HashSpill, hasher: KeyedHasher, on_record: RecordSink | None = None,
              progress: Callable[[int], None] | None = None, workers: int = 1) -> FileTally:
    """Every table of one dump file (``name``: its original name, which picks the reader); a large CSV/TSV over
    ``workers`` processes when no record sink is given."""
    tally = FileTally()
    if workers > 1 and on_record is None and _scan_split(path, name, spill, hasher, tally, progress, workers):
        return tally
    for table in iter_tables(path, name):
        scan_table(table, spill, hasher, tally, on_record, progress)
    spill.flush()
    return tally
