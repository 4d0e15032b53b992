"""A census run in steps a flow can schedule and resume: plan, scan each source, combine into the report.

State lives in ``<data_dir>/census/work/<key>/``: one spill directory per source and a ``done.json`` tally once
its scan finished, so a killed run resumes with the sources not yet done (a half-scanned source starts over).
Reports are written to ``<data_dir>/census/reports/<key>.json``.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from evidex.census.columns import ColumnType
from evidex.census.records import RecordLoader
from evidex.census.report import CensusReport, Source, build_report
from evidex.census.scan import FileTally, TableCensus, scan_file
from evidex.census.spill import HashSpill
from evidex.census.values import KeyedHasher


@dataclass(frozen=True)
class CensusPlan:
    key: str
    scope: dict[str, str]
    sources: tuple[Source, ...]
    workdir: Path
    report_path: Path
    scheme: str = "hmac"


def scope_key(case_id: str, batch_id: str | None, agency: str) -> str:
    """The file-safe name of one census scope (case, batch, the agency whose view it is)."""
    material = f"{case_id}\x00{batch_id or ''}\x00{agency}"
    return hashlib.sha256(material.encode()).hexdigest()[:24]


def report_path(data_dir: Path, case_id: str, batch_id: str | None, agency: str) -> Path:
    return data_dir / "census" / "reports" / f"{scope_key(case_id, batch_id, agency)}.json"


def stored_reports(data_dir: Path, agency: str) -> list[dict[str, Any]]:
    """The saved reports computed for ``agency``'s view (``*``: an admin's), newest first: scope and totals."""
    found = []
    for path in (data_dir / "census" / "reports").glob("*.json"):
        try:
            report = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue  # a report being replaced
        scope = report.get("scope", {})
        if scope.get("agency") != agency or not scope.get("case_id"):
            continue
        found.append({"case_id": scope["case_id"], "batch_id": scope.get("batch_id") or None, "rows": report["rows"],
                      "files": len(report.get("files", [])), "distinct": report.get("distinct", {}),
                      "saved": path.stat().st_mtime})
    return sorted(found, key=lambda r: -r["saved"])


def plan(data_dir: Path, scope: dict[str, str], sources: list[Source], key: str, scheme: str = "hmac") -> CensusPlan:
    """The work of one census; ``scheme`` is the spill hash (``blake2b`` when no records index is fed)."""
    workdir = data_dir / "census" / "work" / key
    workdir.mkdir(parents=True, exist_ok=True, mode=0o700)
    listing = [[s.sha256 or str(s.path), s.batch_id] for s in sources] + [scheme]
    marker = workdir / "sources.json"
    if marker.exists() and json.loads(marker.read_text()) != listing:
        shutil.rmtree(workdir)  # the case gained or lost files: start over
        workdir.mkdir(parents=True, mode=0o700)
    marker.write_text(json.dumps(listing))
    return CensusPlan(key, scope, tuple(sources), workdir, data_dir / "census" / "reports" / f"{key}.json", scheme)


def _tally_from(data: dict[str, Any]) -> FileTally:
    tables = [TableCensus(**{**t, "columns": tuple(ColumnType(**c) for c in t["columns"])}) for t in data["tables"]]
    return FileTally(data["rows"], data["rows_with_pii"], Counter(data["values"]), Counter(data["invalid"]), tables)


def done(plan_: CensusPlan, index: int) -> FileTally | None:
    path = plan_.workdir / f"s{index}" / "done.json"
    return _tally_from(json.loads(path.read_text())) if path.is_file() else None


def scan_source(plan_: CensusPlan, index: int, secret: bytes, loader: RecordLoader | None = None,
                progress: Callable[[int], None] | None = None, workers: int = 1) -> FileTally:
    """Scan source ``index`` unless a previous run finished it; its records go to ``loader`` when given (else a
    large CSV/TSV is read by ``workers`` processes)."""
    finished = done(plan_, index)
    if finished is not None:
        return finished
    source = plan_.sources[index]
    spill = HashSpill(plan_.workdir / f"s{index}", index)
    spill.discard()  # a half-written spill of a killed run
    sink = (lambda table, row, found: loader.add(source, table, row, found)) if loader is not None else None
    tally = scan_file(source.path, source.name, spill, KeyedHasher(secret, plan_.scheme), sink, progress,
                      workers)
    if loader is not None:
        loader.flush()
    (plan_.workdir / f"s{index}").mkdir(parents=True, exist_ok=True)
    state = {"rows": tally.rows, "rows_with_pii": tally.rows_with_pii, "values": dict(tally.values),
             "invalid": dict(tally.invalid), "tables": [asdict(t) for t in tally.tables]}
    (plan_.workdir / f"s{index}" / "done.json").write_text(json.dumps(state, ensure_ascii=False))
    return tally


def finish(plan_: CensusPlan, secret: bytes, *, records_indexed: int = 0, started: float | None = None,
           keep_work: bool = False) -> CensusReport:
    """Combine every source's scan into the report, save it, and drop the spills."""
    tallies = []
    for source in plan_.sources:
        tally = done(plan_, source.index)
        if tally is None:
            raise RuntimeError(f"source {source.index} was not scanned; run the census again to resume")
        tallies.append(tally)
    spills = [root for s in plan_.sources
              for root in (plan_.workdir / f"s{s.index}", *sorted((plan_.workdir / f"s{s.index}").glob("part*")))]
    report = build_report(plan_.scope, list(plan_.sources), tallies, spills, secret, records_indexed=records_indexed,
                          seconds=time.perf_counter() - started if started else 0.0)
    report.save(plan_.report_path)
    if not keep_work:
        shutil.rmtree(plan_.workdir, ignore_errors=True)
    return report


def census_paths(paths: list[Path], secret: bytes, workdir: Path,
                 progress: Callable[[int], None] | None = None, workers: int = 1) -> CensusReport:
    """A census of files read directly (no store, no index, no Prefect): the CLI's ``--path`` and the bench."""
    from evidex.census.sources import path_sources

    started = time.perf_counter()
    sources = path_sources(paths, secret)
    key = hashlib.sha256("\x00".join(str(p.resolve()) for p in paths).encode()).hexdigest()[:24]
    plan_ = plan(workdir, {"paths": ", ".join(s.name for s in sources)}, sources, key, "blake2b")
    for source in sources:
        scan_source(plan_, source.index, secret, progress=progress, workers=workers)
    return finish(plan_, secret, started=started)
