"""``evidex schedule add|list|pause|resume|remove``: drop folders ingested on a schedule by the work pool's workers.

One Prefect deployment per drop folder (agency, case, exhibit prefix, cron or interval). A run takes only settled
entries whose content is new (by SHA-256), and two runs over one folder never overlap (the deployment's
concurrency limit of 1). Needs ``evidex server start`` (or ``PREFECT_API_URL`` and a worker on some machine).
"""

from __future__ import annotations

from pathlib import Path

import click

from evidex.cli.context import echo_json, settings_of


@click.group()
def schedule() -> None:
    """Scheduled drop folders (Prefect deployments run by Evidex's workers)."""


def _fail(exc: Exception) -> click.ClickException:
    return click.ClickException(str(exc))


@schedule.command("add")
@click.argument("folder", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option("--agency", required=True, help="Agency the batches belong to.")
@click.option("--case", "case_id", required=True, help="Case of the batches.")
@click.option("--every", "every_s", type=float, help="Seconds between polls (at least 5).")
@click.option("--cron", help="A cron expression instead of --every, e.g. '0 * * * *'.")
@click.option("--settle", "settle_s", default=30.0, show_default=True,
              help="Seconds an entry must be unchanged (and seen unchanged by two polls) before it is taken.")
@click.option("--exhibit-prefix", default="", help="Exhibit of each batch: this prefix and the entry's name.")
@click.option("--share-with", multiple=True, help="Agency the batches are shared with (repeatable).")
@click.pass_context
def add(ctx: click.Context, folder: Path, agency: str, case_id: str, every_s: float | None, cron: str | None,
        settle_s: float, exhibit_prefix: str, share_with: tuple[str, ...]) -> None:
    """Ingest FOLDER's settled sub-folders (and files) on a schedule, one batch each."""
    from evidex.pipeline.schedules import ScheduleBook, ScheduleError
    from flows.deployments import add_schedule

    settings = settings_of(ctx)
    try:
        made = add_schedule(settings, ScheduleBook(settings).new(
            folder, agency, case_id, every_s=every_s, cron=cron, settle_s=settle_s,
            exhibit_prefix=exhibit_prefix, shared_with=share_with))
    except (ScheduleError, ValueError) as exc:
        raise _fail(exc) from None
    click.echo(f"schedule {made.schedule_id}: {made.folder} for {made.agency}/{made.case_id}, {made.cadence()} "
               f"(deployment drop-folder/{made.deployment_name})")


@schedule.command("list")
@click.option("--json", "as_json", is_flag=True)
@click.pass_context
def list_(ctx: click.Context, as_json: bool) -> None:
    """Every schedule with its state, last run and next run."""
    from dataclasses import asdict

    from evidex.pipeline.schedules import ScheduleError
    from flows.deployments import list_schedules

    try:
        views = list_schedules(settings_of(ctx))
    except ScheduleError as exc:
        raise _fail(exc) from None
    if as_json:
        echo_json([{**asdict(v.schedule), "last_state": v.last_state, "last_start": v.last_start,
                    "next_run": v.next_run, "runs": v.runs} for v in views])
        return
    if not views:
        click.echo("no schedules; `evidex schedule add FOLDER --agency A --case C --every 300` makes one")
    for v in views:
        s = v.schedule
        state = "paused" if s.paused else "active"
        click.echo(f"{s.schedule_id}  {state:<6}  {s.agency}/{s.case_id}  {s.cadence():<16}  {s.folder}")
        click.echo(f"           runs {v.runs}; last {v.last_state or '-'} {v.last_start or ''}; next {v.next_run or '-'}")


def _set(ctx: click.Context, schedule_id: str, paused: bool) -> None:
    from evidex.pipeline.schedules import ScheduleError
    from flows.deployments import set_paused

    try:
        done = set_paused(settings_of(ctx), schedule_id, paused)
    except ScheduleError as exc:
        raise _fail(exc) from None
    click.echo(f"schedule {done.schedule_id} {'paused' if paused else 'resumed'}")


@schedule.command("pause")
@click.argument("schedule_id")
@click.pass_context
def pause(ctx: click.Context, schedule_id: str) -> None:
    """Stop a schedule from running until it is resumed (a run already queued does nothing)."""
    _set(ctx, schedule_id, True)


@schedule.command("resume")
@click.argument("schedule_id")
@click.pass_context
def resume(ctx: click.Context, schedule_id: str) -> None:
    """Let a paused schedule run again."""
    _set(ctx, schedule_id, False)


@schedule.command("remove")
@click.argument("schedule_id")
@click.pass_context
def remove(ctx: click.Context, schedule_id: str) -> None:
    """Delete a schedule and its deployment (what it ingested stays)."""
    from evidex.pipeline.schedules import ScheduleError
    from flows.deployments import remove_schedule

    try:
        gone = remove_schedule(settings_of(ctx), schedule_id)
    except ScheduleError as exc:
        raise _fail(exc) from None
    click.echo(f"schedule {gone.schedule_id} removed ({gone.folder})")
