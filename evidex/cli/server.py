"""``evidex server start|stop|status``: a Prefect server on loopback for Evidex's runs, state under the data directory.

While it runs, ``evidex ingest`` and ``evidex reindex`` record their flow runs there (no temporary server per run).
With ``PREFECT_API_URL`` set, ``status`` reports on that server instead and ``start`` leaves it alone.
"""

from __future__ import annotations

import click

from evidex.cli.context import settings_of


@click.group()
def server() -> None:
    """The Prefect server Evidex's runs report to."""


@server.command("start")
@click.pass_context
def start(ctx: click.Context) -> None:
    """Start the Prefect server on 127.0.0.1 in the background (once) and wait until it answers."""
    from flows.serverctl import server_status, start_server

    settings = settings_of(ctx)
    current = server_status(settings)
    if current.external:
        click.echo(f"using the Prefect server at {current.url} (PREFECT_API_URL); nothing started")
        return
    state = start_server(settings)
    click.echo(f"Prefect server running at {state.url} (pid {state.pid}); log in {settings.data_dir / 'logs'}")


@server.command("stop")
@click.pass_context
def stop(ctx: click.Context) -> None:
    """Stop the Prefect server ``evidex server start`` started."""
    from flows.serverctl import stop_server

    click.echo("Prefect server stopped" if stop_server(settings_of(ctx)) else "no Prefect server was running")


@server.command("status")
@click.pass_context
def status(ctx: click.Context) -> None:
    """Whether the Prefect server runs and answers; exit 1 when it does not."""
    import sys

    from flows.serverctl import server_status

    state = server_status(settings_of(ctx))
    if state.running:
        click.echo(f"running at {state.url}" + (f" (pid {state.pid})" if state.pid else " (external)"))
        return
    click.echo("not running" + (f" ({state.url} does not answer)" if state.url else ""))
    sys.exit(1)
