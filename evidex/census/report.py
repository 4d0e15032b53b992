"""The census report: per file and in total, rows, rows with personal data, distinct people per type, invalid
values, and overlap between files and between agencies. Names are shown with identifiers masked."""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from evidex.census.scan import FileTally
from evidex.census.spill import count_distinct, labels_in
from models.identifiers import find_identifiers, redact_text


@dataclass(frozen=True)
class Source:
    """One dump file of the census: where its bytes are and whose batch it came in (``name`` masked)."""

    index: int
    name: str
    path: Path
    sha256: str = ""
    item_id: str = ""
    batch_id: str = ""
    agency: str = ""
    case_id: str = ""
    shared_with: tuple[str, ...] = ()


@dataclass(frozen=True)
class FileCensus:
    name: str
    sha256: str
    batch_id: str
    agency: str
    rows: int
    rows_with_pii: int
    values: dict[str, int]
    invalid: dict[str, int]
    distinct: dict[str, int]
    tables: list[dict[str, Any]]


@dataclass(frozen=True)
class Overlap:
    label: str
    a: str
    b: str
    shared: int


@dataclass(frozen=True)
class CensusReport:
    scope: dict[str, str]
    files: list[FileCensus]
    rows: int
    rows_with_pii: int
    distinct: dict[str, int]
    values: dict[str, int]
    invalid: dict[str, int]
    distinct_by_agency: dict[str, dict[str, int]]
    in_several_files: dict[str, int]
    file_overlap: list[Overlap] = field(default_factory=list)
    agency_overlap: list[Overlap] = field(default_factory=list)
    records_indexed: int = 0
    seconds: float = 0.0

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)

    def save(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        tmp = path.with_suffix(".tmp")
        tmp.write_text(json.dumps(self.as_dict(), ensure_ascii=False, indent=1, default=str), encoding="utf-8")
        tmp.replace(path)


def masked_name(name: str, secret: bytes) -> str:
    """A file or table name with any identifier in it masked (``연락처_010-****-7735.csv``)."""
    return redact_text(name, find_identifiers(name, secret=secret))


def _table_summary(table: Any, secret: bytes) -> dict[str, Any]:
    return {"source": masked_name(table.source, secret), "format": table.format, "status": table.status,
            "reason": masked_name(table.reason, secret), "rows": table.rows, "rows_with_pii": table.rows_with_pii,
            "columns": [{"name": masked_name(c.name, secret), "label": c.label, "basis": c.basis,
                         "valid_share": c.valid_share} for c in table.columns if c.label or c.basis == "rejected"]}


def build_report(scope: dict[str, str], sources: list[Source], tallies: list[FileTally], spills: list[Path],
                 secret: bytes, *, records_indexed: int = 0, seconds: float = 0.0) -> CensusReport:
    """Combine the scans of ``sources`` (``spills[i]`` holds source i's hashes) into one report."""
    groups = [s.agency or "-" for s in sources]
    distinct: dict[str, int] = {}
    per_file: list[Counter[str]] = [Counter() for _ in sources]
    by_agency: dict[str, dict[str, int]] = {}
    several: dict[str, int] = {}
    file_overlap, agency_overlap = [], []
    for label in labels_in(spills):
        result = count_distinct(spills, label, groups)
        distinct[label] = result.total
        several[label] = result.in_several_sources
        for source, count in result.per_source.items():
            per_file[source][label] = count
        for agency, count in result.per_group.items():
            by_agency.setdefault(agency, {})[label] = count
        file_overlap += [Overlap(label, sources[a].name, sources[b].name, n)
                         for (a, b), n in sorted(result.source_pairs.items())]
        agency_overlap += [Overlap(label, a, b, n) for (a, b), n in sorted(result.group_pairs.items())]
    values: Counter[str] = Counter()
    invalid: Counter[str] = Counter()
    files = []
    for source, tally, found in zip(sources, tallies, per_file):
        values.update(tally.values)
        invalid.update(tally.invalid)
        files.append(FileCensus(source.name, source.sha256, source.batch_id, source.agency, tally.rows,
                                tally.rows_with_pii, dict(sorted(tally.values.items())),
                                dict(sorted(tally.invalid.items())), dict(sorted(found.items())),
                                [_table_summary(t, secret) for t in tally.tables]))
    return CensusReport(scope, files, sum(t.rows for t in tallies), sum(t.rows_with_pii for t in tallies),
                        dict(sorted(distinct.items())), dict(sorted(values.items())), dict(sorted(invalid.items())),
                        by_agency, several, file_overlap, agency_overlap, records_indexed, round(seconds, 3))
