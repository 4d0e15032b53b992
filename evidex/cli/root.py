"""The ``evidex`` command line: a thin click layer over the application."""

from __future__ import annotations

import os
import sys
from dataclasses import asdict
from pathlib import Path

import click

from evidex.cli_tools import echo_json
from evidex.settings import Settings, load_settings


def _settings(ctx: click.Context) -> Settings:
    return ctx.obj["settings"]




@click.group()
@click.option("--data-dir", type=click.Path(path_type=Path), help="Data directory (EVIDEX_DATA_DIR).")
@click.pass_context
def main(ctx: click.Context, data_dir: Path | None) -> None:
    """Evidex: ingest, enrich and search evidence across agencies."""
    ctx.ensure_object(dict)
    ctx.obj["settings"] = load_settings(data_dir=data_dir.resolve() if data_dir else None)


# -- local Elasticsearch ---------------------------------------------------------------------------
@main.group()
def es() -> None:
    """Run the local Elasticsearch node (not used when EVIDEX_ES_URL is set)."""


def _node(ctx: click.Context):  # noqa: ANN202
    from evidex.esnode import LocalNode

    settings = _settings(ctx)
    if not settings.local_es:
        raise click.ClickException(f"EVIDEX_ES_URL is set ({settings.es_url}): no local node is managed.")
    return LocalNode(settings)


@es.command("start")
@click.pass_context
def es_start(ctx: click.Context) -> None:
    """Start the local node and wait until it answers."""
    from evidex.esnode import NodeError

    try:
        status = _node(ctx).start()
    except NodeError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"Elasticsearch {status.version} running at {status.url} (pid {status.pid}, {status.health})")


@es.command("stop")
@click.pass_context
def es_stop(ctx: click.Context) -> None:
    """Stop the local node."""
    click.echo("stopped" if _node(ctx).stop() else "not running")


@es.command("status")
@click.option("--json", "as_json", is_flag=True)
@click.pass_context
def es_status(ctx: click.Context, as_json: bool) -> None:
    """Show whether the local node runs."""
    status = _node(ctx).status()
    if as_json:
        echo_json(asdict(status))
    else:
        click.echo(f"{'running' if status.running else 'stopped'} {status.url} pid={status.pid} health={status.health}")
    sys.exit(0 if status.running else 3)


# -- ingestion ---------------------------------------------------------------------------------
@main.command()
@click.argument("path", type=click.Path(exists=True, path_type=Path))
@click.option("--agency", required=True, help="Agency that submits the batch (owner of its documents).")
@click.option("--case", "case_id", required=True, help="Case identifier.")
@click.option("--exhibit", help="Exhibit number.")
@click.option("--submitted-by", help="Who seized / submitted it.")
@click.option("--password", "passwords", multiple=True, help="Candidate password for encrypted files.")
@click.option("--share-with", multiple=True, help="Agency (or 'task-force') that may also see the batch.")
@click.option("--ocr-languages", help="Tesseract languages, e.g. kor+eng.")
@click.option("--json", "as_json", is_flag=True, help="Print the summary as JSON.")
@click.pass_context
def ingest(ctx: click.Context, path: Path, agency: str, case_id: str, exhibit: str | None, submitted_by: str | None,
           passwords: tuple[str, ...], share_with: tuple[str, ...], ocr_languages: str | None, as_json: bool) -> None:
    """Ingest a file or folder as one evidence batch and print its summary."""
    from evidex.ingest import BatchSpec
    from flows.runtime import run_ingest

    settings = _settings(ctx)
    spec = BatchSpec(path.resolve(), agency, case_id, exhibit, submitted_by or os.environ.get("USER"),
                     tuple(passwords), tuple(share_with), ocr_languages)

    def progress(state: dict) -> None:
        if sys.stderr.isatty() or state["processed"] % 500 < settings.chunk_size:
            click.echo(f"\r  {state['processed']}/{state['known']} items, {state['seconds']:.0f}s",
                       err=True, nl=not sys.stderr.isatty())

    summary = run_ingest(spec, settings, progress)
    if as_json:
        echo_json(summary.as_dict())
        return
    click.echo(f"\nbatch {summary.batch_id} ({summary.agency}/{summary.case_id})")
    click.echo(f"  files received: {summary.files} ({summary.bytes:,} bytes); items processed now: "
               f"{summary.items_processed} (incl. {summary.children} embedded)")
    click.echo("  by status: " + ", ".join(f"{k} {v}" for k, v in sorted(summary.statuses.items())))
    for reason, count in sorted(summary.failures.items(), key=lambda kv: -kv[1])[:20]:
        click.echo(f"    {count:>5}  {reason}")
    for entry in summary.unreadable:  # identifiers already masked in the summary
        click.echo(f"  not received: {entry['path']}: {entry['reason']}")
    click.echo(f"  documents indexed: {summary.indexed_new} new, {summary.indexed_updated} updated"
               + (" (batch already ingested)" if summary.already_done else ""))
    click.echo(f"  {summary.seconds:.1f} s")


