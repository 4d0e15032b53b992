"""What every command shares: the settings on the click context and JSON output."""

from __future__ import annotations

import json

import click

from evidex.settings import Settings


def settings_of(ctx: click.Context) -> Settings:
    """The settings the root command loaded (``--data-dir``, ``EVIDEX_*``, TOML)."""
    return ctx.obj["settings"]


def echo_json(data: object) -> None:
    """Print ``data`` as indented JSON (non-ASCII kept)."""
    click.echo(json.dumps(data, ensure_ascii=False, indent=2, default=str))
