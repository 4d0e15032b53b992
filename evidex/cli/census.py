"""``evidex census``: the scale of a leak (rows, distinct people per type, overlaps), lookups, notification lists."""

from __future__ import annotations

import sys
from dataclasses import asdict
from pathlib import Path

import click

from evidex.cli.context import echo_json, settings_of


def _user(ctx: click.Context, as_user: str | None):  # noqa: ANN202
    from evidex.search.identity import cli_user

    user = cli_user(as_user)
    if user.agency != "local":
        settings_of(ctx).check_agency(user.agency)
    return user


def _print_report(report) -> None:  # noqa: ANN001
    click.echo(f"{report.rows:,} rows scanned in {len(report.files)} file(s), {report.rows_with_pii:,} with "
               f"personal data")
    for label, count in report.distinct.items():
        invalid = report.invalid.get(label, 0)
        click.echo(f"  {label:<15} {count:>12,} distinct   {report.values.get(label, 0):>12,} values"
                   + (f"   {invalid:,} invalid" if invalid else ""))
    for label, count in report.invalid.items():
        if label not in report.distinct:
            click.echo(f"  {label:<15} {0:>12,} distinct   {0:>12,} values   {count:,} invalid")
    for f in report.files:
        click.echo(f"  file {f.name}: {f.rows:,} rows, {f.rows_with_pii:,} with personal data, distinct "
                   + ", ".join(f"{k} {v:,}" for k, v in f.distinct.items()))
    for o in report.file_overlap:
        click.echo(f"  overlap {o.label}: {o.a} ∩ {o.b} = {o.shared:,}")
    for o in report.agency_overlap:
        click.echo(f"  agencies {o.label}: {o.a} ∩ {o.b} = {o.shared:,}")


@click.group(invoke_without_command=True)
@click.option("--case", "case_id", help="Count the dump files of this case's batches.")
@click.option("--batch", "batch_id", help="Only this batch of the case.")
@click.option("--path", "paths", multiple=True, type=click.Path(exists=True, path_type=Path),
              help="Count these files or folders directly (no store, no index, no Prefect); repeatable.")
@click.option("--no-records", is_flag=True, help="Do not fill the records index (counts only).")
@click.option("--as", "as_user", help="As name@agency[:roles].")
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
@click.option("--pdf", "pdf_path", type=click.Path(dir_okay=False, path_type=Path),
              help="Also write the report as a PDF (tables and charts) to this file.")
@click.option("--png", "png_path", type=click.Path(dir_okay=False, path_type=Path),
              help="Also write the report's first page as a PNG image to this file.")
@click.pass_context
def census(ctx: click.Context, case_id: str | None, batch_id: str | None, paths: tuple[Path, ...], no_records: bool,
           as_user: str | None, as_json: bool, pdf_path: Path | None, png_path: Path | None) -> None:
    """How many people's data leaked, of which kinds: rows, distinct people per identifier type (by keyed hash),
    invalid values, overlap between files and agencies. Resumes a killed run."""
    if ctx.invoked_subcommand:
        return
    settings = settings_of(ctx)
    if paths:
        from evidex.census import census_paths
        from evidex.census.parallel import default_workers

        work = settings.data_dir / "census" / "direct"
        report = census_paths(list(paths), settings.secret_bytes(), work, workers=default_workers())
    elif case_id:
        from flows.census_flow import run_census

        user = _user(ctx, as_user)
        shown: dict[str, int] = {}

        def progress(name: str, rows: int) -> None:
            if not as_json and rows - shown.get(name, 0) >= 1_000_000:
                shown[name] = rows
                click.echo(f"  {name}: {rows:,} rows", err=True)

        report = run_census(settings, user, case_id, batch_id, index_records=not no_records, progress=progress)
    else:
        raise click.UsageError("give --case (and optionally --batch) or --path")
    if as_json:
        echo_json(report.as_dict())
    else:
        _print_report(report)
    if pdf_path or png_path:
        from evidex.census.pdf import report_pdf, report_png

        title = f"Leak census · {case_id}" if case_id else "Leak census"
        for target, render in ((pdf_path, lambda r: report_pdf(r, title=title)), (png_path, report_png)):
            if target:
                target.write_bytes(render(report.as_dict()))
                click.echo(f"wrote {target}", err=True)


@census.command("lookup")
@click.argument("value")
@click.option("--as", "as_user", help="As name@agency[:roles] (privacy_officer or admin).")
@click.option("--reveal", is_flag=True, help="Show the value asked about unmasked in the records found.")
@click.option("--json", "as_json", is_flag=True)
@click.pass_context
def census_lookup(ctx: click.Context, value: str, as_user: str | None, reveal: bool, as_json: bool) -> None:
    """Is VALUE (a phone, e-mail, resident number, card … or TYPE:value) in the leak? Audited."""
    from evidex.search.census_lookup import lookup
    from evidex.search.factory import search_service

    result = lookup(search_service(settings_of(ctx)), _user(ctx, as_user), value, reveal=reveal)
    if as_json:
        echo_json(asdict(result))
        return
    click.echo(f"{result.label} {result.query}: {result.message}")
    for r in result.records:
        kinds = "; ".join(f"{k} {', '.join(v)}" for k, v in r.identifiers.items())
        click.echo(f"  case {r.case_id} batch {r.batch_id} ({r.agency}) {r.file} {r.table} row {r.row}: {kinds}")


@census.command("notify")
@click.option("--case", "case_id", required=True)
@click.option("--batch", "batch_id")
@click.option("--type", "label", required=True, help="Identifier type, e.g. PHONE, EMAIL, RRN.")
@click.option("--as", "as_user", help="As name@agency[:roles] (privacy_officer or admin).")
@click.pass_context
def census_notify(ctx: click.Context, case_id: str, batch_id: str | None, label: str, as_user: str | None) -> None:
    """CSV of the people affected, one line per distinct identifier of TYPE (masked), for notifications. Audited."""
    from evidex.search.census_lookup import affected, notify_csv
    from evidex.search.factory import search_service

    rows = affected(search_service(settings_of(ctx)), _user(ctx, as_user), case_id, label, batch_id)
    count = -1
    try:
        for count, chunk in enumerate(notify_csv(rows)):
            sys.stdout.write(chunk)
        sys.stdout.flush()
    finally:
        rows.close()
    click.echo(f"{max(count, 0):,} people", err=True)
