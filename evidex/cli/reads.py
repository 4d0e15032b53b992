"""Commands that read on a user's behalf or manage who may: ``search``, ``serve``, ``users``."""

from __future__ import annotations

from dataclasses import asdict
from pathlib import Path
from typing import Any

import click

from evidex.cli.context import echo_json, settings_of


@click.command()
@click.argument("query", required=False, default="")
@click.option("--agency", help="Only documents of this agency.")
@click.option("--case", "case_id", help="Only this case.")
@click.option("--status", help="Only documents with this extraction status.")
@click.option("--type", "content_type", help="Only this content type.")
@click.option("--topic", help="Only documents with this topic.")
@click.option("--entity", help="Only documents naming this entity, as LABEL:value (e.g. ORG:쿠팡).")
@click.option("--limit", default=10, show_default=True, type=click.IntRange(1, None),
              help="Hits to show; past 1,000 they are paged through a point in time (any depth).")
@click.option("--sort", type=click.Choice(["relevance", "date", "date_asc"]), default="relevance", show_default=True)
@click.option("--terms", "terms_file", type=click.File("r", encoding="utf-8-sig"),
              help="Run a term list instead (one query per line; as evidex batch-search).")
@click.option("--as", "as_user", help="Search as name@agency[:roles] (default EVIDEX_USER or the local operator).")
@click.option("--reveal", is_flag=True, help="Show personal identifiers unmasked (privacy_officer/admin only).")
@click.option("--json", "as_json", is_flag=True)
@click.pass_context
def search(ctx: click.Context, query: str, agency: str | None, case_id: str | None, status: str | None,
           content_type: str | None, topic: str | None, entity: str | None, limit: int, sort: str,
           terms_file: Any, as_user: str | None, reveal: bool, as_json: bool) -> None:
    """Search documents (Korean and English; "phrases", +must -not, fuzzy~)."""
    if terms_file is not None:
        from evidex.cli.export import batch_search

        ctx.invoke(batch_search, terms_file=terms_file, agency=agency, case_id=case_id, status=status,
                   content_type=content_type, language=None, topic=topic, entity=entity, as_user=as_user, top=5,
                   reveal=reveal, format_="json" if as_json else "table")
        return
    from evidex.cli.export import _caller_and_filters

    user, filters, service = _caller_and_filters(ctx, as_user, agency, entity, case_id=case_id, status=status,
                                                 content_type=content_type, topic=topic)
    if limit <= 1000:
        result = service.search(user, query, filters, limit=limit, reveal=reveal, sort=sort)
        hits, facets = result.hits, result.facets
    else:  # deep: page through one point in time
        result = service.search(user, query, filters, limit=1000, reveal=reveal, sort=sort, cursor="")
        hits, facets = list(result.hits), result.facets
        while result.next_cursor and len(hits) < limit:
            result = service.search(user, query, filters, limit=min(1000, limit - len(hits)), reveal=reveal,
                                    sort=sort, cursor=result.next_cursor)
            hits.extend(result.hits)
    if as_json:
        echo_json({"total": result.total, "hits": [asdict(h) for h in hits], "facets": facets,
                   "explain": result.explain})
        return
    click.echo(f"{result.total} document(s)")
    for name, buckets in facets.items():
        if buckets:
            click.echo(f"  {name}: " + ", ".join(f"{key} ({count})" for key, count in buckets[:5]))
    for hit in hits:
        click.echo(f"\n* {hit.path}  [{hit.agency}/{hit.case_id}] status={hit.status} score={hit.score or 0:.2f}"
                   f"  id={hit.doc_id}")
        if hit.title and hit.title != Path(hit.path).name:
            click.echo(f"  title: {hit.title}")
        if hit.reason:
            click.echo(f"  reason: {hit.reason}")
        for snippet in hit.snippets[:2]:
            click.echo("  … " + " ".join(snippet.split()) + " …")


@click.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8080, show_default=True)
@click.pass_context
def serve(ctx: click.Context, host: str, port: int) -> None:
    """Serve the HTTP API and the search page."""
    import uvicorn

    from evidex.web.app import app_from_settings

    uvicorn.run(app_from_settings(settings_of(ctx)), host=host, port=port, log_level="warning")


@click.group()
def users() -> None:
    """API users and their bearer tokens."""


@users.command("add")
@click.argument("name")
@click.option("--agency", required=True)
@click.option("--role", "roles", multiple=True, default=("investigator",), show_default=True)
@click.option("--ttl-days", type=int, help="Days the token stays valid (default EVIDEX_TOKEN_TTL_DAYS; 0: never expires).")
@click.pass_context
def users_add(ctx: click.Context, name: str, agency: str, roles: tuple[str, ...], ttl_days: int | None) -> None:
    """Register a user and print their token (shown once; only its hash is kept)."""
    from evidex.search.identity import User
    from evidex.search.users import UserDirectory

    settings = settings_of(ctx)
    settings.check_agency(agency)
    try:
        user = User(name, agency, roles)
    except ValueError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(UserDirectory(settings.data_dir, ttl_days=settings.token_ttl_days).add(user, ttl_days=ttl_days))


@users.command("list")
@click.option("--json", "as_json", is_flag=True)
@click.pass_context
def users_list(ctx: click.Context, as_json: bool) -> None:
    """Every token issued: its id, user, agency, roles, expiry and state (active, expired, revoked)."""
    from evidex.search.users import UserDirectory

    tokens = UserDirectory(settings_of(ctx).data_dir).tokens()
    if as_json:
        echo_json([{**asdict(t), "state": t.state} for t in tokens])
        return
    for t in tokens:
        click.echo(f"{t.token_id}  {t.state:<8} {t.name}@{t.agency}:{','.join(t.roles)}  "
                   f"created {t.created or '-'}  expires {t.expires or 'never'}")


@users.command("revoke")
@click.argument("who")
@click.pass_context
def users_revoke(ctx: click.Context, who: str) -> None:
    """Revoke a token by its id (from ``users list``) or every token of a user by name."""
    from evidex.search.users import UserDirectory

    revoked = UserDirectory(settings_of(ctx).data_dir).revoke(who)
    if not revoked:
        raise click.ClickException(f"no active token with id or user name {who!r} (see evidex users list)")
    click.echo(f"revoked {len(revoked)} token(s): {', '.join(revoked)}")
