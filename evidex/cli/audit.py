"""``evidex audit verify``: the audit journal's keyed chain and the records the audit index holds of it."""

from __future__ import annotations

import sys

import click

from evidex.cli.context import echo_json, settings_of


@click.group()
def audit() -> None:
    """Check the audit trail (the journal under the data directory and the audit index)."""


@audit.command("verify")
@click.option("--offline", is_flag=True, help="Check only the journal's chain, not the records in the audit index.")
@click.option("--repair-torn-tail", is_flag=True,
              help="First record every torn journal line (keeping the torn bytes' hash).")
@click.option("--seal-legacy", is_flag=True, help="First seal journal lines written before keyed chains.")
@click.option("--json", "as_json", is_flag=True)
@click.pass_context
def audit_verify(ctx: click.Context, offline: bool, repair_torn_tail: bool, seal_legacy: bool,
                 as_json: bool) -> None:
    """Check the audit journal's chain and that every indexed audit record is in it, unchanged.

    The journal is audit.jsonl, or the PostgreSQL catalogue's audit chain when EVIDEX_CATALOG_URL is set.

    Exit 1 naming what does not match; exit 2 when the audit index could not be read (nothing else wrong).
    """
    from evidex.custody.backends import open_audit_journal
    from evidex.node.client import make_client
    from evidex.node.local import NodeError
    from evidex.search.audit import verify_audit

    settings = settings_of(ctx)
    journal = settings.data_dir / "audit.jsonl"
    chain = open_audit_journal(settings)
    alias = f"{settings.es_index_prefix}-audit"
    client, unread = None, None
    if not offline:
        try:
            client = make_client(settings)
        except NodeError as exc:
            unread = str(exc).splitlines()[0]
    if repair_torn_tail:
        for record in chain.repair_torn():
            click.echo(f"recorded torn line {record['line']} (sha256 {record['sha256']}) as record {record['seq']}")
    if seal_legacy and (record := chain.seal_legacy()):
        click.echo(f"sealed {record['lines']} line(s) from before keyed chains as record {record['seq']}")
    report = verify_audit(journal, client, alias, chain=chain)
    if as_json:
        echo_json({"records": report.records, "head": report.head.as_dict() if report.head else None,
                   "anchors_checked": report.anchors_checked, "index_unread": unread,
                   "problems": [{"line": p.line, "kind": p.kind, "reason": p.reason} for p in report.problems]})
    else:
        where = "audit journal (PostgreSQL)" if settings.catalog_url else "audit.jsonl"
        for problem in report.problems:
            click.echo(f"{problem.kind.upper()} {where} line {problem.line}: {problem.reason}")
        if unread:
            click.echo(f"NOT CHECKED records in the audit index: {unread}")
        head = f", head {report.head.seq} {report.head.hash[:16]}…" if report.head else ""
        click.echo(f"{report.records} audit record(s){head}; {report.anchors_checked} indexed record(s) compared, "
                   f"{len(report.problems)} problem(s)")
    sys.exit(1 if report.problems else 2 if unread else 0)
