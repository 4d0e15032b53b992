"""Commands that bring evidence in and account for it: ``ingest``, ``receipt``, ``watch``, ``reindex``, ``verify``."""

from __future__ import annotations

import os
import sys
from dataclasses import asdict
from pathlib import Path

import click

from evidex.cli.context import echo_json, settings_of


@click.command()
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
    from evidex.pipeline.batch import BatchSpec
    from flows.runtime import run_ingest

    settings = settings_of(ctx)
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


@click.command()
@click.argument("batch_id")
@click.option("--json", "as_json", is_flag=True)
@click.pass_context
def receipt(ctx: click.Context, batch_id: str, as_json: bool) -> None:
    """Print a batch's receipt: every file with its hash, status and reason."""
    import json as jsonlib

    path = settings_of(ctx).data_dir / "receipts" / f"{batch_id}.json"
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


@click.command()
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

    from evidex.pipeline.dropfolder import DropFolder, poll_once
    from flows.runtime import run_ingest

    settings = settings_of(ctx)
    drop = DropFolder(folder, agency, case_id, tuple(share_with), settle)
    while True:
        for summary in poll_once(drop, settings, lambda spec: run_ingest(spec, settings)):
            click.echo(f"{time.strftime('%H:%M:%S')} batch {summary.batch_id}: {summary.items_processed} item(s) "
                       f"processed, {summary.indexed_new} new; receipt {summary.receipt}")
        if once:
            return
        time.sleep(every)


@click.command()
@click.option("--batch", "batch_ids", multiple=True, help="Only this batch (repeatable); default: every batch.")
@click.option("--password", "passwords", multiple=True, help="Candidate password for encrypted files.")
@click.option("--json", "as_json", is_flag=True)
@click.pass_context
def reindex(ctx: click.Context, batch_ids: tuple[str, ...], passwords: tuple[str, ...], as_json: bool) -> None:
    """Rebuild index documents from the evidence store (new models, new mapping version, lost index)."""
    from flows.runtime import run_reindex

    summary = run_reindex(settings_of(ctx), list(batch_ids) or None, passwords)
    if as_json:
        echo_json(asdict(summary))
        return
    click.echo(f"{len(summary.batches)} batch(es), {summary.items_processed} documents rebuilt into {summary.index}"
               + (f" (alias moved from {summary.previous_index})" if summary.alias_swapped else ""))
    for reason, count in sorted(summary.failures.items(), key=lambda kv: -kv[1])[:20]:
        click.echo(f"  {count:>5}  {reason}")
    click.echo(f"  labels re-applied: {summary.labels_reapplied}; {summary.seconds:.1f} s")


@click.command()
@click.pass_context
def verify(ctx: click.Context) -> None:
    """Re-hash the evidence store and check the custody chain; exit 1 and name what does not match."""
    from evidex.custody.store import EvidenceStore

    checked, problems = EvidenceStore(settings_of(ctx).store_dir).verify()
    for problem in problems:
        click.echo(f"MISMATCH {problem.what}: {problem.reason}")
    click.echo(f"{checked} stored originals checked, {len(problems)} problem(s)")
    sys.exit(1 if problems else 0)
