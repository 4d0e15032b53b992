"""``evidex xref``: who else holds the values of a case's documents, and requests to share them."""

from __future__ import annotations

from dataclasses import asdict
from pathlib import Path

import click

from evidex.cli.context import echo_json, settings_of


def _parts(ctx: click.Context, as_user: str | None):  # noqa: ANN202
    from evidex.search.access_requests import AccessRequests
    from evidex.search.factory import search_service
    from evidex.search.identity import cli_user
    from evidex.search.xref import CrossReference

    settings = settings_of(ctx)
    user = cli_user(as_user)
    if user.agency != "local":
        settings.check_agency(user.agency)
    xref = CrossReference(search_service(settings), settings.data_dir)
    return settings, user, xref, AccessRequests(xref, settings.data_dir, list(settings.agencies))


@click.group(invoke_without_command=True)
@click.option("--case", "case_id", help="Cross-reference this case's documents.")
@click.option("--batch", "batch_id", help="Or only this batch's.")
@click.option("--as", "as_user", help="As name@agency[:roles].")
@click.option("--reveal", is_flag=True, help="Show identifiers unmasked (privacy_officer/admin only).")
@click.option("--limit", default=50, show_default=True, type=click.IntRange(1, 2000))
@click.option("--json", "as_json", is_flag=True)
@click.pass_context
def xref(ctx: click.Context, case_id: str | None, batch_id: str | None, as_user: str | None, reveal: bool,
         limit: int, as_json: bool) -> None:
    """Values of your documents that other agencies' unshared documents also name (counts only), most specific first."""
    if ctx.invoked_subcommand:
        return
    _, user, cross, _ = _parts(ctx, as_user)
    result = cross.compute(user, case_id=case_id, batch_id=batch_id, reveal=reveal, limit=limit)
    if as_json:
        echo_json(asdict(result))
        return
    click.echo(f"{result.values_checked} value(s) checked, {len(result.matches)} also held elsewhere")
    for m in result.matches:
        holders = ", ".join(f"{agency} {count}" for agency, count in sorted(m.other_agencies.items()))
        click.echo(f"  {m.label:<14} {m.value:<30} also held by: {holders}   (yours: {m.own_count}, "
                   f"specificity {m.specificity})  ref={m.ref}")


@xref.command("request")
@click.argument("ref")
@click.option("--to", "to_agency", required=True, help="The holding agency.")
@click.option("--case", "case_id", required=True)
@click.option("--message", default="")
@click.option("--as", "as_user")
@click.pass_context
def xref_request(ctx: click.Context, ref: str, to_agency: str, case_id: str, message: str,
                 as_user: str | None) -> None:
    """Ask the holding agency to share its documents naming REF (from an xref result)."""
    settings, user, _, requests = _parts(ctx, as_user)
    settings.check_agency(to_agency)
    request = requests.create(user, ref, to_agency, case_id, message)
    click.echo(f"request {request.request_id} sent to {to_agency}")


@xref.command("requests")
@click.option("--as", "as_user")
@click.option("--json", "as_json", is_flag=True)
@click.pass_context
def xref_requests(ctx: click.Context, as_user: str | None, as_json: bool) -> None:
    """Requests from or to your agency."""
    _, user, _, requests = _parts(ctx, as_user)
    shown = [requests.describe(user, r) for r in requests.visible(user)]
    if as_json:
        echo_json(shown)
        return
    for r in shown:
        click.echo(f"{r['request_id']}  {r['state']:<8} {r['from_agency']} → {r['to_agency']}  case {r['case_id']}  "
                   f"{r.get('value', r['ref'])}" + (f"  ({r['matching_documents']} document(s))"
                                                   if "matching_documents" in r else ""))


@xref.command("answer")
@click.argument("request_id")
@click.option("--accept/--refuse", required=True)
@click.option("--scope", type=click.Choice(["documents", "batch"]), default="documents", show_default=True)
@click.option("--as", "as_user")
@click.pass_context
def xref_answer(ctx: click.Context, request_id: str, accept: bool, scope: str, as_user: str | None) -> None:
    """Accept (share the matching documents or their batches) or refuse a request to your agency (admins)."""
    _, user, _, requests = _parts(ctx, as_user)
    answered = requests.answer(user, request_id, accept=accept, scope=scope)
    click.echo(f"request {request_id} {answered.state}; {answered.shared_documents} document(s) shared")


@xref.command("exclude")
@click.argument("batch_id", required=False)
@click.option("--source", type=click.Path(exists=True, path_type=Path),
              help="Mark a batch before it lands: the folder or archive about to be ingested (with --case).")
@click.option("--case", "case_id", help="With --source: the case it will be ingested under.")
@click.option("--exhibit", help="With --source: its exhibit number, as it will be given to evidex ingest.")
@click.option("--undo", is_flag=True, help="Take the batch back into cross-references.")
@click.option("--as", "as_user", help="As name@agency[:roles].")
@click.pass_context
def xref_exclude(ctx: click.Context, batch_id: str | None, source: Path | None, case_id: str | None,
                 exhibit: str | None, undo: bool, as_user: str | None) -> None:
    """Keep one of your agency's batches out of every cross-reference (covert sources …).

    Mark it before it lands (--source, --case, --exhibit as for evidex ingest) and its values never appear in
    another agency's matches; a batch marked after it landed is taken out at once.
    """
    from evidex.search.xref import Recount, batch_owner

    settings, user, cross, _ = _parts(ctx, as_user)
    if source is not None:
        if not case_id:
            raise click.BadParameter("--source needs the --case the batch will be ingested under", param_hint="--case")
        if user.agency == "local":
            raise click.BadParameter("say which agency will own the batch: --as name@agency", param_hint="--as")
        from evidex.pipeline.batch import BatchSpec, batch_key

        batch_id, owner = batch_key(BatchSpec(source, user.agency, case_id, exhibit)).batch_id, user.agency
    elif not batch_id:
        raise click.UsageError("name a BATCH_ID, or --source and --case of a batch about to be ingested")
    else:
        owner = batch_owner(settings, batch_id)
        if owner is None or not (user.agency == owner or (user.is_admin and user.agency == "local")):
            raise click.ClickException(f"batch {batch_id} is not one of {user.agency}'s batches")
    cross.excluded.set(batch_id, owner, not undo)
    cross.service.audit.write(user, "xref_exclusion", filters={"batch_id": batch_id, "excluded": not undo})
    Recount(cross.client, cross.docs, settings.data_dir, list(settings.agencies)).refresh(
        {"term": {"batch_id": batch_id}})
    click.echo(f"batch {batch_id} {'back in' if undo else 'kept out of'} cross-references")


@xref.command("refresh")
@click.option("--batch", "batch_ids", multiple=True, help="Only the values of this batch (repeatable); else all.")
@click.option("--json", "as_json", is_flag=True)
@click.pass_context
def xref_refresh(ctx: click.Context, batch_ids: tuple[str, ...], as_json: bool) -> None:
    """Count the cross-reference holder table again (the Prefect flow xref_refresh; ingest runs it per batch)."""
    from flows.xref_flow import run_xref_refresh

    summary = run_xref_refresh(settings_of(ctx), list(batch_ids) or None)
    if as_json:
        echo_json(summary.as_dict())
        return
    counted = ", ".join(f"{n} {name}" for name, n in summary.values.items())
    click.echo(f"xref {summary.mode}: {counted} value(s) counted, {summary.still_held} held, "
               f"{summary.chunks} chunk(s), {summary.seconds} s")
