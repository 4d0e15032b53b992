"""Commands over whole result sets and many queries: ``export`` and ``batch-search``."""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from evidex.cli.context import echo_json, settings_of

_FILTERS: list[Callable[[Any], Any]] = [
    click.option("--agency", help="Only documents of this agency."),
    click.option("--case", "case_id", help="Only this case."),
    click.option("--status", help="Only documents with this extraction status."),
    click.option("--type", "content_type", help="Only this content type."),
    click.option("--language", help="Only documents in this language (ko, en …)."),
    click.option("--topic", help="Only documents with this topic."),
    click.option("--entity", help="Only documents naming this entity, as LABEL:value (e.g. ORG:쿠팡)."),
    click.option("--as", "as_user", help="Read as name@agency[:roles] (default EVIDEX_USER or the local operator)."),
]


def filter_options(command: Callable[..., Any]) -> Callable[..., Any]:
    """The filters and ``--as`` of ``evidex search``, shared by the commands of this module."""
    for option in reversed(_FILTERS):
        command = option(command)
    return command


def _caller_and_filters(ctx: click.Context, as_user: str | None, agency: str | None, entity: str | None,
                        **values: str | None) -> tuple[Any, Any, Any]:
    """The settings-checked caller, the filters, and the search service."""
    from evidex.search.builder import Filters
    from evidex.search.factory import search_service
    from evidex.search.identity import cli_user

    settings = settings_of(ctx)
    user = cli_user(as_user)
    if as_user or user.agency != "local":
        settings.check_agency(user.agency)
    if agency:
        settings.check_agency(agency)
    pivot = None
    if entity:
        label, sep, value = entity.partition(":")
        if not sep or not value:
            raise click.BadParameter("use LABEL:value, e.g. ORG:쿠팡", param_hint="--entity")
        pivot = (label.upper(), value)
    return user, Filters(agency=agency, entity=pivot, **values), search_service(settings)


@click.command()
@click.argument("query")
@filter_options
@click.option("--reveal", is_flag=True, help="Export personal identifiers unmasked (privacy_officer/admin only).")
@click.option("--format", "format_", type=click.Choice(["csv", "jsonl"]), default="csv", show_default=True)
@click.option("--fields", help="Comma-separated fields (default: id, path, name, title, agency, case, batch, "
                               "status, reason, content_type, language, date, size, sha256, topics).")
@click.option("--output", "-o", type=click.Path(dir_okay=False, path_type=Path),
              help="Write to this file instead of standard output.")
@click.pass_context
def export(ctx: click.Context, query: str, agency: str | None, case_id: str | None, status: str | None,
           content_type: str | None, language: str | None, topic: str | None, entity: str | None,
           as_user: str | None, reveal: bool, format_: str, fields: str | None, output: Path | None) -> None:
    """Stream every document matching QUERY as CSV or JSON lines (any number; masked by role; audited once).

    An empty QUERY ("") exports everything the filters select.
    """
    from evidex.search.export import encode_rows, parse_fields, start_export

    user, filters, service = _caller_and_filters(ctx, as_user, agency, entity, case_id=case_id, status=status,
                                                 content_type=content_type, language=language, topic=topic)
    chosen = parse_fields(fields)
    stream = start_export(service, user, query, filters, reveal=reveal, fields=chosen)
    sink = output.open("wb") if output else sys.stdout.buffer
    try:
        for chunk in encode_rows(stream, format_):
            sink.write(chunk)
        sink.flush()
    finally:
        stream.close()
        if output:
            sink.close()
    click.echo(f"exported {stream.rows:,} rows" + (f" to {output}" if output else ""), err=True)


@click.command("batch-search")
@click.argument("terms_file", metavar="FILE", type=click.File("r", encoding="utf-8-sig"))
@filter_options
@click.option("--top", default=5, show_default=True, type=click.IntRange(1, 100), help="Documents shown per term.")
@click.option("--reveal", is_flag=True, help="Show personal identifiers unmasked (privacy_officer/admin only).")
@click.option("--format", "format_", type=click.Choice(["table", "csv", "json"]), default="table", show_default=True)
@click.pass_context
def batch_search(ctx: click.Context, terms_file: Any, agency: str | None, case_id: str | None, status: str | None,
                 content_type: str | None, language: str | None, topic: str | None, entity: str | None,
                 as_user: str | None, top: int, reveal: bool, format_: str) -> None:
    """Run a term list: one query per line of FILE ("-" for standard input; blank lines and # comments skipped).

    Each term gets its count, its top documents and its own error; a refused term never stops the list.
    """
    from evidex.search.termlist import as_dicts, csv_text, parse_terms, run_terms

    user, filters, service = _caller_and_filters(ctx, as_user, agency, entity, case_id=case_id, status=status,
                                                 content_type=content_type, language=language, topic=topic)
    terms = parse_terms(terms_file)
    results = list(run_terms(service, user, terms, filters, top=top, reveal=reveal))
    if format_ == "json":
        echo_json(as_dicts(results))
        return
    if format_ == "csv":
        click.echo(csv_text(results).lstrip("\ufeff"), nl=False)
        return
    for r in results:
        head = f"{r.line:>4}  {r.term}"
        if r.error:
            click.echo(f"{head}  — error: {r.error}")
            continue
        click.echo(f"{head}  — {r.count:,} document(s)")
        for hit in r.hits:
            title = f"  ({hit.title})" if hit.title and hit.title != Path(hit.path).name else ""
            click.echo(f"        {hit.path}{title}  id={hit.doc_id}")
    failed = sum(1 for r in results if r.error)
    click.echo(f"{len(results)} term(s), {failed} refused", err=True)
