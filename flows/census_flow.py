"""Prefect flow ``census_case``: the leak census of a case's (or batch's) dump files, one task per file, resumable.

The flow receives an opaque handle and a file count only (``flows.handles``): no path, case name or identifier
reaches Prefect's database. A killed run resumes with the files it had not finished (``evidex.census.job``).
``run_census`` is what the CLI calls.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from prefect import flow, task
from prefect.cache_policies import NO_CACHE

from evidex.census import CensusPlan, CensusReport, RecordLoader, case_sources, finish, plan, scan_source, scope_key
from evidex.census.parallel import default_workers
from evidex.settings import Settings
from flows.handles import hold, release, take

Progress = Callable[[str, int], None]
"""Called with (file name, rows read so far in it)."""


@dataclass
class _Run:
    settings: Settings
    plan: CensusPlan
    secret: bytes
    loader: RecordLoader | None
    progress: Progress | None
    started: float
    report: CensusReport | None = None


@task(name="census-file", cache_policy=NO_CACHE)
def census_file(handle: str, index: int) -> int:
    """Scan one source (skipped when a previous run finished it); returns its rows."""
    (run,) = take(handle)
    source = run.plan.sources[index]
    tick = (lambda rows: run.progress(source.name, rows)) if run.progress else None
    tally = scan_source(run.plan, index, run.secret, run.loader, tick, workers=1 if run.loader else default_workers())
    if run.progress:
        run.progress(source.name, tally.rows)
    return tally.rows


@task(name="census-report", cache_policy=NO_CACHE)
def census_report(handle: str) -> int:
    (run,) = take(handle)
    run.report = finish(run.plan, run.secret, records_indexed=run.loader.sent if run.loader else 0,
                        started=run.started)
    return run.report.rows


@flow(name="census_case", flow_run_name="census", persist_result=False)
def census_case(handle: str, files: int) -> int:
    """Count every file of the planned census, then combine the counts; returns the rows scanned."""
    rows = sum(census_file(handle, index) for index in range(files))
    census_report(handle)
    return rows


def run_census(settings: Settings, user: Any, case_id: str, batch_id: str | None = None, *,
               index_records: bool = True, progress: Progress | None = None) -> CensusReport:
    """Run ``census_case`` for the dump files of ``case_id`` (and ``batch_id``) that ``user`` may see."""
    from evidex.node.client import make_client
    from evidex.search.factory import search_service
    from flows.runtime import configure_prefect

    started = time.perf_counter()
    secret = settings.secret_bytes()
    sources = case_sources(settings, secret, case_id, batch_id, user.agency, user.is_admin)
    key = scope_key(case_id, batch_id, "*" if user.is_admin else user.agency)
    scope = {"case_id": case_id, "batch_id": batch_id or "", "agency": "*" if user.is_admin else user.agency}
    census = plan(settings.data_dir, scope, sources, key, "hmac" if index_records else "blake2b")
    service = search_service(settings)  # applies the index templates (records included)
    loader = RecordLoader(make_client(settings), settings.es_index_prefix, settings.bulk_max_bytes) \
        if index_records else None
    configure_prefect(settings)
    run = _Run(settings, census, secret, loader, progress, started)
    handle = hold(run)
    try:
        if loader is not None:
            with loader:
                census_case(handle, len(sources))
        else:
            census_case(handle, len(sources))
    finally:
        release(handle)
    assert run.report is not None
    service.audit.write(user, "census", filters={"case_id": case_id, "batch_id": batch_id},
                        result_count=run.report.rows)
    return run.report
