"""``evidex runs list|show``: the history of ingest and reindex runs, from the run ledger of the data directory.

A run left ``running`` by a process that is gone is shown as crashed (the next run also marks it so in
Prefect). The report of a finished run is also a Prefect markdown artifact (``ingest-<batch id>``).
"""

from __future__ import annotations

import click

from evidex.cli.context import echo_json, settings_of


@click.group()
def runs() -> None:
    """Run history: named runs, state, counts, throughput and time per stage."""


@runs.command("list")
@click.option("--limit", default=20, show_default=True, help="How many of the latest runs.")
@click.option("--json", "as_json", is_flag=True)
@click.pass_context
def list_runs(ctx: click.Context, limit: int, as_json: bool) -> None:
    """The latest runs, newest last."""
    from evidex.pipeline.ledger import RunLedger
    from evidex.pipeline.report import throughput

    records = RunLedger(settings_of(ctx).data_dir).all()[-limit:]
    if as_json:
        echo_json([{**r.__dict__, "state": r.shown_state()} for r in records])
        return
    if not records:
        click.echo("no runs yet")
        return
    click.echo(f"{'run':<22} {'state':<10} {'items':>6} {'files/s':>8} {'seconds':>8}  name")
    for r in records:
        report = r.report
        click.echo(f"{r.run_id:<22} {r.shown_state():<10} {report.get('items_processed', 0):>6} "
                   f"{throughput(report):>8.1f} {report.get('seconds', 0.0):>8.1f}  {r.name}")


@runs.command("show")
@click.argument("run_id")
@click.option("--json", "as_json", is_flag=True)
@click.pass_context
def show_run(ctx: click.Context, run_id: str, as_json: bool) -> None:
    """One run's report: counts by status, throughput, time per stage (RUN_ID or its unique start)."""
    from evidex.pipeline.ledger import RunLedger
    from evidex.pipeline.report import markdown_report

    record = RunLedger(settings_of(ctx).data_dir).get(run_id)
    if record is None:
        raise click.ClickException(f"no run {run_id!r} (see `evidex runs list`)")
    if as_json:
        echo_json({**record.__dict__, "state": record.shown_state()})
        return
    click.echo(markdown_report(record.name, record.shown_state(), record.report).rstrip())
    click.echo(f"\nrun {record.run_id}  started {record.started_at}  ended {record.ended_at or '-'}"
               + (f"  Prefect flow run {record.flow_run_id}" if record.flow_run_id else ""))
    if record.message:
        click.echo(f"message: {record.message}")
