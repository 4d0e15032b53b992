"""``evidex server start|stop|status`` and ``evidex worker start``: the Prefect server and workers Evidex runs on.

``server start`` runs a Prefect server on loopback (state under the data directory), a worker of Evidex's work
pool, which runs the scheduled drop-folder polls (``evidex schedule``), and the enrichment service, whose workers
keep the models loaded for every batch of the data directory. While it runs, ``evidex ingest`` and
``evidex reindex`` record their flow runs there (no temporary server per run). With ``PREFECT_API_URL`` set,
the commands work against that server: ``start`` then starts only the worker. ``worker start`` joins the work
pool from any machine, in the foreground.
"""

from __future__ import annotations

import click

from evidex.cli.context import settings_of


@click.group()
def server() -> None:
    """The Prefect server Evidex's runs report to."""


@server.command("start")
@click.option("--no-worker", is_flag=True, help="Start no worker (schedules then wait for `evidex worker start`).")
@click.option("--no-enrich-service", is_flag=True,
              help="Start no enrichment service (each batch then loads the models in its own workers).")
@click.pass_context
def start(ctx: click.Context, no_worker: bool, no_enrich_service: bool) -> None:
    """Start the Prefect server on 127.0.0.1, a worker of the work pool and the enrichment service (models kept
    loaded for every batch) in the background (once each)."""
    from flows.serverctl import server_status, start_enricher, start_server, start_worker

    settings = settings_of(ctx)
    current = server_status(settings)
    if current.external:
        if not current.running:
            raise click.ClickException(f"the Prefect server at {current.url} (PREFECT_API_URL) does not answer")
        click.echo(f"using the Prefect server at {current.url} (PREFECT_API_URL)")
    else:
        try:
            current = start_server(settings)
        except RuntimeError as exc:  # it exited or never answered: the message names its log
            raise click.ClickException(str(exc)) from None
        click.echo(f"Prefect server running at {current.url} (pid {current.pid}); log in {settings.data_dir / 'logs'}")
    if not no_enrich_service and settings.enrich_service:
        try:
            pid = start_enricher(settings)
        except RuntimeError as exc:
            raise click.ClickException(str(exc)) from None
        click.echo(f"enrichment service running (pid {pid}, {settings.enrich_workers} worker(s), models loaded)")
    if not no_worker:
        pid = start_worker(settings, str(current.url))
        click.echo(f"worker of pool {settings.work_pool!r} running (pid {pid})")


@server.command("stop")
@click.pass_context
def stop(ctx: click.Context) -> None:
    """Stop the worker, the enrichment service and the Prefect server ``evidex server start`` started, and a
    lingering temporary server."""
    from flows.serverctl import stop_enricher, stop_server, stop_worker
    from flows.tempdaemon import home_of, stop_lingering

    settings = settings_of(ctx)
    if stop_worker(settings):
        click.echo("worker stopped")
    if stop_enricher(settings):
        click.echo("enrichment service stopped")
    if stop_lingering(home_of(settings)):
        click.echo("lingering temporary Prefect server stopped")
    click.echo("Prefect server stopped" if stop_server(settings) else "no Prefect server was running")


@server.command("status")
@click.pass_context
def status(ctx: click.Context) -> None:
    """Whether the Prefect server runs and answers; exit 1 when it does not."""
    import sys

    from flows.serverctl import enricher_running, server_status, worker_running

    settings = settings_of(ctx)
    state = server_status(settings)
    if state.running:
        click.echo(f"running at {state.url}" + (f" (pid {state.pid})" if state.pid else " (external)"))
        pid = worker_running(settings)
        click.echo(f"worker of pool {settings.work_pool!r}: " + (f"running (pid {pid})" if pid else "not started here"))
        pid = enricher_running(settings)
        click.echo("enrichment service: " + (f"running (pid {pid})" if pid else "not running"))
        return
    click.echo("not running" + (f" ({state.url} does not answer)" if state.url else ""))
    sys.exit(1)


@click.group()
def worker() -> None:
    """Workers of Evidex's Prefect work pool."""


@worker.command("start")
@click.pass_context
def worker_start(ctx: click.Context) -> None:
    """Join the work pool in the foreground (on this or another machine) until interrupted.

    The server is the one ``evidex server start`` runs for this data directory, else ``PREFECT_API_URL``.
    """
    import os

    from flows.runtime import configure_prefect
    from flows.serverctl import answers, worker_argv, worker_env

    settings = settings_of(ctx)
    configure_prefect(settings)
    url = os.environ.get("PREFECT_API_URL")
    if not url or not answers(url):
        raise click.ClickException("no Prefect server answers: run `evidex server start` here, or set "
                                   "PREFECT_API_URL to the task force's server")
    click.echo(f"worker of pool {settings.work_pool!r} joining {url}; Ctrl-C stops it")
    argv = worker_argv(settings)
    os.execvpe(argv[0], argv, worker_env(settings, url))