@main.command()
@click.argument("batch_id")
@click.option("--json", "as_json", is_flag=True)
@click.pass_context
def receipt(ctx: click.Context, batch_id: str, as_json: bool) -> None:
    """Print a batch's receipt: every file with its hash, status and reason."""
    import json as jsonlib

    path = _settings(ctx).data_dir / "receipts" / f"{batch_id}.json"
    if not path.exists():
        raise click.ClickException(f"no receipt for batch {batch_id} under {path.parent}")
    data = jsonlib.loads(path.read_text(encoding="utf-8"))
    if as_json:
        echo_json(data)
        return
    click.echo(f"batch {data['batch_id']}  {data['agency']}/{data['case_id']}  exhibit {data['exhibit']}  "
               f"received {data['received_at']}  manifest sha256 {data['manifest_sha256']}")
    for item in data["items"]:
        click.echo(f"  {item['status']:<11} {item['sha256'] or '-':<64}  {item['path']}"
                   + (f"  ({item['reason']})" if item["reason"] else ""))


@main.command()
@click.argument("folder", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option("--agency", required=True)
@click.option("--case", "case_id", required=True)
@click.option("--share-with", multiple=True)
@click.option("--every", default=60.0, show_default=True, help="Seconds between polls.")
@click.option("--settle", default=30.0, show_default=True, help="Seconds a sub-folder must be unchanged.")
@click.option("--once", is_flag=True, help="Poll once and exit.")
@click.pass_context
def watch(ctx: click.Context, folder: Path, agency: str, case_id: str, share_with: tuple[str, ...], every: float,
          settle: float, once: bool) -> None:
    """Poll a drop folder: each settled sub-folder (or file) is ingested as one batch, exhibit = its name."""
    import time

    from evidex.watch import DropFolder, poll_once
    from flows.runtime import run_ingest

    settings = _settings(ctx)
    drop = DropFolder(folder, agency, case_id, tuple(share_with), settle)
    while True:
        for summary in poll_once(drop, settings, lambda spec: run_ingest(spec, settings)):
            click.echo(f"{time.strftime('%H:%M:%S')} batch {summary.batch_id}: {summary.items_processed} item(s) "
                       f"processed, {summary.indexed_new} new; receipt {summary.receipt}")
        if once:
            return
        time.sleep(every)


@main.command()
@click.option("--batch", "batch_ids", multiple=True, help="Only this batch (repeatable); default: every batch.")
@click.option("--password", "passwords", multiple=True, help="Candidate password for encrypted files.")
@click.option("--json", "as_json", is_flag=True)
@click.pass_context
def reindex(ctx: click.Context, batch_ids: tuple[str, ...], passwords: tuple[str, ...], as_json: bool) -> None:
    """Rebuild index documents from the evidence store (new models, new mapping version, lost index)."""
    from flows.runtime import run_reindex

    summary = run_reindex(_settings(ctx), list(batch_ids) or None, passwords)
    if as_json:
        echo_json(asdict(summary))
        return
    click.echo(f"{len(summary.batches)} batch(es), {summary.items_processed} documents rebuilt into {summary.index}"
               + (f" (alias moved from {summary.previous_index})" if summary.alias_swapped else ""))
    for reason, count in sorted(summary.failures.items(), key=lambda kv: -kv[1])[:20]:
        click.echo(f"  {count:>5}  {reason}")
    click.echo(f"  labels re-applied: {summary.labels_reapplied}; {summary.seconds:.1f} s")


@main.command()
@click.pass_context
def verify(ctx: click.Context) -> None:
    """Re-hash the evidence store and check the custody chain; exit 1 and name what does not match."""
    from evidex.store import EvidenceStore

    checked, problems = EvidenceStore(_settings(ctx).store_dir).verify()
    for problem in problems:
        click.echo(f"MISMATCH {problem.what}: {problem.reason}")
    click.echo(f"{checked} stored originals checked, {len(problems)} problem(s)")
    sys.exit(1 if problems else 0)


# -- reads ---------------------------------------------------------------------------------
@main.command()
@click.argument("query")
@click.option("--agency", help="Only documents of this agency.")
@click.option("--case", "case_id", help="Only this case.")
@click.option("--status", help="Only documents with this extraction status.")
@click.option("--type", "content_type", help="Only this content type.")
@click.option("--topic", help="Only documents with this topic.")
@click.option("--entity", help="Only documents naming this entity, as LABEL:value (e.g. ORG:쿠팡).")
@click.option("--limit", default=10, show_default=True)
@click.option("--as", "as_user", help="Search as name@agency[:roles] (default EVIDEX_USER or the local operator).")
@click.option("--reveal", is_flag=True, help="Show personal identifiers unmasked (privacy_officer/admin only).")
@click.option("--json", "as_json", is_flag=True)
@click.pass_context
def search(ctx: click.Context, query: str, agency: str | None, case_id: str | None, status: str | None,
           content_type: str | None, topic: str | None, entity: str | None, limit: int, as_user: str | None,
           reveal: bool, as_json: bool) -> None:
    """Search documents (Korean and English; "phrases", +must -not, fuzzy~)."""
    from evidex.identity import cli_user
    from evidex.search import Filters
    from evidex.service import search_service

    settings = _settings(ctx)
    user = cli_user(as_user)
    pivot = None
    if entity:
        label, sep, value = entity.partition(":")
        if not sep or not value:
            raise click.BadParameter("use LABEL:value, e.g. ORG:쿠팡", param_hint="--entity")
        pivot = (label.upper(), value)
    service = search_service(settings)
    result = service.search(user, query, Filters(agency=agency, case_id=case_id, status=status,
                                                 content_type=content_type, topic=topic, entity=pivot),
                            limit=limit, reveal=reveal)
    if as_json:
        echo_json({"total": result.total, "hits": [asdict(h) for h in result.hits], "facets": result.facets})
        return
    click.echo(f"{result.total} document(s)")
    for hit in result.hits:
        click.echo(f"\n* {hit.path}  [{hit.agency}/{hit.case_id}] status={hit.status} score={hit.score or 0:.2f}"
                   f"  id={hit.doc_id}")
        if hit.title and hit.title != Path(hit.path).name:
            click.echo(f"  title: {hit.title}")
        if hit.reason:
            click.echo(f"  reason: {hit.reason}")
        for snippet in hit.snippets[:2]:
            click.echo("  … " + " ".join(snippet.split()) + " …")


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8080, show_default=True)
@click.pass_context
def serve(ctx: click.Context, host: str, port: int) -> None:
    """Serve the HTTP API and the search page."""
    import uvicorn

    from evidex.api import app_from_settings

    uvicorn.run(app_from_settings(_settings(ctx)), host=host, port=port, log_level="warning")


@main.group()
def users() -> None:
    """API users and their bearer tokens."""


@users.command("add")
@click.argument("name")
@click.option("--agency", required=True)
@click.option("--role", "roles", multiple=True, default=("investigator",), show_default=True)
@click.pass_context
def users_add(ctx: click.Context, name: str, agency: str, roles: tuple[str, ...]) -> None:
    """Register a user and print their token (shown once; only its hash is kept)."""
    from evidex.identity import User
    from evidex.users import UserDirectory

    try:
        user = User(name, agency, roles)
    except ValueError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(UserDirectory(_settings(ctx).data_dir).add(user))


from evidex.cli_tools import register_tools  # noqa: E402  (commands for single files)
from evidex.cli_topics import register_topic_commands  # noqa: E402

register_tools(main)
register_topic_commands(main)


if __name__ == "__main__":
    main()
