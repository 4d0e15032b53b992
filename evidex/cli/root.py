"""The root ``evidex`` group: loads the settings, then attaches each verb group's commands."""

from __future__ import annotations

from pathlib import Path

import click

from evidex.cli import audit, batches, node, reads
from evidex.cli.tools import register_tools
from evidex.cli.topics import register_topic_commands
from evidex.settings import load_settings


@click.group()
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
register_tools(main)
register_topic_commands(main)


if __name__ == "__main__":
    main()
