"""Prefect flow ``drop-folder``: one scheduled poll of one drop folder, run by a worker of Evidex's work pool.

A deployment per schedule (``flows.deployments``) runs this flow with two parameters, the schedule's id and the
data directory; the folder, agency and case are read from the schedule book there, so Prefect's database holds no
path or case number unmasked. Each settled, new or changed entry becomes an ingest run (a sub-flow named
``ingest knpa/C-2025-01 E-7``). The deployment's concurrency limit of 1 keeps two polls of a folder from overlapping.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from prefect import flow

from evidex.pipeline.schedules import ScheduleBook
from evidex.settings import load_settings


def _run_name() -> str:
    from prefect.runtime import flow_run

    from evidex.pipeline.report import redactor, run_name

    params = flow_run.parameters
    try:
        settings = load_settings(data_dir=Path(params["data_dir"]))
        schedule = ScheduleBook(settings).get(params["schedule_id"])
    except Exception:  # noqa: BLE001 - a name must never stop the run; the run itself reports the problem
        return f"drop {params.get('schedule_id', '?')}"
    return run_name("drop", schedule.agency, redactor(settings)(schedule.case_id), schedule.schedule_id)


@flow(name="drop-folder", flow_run_name=_run_name, log_prints=False, validate_parameters=False)
def poll_drop_folder(schedule_id: str, data_dir: str) -> dict[str, Any]:
    """Poll the schedule's drop folder once and ingest what is settled and new; returns what was done."""
    from evidex.pipeline.dropfolder import Decision, DropFolder, poll_once
    from flows.runtime import configure_prefect, run_ingest

    settings = load_settings(data_dir=Path(data_dir))
    configure_prefect(settings)
    schedule = ScheduleBook(settings).get(schedule_id)
    if schedule.paused:  # a run created before the pause reached the worker after it
        return {"schedule_id": schedule_id, "paused": True, "batches": []}
    drop = DropFolder(Path(schedule.folder), schedule.agency, schedule.case_id, tuple(schedule.shared_with),
                      schedule.settle_s, schedule.exhibit_prefix)
    if not drop.path.is_dir():
        raise FileNotFoundError(f"schedule {schedule_id}: its drop folder is gone")
    decisions: list[Decision] = []
    summaries = poll_once(drop, settings, lambda spec: run_ingest(spec, settings), decisions=decisions)
    actions: dict[str, int] = {}
    for decision in decisions:
        actions[decision.action] = actions.get(decision.action, 0) + 1
    return {
        "schedule_id": schedule_id, "paused": False, "entries": actions,
        "batches": [{"batch_id": s.batch_id, "items_processed": s.items_processed, "indexed_new": s.indexed_new,
                     "statuses": s.statuses, "stopped": s.stopped} for s in summaries],
    }
