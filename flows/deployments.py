"""Evidex's schedules as Prefect deployments of the ``drop-folder`` flow in Evidex's work pool.

Every function needs a Prefect server: the one ``evidex server start`` runs for the data directory, or the one
``PREFECT_API_URL`` names. The pool is a ``process`` pool; a worker (``evidex server start`` starts one,
``evidex worker start`` joins from any machine) runs each flow run in a child process, importing the flow by
module path (``flows.schedule_flow``), so any machine with Evidex installed can run it.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import timedelta
from typing import Any
from uuid import UUID

from evidex.pipeline.schedules import Schedule, ScheduleBook, ScheduleError
from evidex.settings import Settings
from flows.runtime import configure_prefect

ENTRYPOINT = "flows.schedule_flow:poll_drop_folder"


def _client(settings: Settings) -> Any:
    configure_prefect(settings)
    if not os.environ.get("PREFECT_API_URL"):
        raise ScheduleError("schedules need a Prefect server: start one with `evidex server start` "
                            "(or set PREFECT_API_URL to an existing server)")
    from flows.serverctl import answers

    if not answers(os.environ["PREFECT_API_URL"]):
        raise ScheduleError(f"the Prefect server at {os.environ['PREFECT_API_URL']} does not answer; "
                            "`evidex server status` says more")
    from prefect.client.orchestration import get_client

    return get_client(sync_client=True)


def ensure_pool(client: Any, name: str) -> None:
    from prefect.client.schemas.actions import WorkPoolCreate
    from prefect.exceptions import ObjectAlreadyExists, ObjectNotFound

    try:
        client.read_work_pool(name)
    except ObjectNotFound:
        try:
            client.create_work_pool(WorkPoolCreate(name=name, type="process",
                                                   description="Evidex: scheduled drop-folder ingests"))
        except ObjectAlreadyExists:  # another machine made it first
            pass


def apply_in_pool(client: Any, settings: Settings, flow: Any, entrypoint: str, **options: Any) -> Any:
    """Make or update a deployment of ``flow`` in the work pool (the pool made first if missing); its id.

    By module path (``entrypoint``): no working directory to carry between machines, any worker runs it."""
    from prefect.deployments.runner import RunnerDeployment

    ensure_pool(client, settings.work_pool)
    deployment = RunnerDeployment.from_flow(flow, **options)
    deployment.entrypoint = entrypoint
    deployment._path = None
    return deployment.apply(work_pool_name=settings.work_pool)


def _apply(client: Any, settings: Settings, schedule: Schedule) -> str:
    from prefect.client.schemas.objects import ConcurrencyLimitConfig, ConcurrencyLimitStrategy

    from evidex.pipeline.report import redactor
    from flows.schedule_flow import poll_drop_folder

    if schedule.cron:
        from prefect.client.schemas.schedules import CronSchedule

        try:
            CronSchedule(cron=schedule.cron)
        except ValueError:
            raise ScheduleError(f"not a cron expression: {schedule.cron!r} (five fields, e.g. '*/15 * * * *')") from None
    return str(apply_in_pool(
        client, settings, poll_drop_folder, ENTRYPOINT, name=schedule.deployment_name,
        interval=timedelta(seconds=schedule.every_s) if schedule.every_s else None, cron=schedule.cron,
        parameters={"schedule_id": schedule.schedule_id, "data_dir": str(settings.data_dir)},
        # one poll of a folder at a time; a poll due while one runs is cancelled, not queued behind it
        concurrency_limit=ConcurrencyLimitConfig(limit=1, collision_strategy=ConcurrencyLimitStrategy.CANCEL_NEW),
        paused=schedule.paused, tags=["evidex", "drop-folder", schedule.agency],
        description=(f"Drop folder of {schedule.agency}, case {redactor(settings)(schedule.case_id)}, "
                     f"{schedule.cadence()} (schedule {schedule.schedule_id})"),
    ))


def add_schedule(settings: Settings, schedule: Schedule) -> Schedule:
    """Save the schedule and make its deployment; nothing is saved when the server refuses it."""
    with _client(settings) as client:
        schedule.deployment_id = _apply(client, settings, schedule)
    ScheduleBook(settings).save(schedule)
    return schedule


def set_paused(settings: Settings, schedule_id: str, paused: bool) -> Schedule:
    book = ScheduleBook(settings)
    schedule = book.get(schedule_id)
    schedule.paused = paused
    book.save(schedule)  # first: a run already queued then finds the schedule paused and does nothing
    with _client(settings) as client:
        if paused:
            client.pause_deployment(schedule.deployment_id)
        else:
            client.resume_deployment(schedule.deployment_id)
    return schedule


def remove_schedule(settings: Settings, schedule_id: str) -> Schedule:
    book = ScheduleBook(settings)
    schedule = book.get(schedule_id)
    with _client(settings) as client:
        from prefect.exceptions import ObjectNotFound

        try:
            client.delete_deployment(UUID(schedule.deployment_id))
        except ObjectNotFound:
            pass
    return book.remove(schedule_id)


@dataclass
class ScheduleView:
    schedule: Schedule
    last_state: str | None = None
    last_start: str | None = None
    next_run: str | None = None
    runs: int = 0


def list_schedules(settings: Settings) -> list[ScheduleView]:
    """Every schedule with its latest run and next run, as Prefect knows them."""
    views = []
    schedules = ScheduleBook(settings).all()
    if not schedules:
        return []
    with _client(settings) as client:  # before any Prefect import: it reads the server's URL once, when imported
        from prefect.client.schemas.filters import DeploymentFilter, DeploymentFilterId, FlowRunFilter
        from prefect.client.schemas.filters import FlowRunFilterState, FlowRunFilterStateType
        from prefect.client.schemas.objects import StateType
        from prefect.client.schemas.sorting import FlowRunSort

        for schedule in schedules:
            view = ScheduleView(schedule)
            views.append(view)
            if not schedule.deployment_id:
                continue
            by_deployment = DeploymentFilter(id=DeploymentFilterId(any_=[schedule.deployment_id]))
            # polls due while one ran are cancelled by the concurrency limit: not runs worth listing
            not_scheduled = FlowRunFilter(state=FlowRunFilterState(type=FlowRunFilterStateType(
                not_any_=[StateType.SCHEDULED, StateType.CANCELLED, StateType.PENDING])))
            done = client.read_flow_runs(deployment_filter=by_deployment, flow_run_filter=not_scheduled,
                                         sort=FlowRunSort.START_TIME_DESC, limit=1)
            view.runs = client.count_flow_runs(deployment_filter=by_deployment, flow_run_filter=not_scheduled)
            if done:
                view.last_state = done[0].state.name if done[0].state else None
                view.last_start = done[0].start_time.isoformat(timespec="seconds") if done[0].start_time else None
            upcoming = client.get_scheduled_flow_runs_for_deployments([UUID(schedule.deployment_id)], limit=1)
            if upcoming and not schedule.paused:
                view.next_run = min(r.expected_start_time for r in upcoming).isoformat(timespec="seconds")
    return views
