"""The root ``evidex`` group: loads the settings, then attaches each verb group's commands."""

from __future__ import annotations

from pathlib import Path

import click

from evidex.cli import audit, batches, export, node, reads
from evidex.cli import xref as xref_cli
from evidex.cli.tools import register_tools
from evidex.cli.topics import register_topic_commands
from evidex.settings import load_settings


class GuardedGroup(click.Group):
    """Turns the errors a user can cause or meet (bad --as, limits, unknown agency, an unreachable cluster) into
    one line on stderr and exit status 1, never a traceback. ``EVIDEX_DEBUG=1`` shows the traceback instead."""

    def invoke(self, ctx: click.Context):  # noqa: ANN201
        import os

        try:
            return super().invoke(ctx)
        except (click.ClickException, click.exceptions.Exit, click.Abort, SystemExit, KeyboardInterrupt):
            raise
        except Exception as exc:  # noqa: BLE001
            if os.environ.get("EVIDEX_DEBUG"):
                raise
            raise click.ClickException(one_line_error(exc)) from exc


def one_line_error(exc: Exception) -> str:
    """What to tell the user about ``exc``: its message for known errors, its kind for the rest."""
    from evidex.node.local import NodeError
    from evidex.search.builder import SearchUnavailable
    from evidex.search.query import QueryRefused

    text = " ".join(str(exc).split())[:500]
    if isinstance(exc, (QueryRefused, SearchUnavailable, NodeError, ValueError, PermissionError)):
        return text or type(exc).__name__
    module = type(exc).__module__ or ""
    if module.startswith(("elasticsearch", "elastic_transport")):
        return f"Elasticsearch is unreachable or refused the request ({type(exc).__name__}); check `evidex es status`"
    if isinstance(exc, OSError):
        return f"{type(exc).__name__}: {exc.strerror or text}"
    return f"unexpected {type(exc).__name__} (run with EVIDEX_DEBUG=1 for details)"


@click.group(cls=GuardedGroup)
@click.option("--data-dir", type=click.Path(path_type=Path), help="Data directory (EVIDEX_DATA_DIR).")
@click.pass_context
def main(ctx: click.Context, data_dir: Path | None) -> None:
    """Evidex: ingest, enrich and search evidence across agencies."""
    ctx.ensure_object(dict)
    ctx.obj["settings"] = load_settings(data_dir=data_dir.resolve() if data_dir else None)


main.add_command(node.es)
main.add_command(audit.audit)
for command in (batches.ingest, batches.receipt, batches.watch, batches.reindex, batches.verify,
                reads.search, reads.serve, reads.users):
    main.add_command(command)
main.add_command(export.export)
main.add_command(export.batch_search)
main.add_command(__import__("evidex.cli.runs", fromlist=["runs"]).runs)
main.add_command(__import__("evidex.cli.server", fromlist=["server"]).server)
main.add_command(__import__("evidex.cli.server", fromlist=["worker"]).worker)
main.add_command(__import__("evidex.cli.schedule", fromlist=["schedule"]).schedule)
main.add_command(xref_cli.xref)
main.add_command(__import__("evidex.cli.census", fromlist=["census"]).census)
register_tools(main)
register_topic_commands(main)


if __name__ == "__main__":
    main()
