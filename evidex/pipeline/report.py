"""Run summaries and reports, free of Prefect: the batch summary, stage timings, the markdown run report.

Everything here may reach a console, a JSON file, the run ledger or Prefect's database, so text from the
evidence (paths, reasons) passes through ``redactor`` first.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from typing import Any

from evidex.custody.backends import open_catalog
from evidex.settings import Settings


@dataclass
class BatchSummary:
    """The receipt of one ingestion run."""

    batch_id: str
    agency: str
    case_id: str
    files: int
    bytes: int
    items_processed: int = 0
    children: int = 0
    statuses: dict[str, int] = field(default_factory=dict)
    failures: dict[str, int] = field(default_factory=dict)
    indexed_new: int = 0
    indexed_updated: int = 0
    already_done: bool = False
    unreadable: list[dict[str, str]] = field(default_factory=list)
    seconds: float = 0.0
    timings: dict[str, float] = field(default_factory=dict)
    receipt: str | None = None
    exhibit: str | None = None
    stopped: str | None = None
    """Why the run stopped before the batch was done (its items stay pending; the same command resumes)."""
    pending: int = 0
    run_id: str | None = None
    notes: list[str] = field(default_factory=list)
    helpers: list[dict[str, Any]] = field(default_factory=list)
    """Counts of the work pool's helper runs that processed chunks of this batch (``EVIDEX_SPREAD_WORKERS``)."""
    xref_run: str | None = None
    """The work pool's flow run that refreshes the cross-reference after this batch (None: done in the run)."""

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def redactor(settings: Settings) -> Callable[[str], str]:
    """Masks personal identifiers in text bound for summaries and logs (paths, reasons)."""
    from models.identifiers import find_identifiers, redact_text

    secret = settings.secret_bytes()
    return lambda text: redact_text(text, find_identifiers(text, secret=secret))


def catalog_counts(settings: Settings, batch_id: str) -> dict[str, int]:
    catalog = open_catalog(settings)
    try:
        return catalog.counts(batch_id)
    finally:
        catalog.close()


def finish_timings(timings: Counter) -> dict[str, float]:
    """Round the stage timings and add orchestration: chunk wall time not spent in any stage."""
    outside = ("chunks_wall", "register", "startup", "finish", "workers", "headstart")  # not within chunks
    stage = sum(v for k, v in timings.items()
                if k not in outside and not k.startswith(("finish.", "workers.", "headstart.")))
    timings["orchestration"] = max(0.0, timings["chunks_wall"] - stage)
    return {k: round(v, 3) for k, v in timings.items()}


def run_name(kind: str, agency: str, case_id: str, exhibit: str | None = None) -> str:
    """The name a run is listed under, e.g. ``ingest knpa/C-2025-01 E-7``."""
    return f"{kind} {agency}/{case_id}" + (f" {exhibit}" if exhibit else "")


def throughput(report: dict[str, Any]) -> float:
    """Items per second of a run report (0 when nothing was processed)."""
    seconds = float(report.get("seconds") or 0.0)
    return report.get("items_processed", 0) / seconds if seconds > 0 else 0.0


def markdown_report(name: str, state: str, report: dict[str, Any]) -> str:
    """A run report as a markdown table (counts by status, throughput, time per stage)."""
    lines = [f"# {name}", "", f"state: **{state}**", ""]
    if report.get("stopped"):
        lines += [f"stopped: {report['stopped']}", ""]
    rows = [("batch", report.get("batch_id") or ", ".join(report.get("batches", []))),
            ("files", report.get("files", "")), ("items processed", report.get("items_processed", 0)),
            ("embedded items", report.get("children", "")), ("indexed new", report.get("indexed_new", "")),
            ("indexed updated", report.get("indexed_updated", "")), ("pending", report.get("pending", "")),
            ("seconds", report.get("seconds", 0.0)), ("items/s", f"{throughput(report):.1f}")]
    lines += ["| field | value |", "|---|---|"] + [f"| {k} | {v} |" for k, v in rows if v != ""]
    if statuses := report.get("statuses"):
        lines += ["", "| status | items |", "|---|---|"] + [f"| {k} | {v} |" for k, v in sorted(statuses.items())]
    if timings := report.get("timings"):
        lines += ["", "| stage | seconds |", "|---|---|"] + [f"| {k} | {v:.2f} |" for k, v in timings.items()]
    if failures := report.get("failures"):
        lines += ["", "| reason | items |", "|---|---|"]
        lines += [f"| {k.replace('|', '/')} | {v} |" for k, v in sorted(failures.items(), key=lambda kv: -kv[1])[:20]]
    return "\n".join(lines) + "\n"
