"""``evidex es start|stop|status``: the local Elasticsearch node."""

from __future__ import annotations

import sys
from dataclasses import asdict

import click

from evidex.cli.context import echo_json, settings_of


@click.group()
def es() -> None:
    """Run the local Elasticsearch node (not used when EVIDEX_ES_URL is set)."""


def _node(ctx: click.Context):  # noqa: ANN202
    from evidex.node.local import LocalNode

    settings = settings_of(ctx)
    if not settings.local_es:
        raise click.ClickException(f"EVIDEX_ES_URL is set ({settings.es_url}): no local node is managed.")
    return LocalNode(settings)


@es.command("start")
@click.pass_context
def es_start(ctx: click.Context) -> None:
    """Start the local node and wait until it answers."""
    from evidex.node.local import NodeError

    try:
        status = _node(ctx).start()
    except NodeError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"Elasticsearch {status.version} running at {status.url} (pid {status.pid}, {status.health}, "
               f"security {status.security or 'unknown'})")


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
        click.echo(f"{'running' if status.running else 'stopped'} {status.url} pid={status.pid} health={status.health}"
                   f" security={status.security or '-'}")
        if status.security == "off":
            click.echo("  this node was started before security was configured: run `evidex es stop` and "
                       "`evidex es start` to restart it with authentication", err=True)
    sys.exit(0 if status.running else 3)
