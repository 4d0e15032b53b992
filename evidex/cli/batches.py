"""Commands that bring evidence in and account for it: ``ingest``, ``receipt``, ``watch``, ``reindex``, ``verify``."""

from __future__ import annotations

import os
import sys
from dataclasses import asdict
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from evidex.cli.context import echo_json, settings_of

if TYPE_CHECKING:
    from evidex.pipeline.report import BatchSummary
    from evidex.search.audit import AuditTrail
    from evidex.settings import Settings


@click.command()
@click.argument("path", type=click.Path(exists=True, path_type=Path))
@click.option("--agency", required=True, help="Agency that submits the batch (owner of its documents).")
@click.option("--case", "case_id", required=True, help="Case identifier.")
@click.option("--exhibit", help="Exhibit number.")
@click.option("--submitted-by", help="Who seized / submitted it.")
@click.option("--password", "passwords", multiple=True, help="Candidate password for encrypted files.")
@click.option("--share-with", multiple=True, help="Agency (or 'task-force') that may also see the batch.")
@click.option("--ocr-languages", help="Tesseract languages, e.g. kor+eng.")
@click.option("--spread", type=click.IntRange(0, 64), default=None,
              help="Helper runs of the work pool that claim chunks of this batch too (EVIDEX_SPREAD_WORKERS).")
@click.option("--json", "as_json", is_flag=True, help="Print the summary as JSON.")
@click.pass_context
def ingest(ctx: click.Context, path: Path, agency: str, case_id: str, exhibit: str | None, submitted_by: str | None,
           passwords: tuple[str, ...], share_with: tuple[str, ...], ocr_languages: str | None, spread: int | None,
           as_json: bool) -> None:
    """Ingest a file or folder as one evidence batch and print its summary."""
    from evidex.pipeline.batch import BatchSpec
    from flows.runtime import run_ingest

    settings = settings_of(ctx)
    if spread is not None:
        settings = settings.model_copy(update={"spread_workers": spread})
    spec = BatchSpec(path.resolve(), agency, case_id, exhibit, submitted_by or os.environ.get("USER"),
                     tuple(passwords), tuple(share_with), ocr_languages)
    with Progress(settings.progress) as progress:
        summary = run_ingest(spec, settings, progress)
    if as_json:
        echo_json(summary.as_dict())
    else:
        _print_summary(summary)
    if summary.stopped:
        sys.exit(3)


def _print_summary(summary: "BatchSummary") -> None:
    click.echo(f"batch {summary.batch_id} ({summary.agency}/{summary.case_id})"
               + (f"  run {summary.run_id}" if summary.run_id else ""))
    click.echo(f"  files received: {summary.files} ({summary.bytes:,} bytes); items processed now: "
               f"{summary.items_processed} (incl. {summary.children} embedded)")
    click.echo("  by status: " + ", ".join(f"{k} {v}" for k, v in sorted(summary.statuses.items())))
    for helper in summary.helpers:
        click.echo(f"  helper {helper['worker']}: {helper['items_processed']} item(s) in {helper['seconds']:.1f} s")
    for reason, count in sorted(summary.failures.items(), key=lambda kv: -kv[1])[:20]:
        click.echo(f"    {count:>5}  {reason}")
    for entry in summary.unreadable:  # identifiers already masked in the summary
        click.echo(f"  not received: {entry['path']}: {entry['reason']}")
    click.echo(f"  documents indexed: {summary.indexed_new} new, {summary.indexed_updated} updated"
               + (" (batch already ingested)" if summary.already_done else ""))
    for note in summary.notes:
        click.echo(f"  note: {note}")
    if summary.stopped:
        click.echo(f"  STOPPED: {summary.stopped}")
        click.echo(f"  {summary.pending} item(s) left pending; run the same command again to resume")
    click.echo(f"  {summary.seconds:.1f} s")


class Progress:
    """Progress of a run on standard error: a bar with files/s and ETA on a terminal, one line per chunk when
    piped (``mode``: auto, bar, lines, off); waits for Elasticsearch are always told."""

    def __init__(self, mode: str = "auto") -> None:
        self.mode = ("bar" if sys.stderr.isatty() else "lines") if mode == "auto" else mode
        self._bar: Any = None
        self._task: Any = None

    def __enter__(self) -> "Progress":
        if self.mode == "bar":
            from rich.console import Console
            from rich.progress import BarColumn, MofNCompleteColumn, Progress as Bar, TextColumn, TimeRemainingColumn

            self._bar = Bar(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                            TextColumn("{task.fields[rate]} files/s"), TextColumn("ETA"), TimeRemainingColumn(),
                            console=Console(stderr=True), transient=True)
            self._bar.start()
            self._task = self._bar.add_task("items", total=None, rate="-")
        return self

    def __exit__(self, *exc: object) -> None:
        if self._bar is not None:
            self._bar.stop()

    def __call__(self, state: dict[str, Any]) -> None:
        if self.mode == "off":
            return
        if state.get("event") == "stage":  # a run in a few long stages (retraining): one line per stage
            line = f"  [{state['step']}/{state['steps']}] {state['stage']} ({state['seconds']:.0f} s)"
            (self._bar.console.print(line, markup=False, highlight=False) if self._bar is not None
             else click.echo(line, err=True))
            return
        if state.get("event") == "waiting":
            line = f"  Elasticsearch unavailable ({state['reason'][:100]}); retrying in {state['retry_in']:.0f} s"
            (self._bar.console.print(line, markup=False, highlight=False) if self._bar is not None
             else click.echo(line, err=True))
            return
        done, left, seconds = state["processed"], state.get("pending", 0), max(state["seconds"], 1e-6)
        rate = done / seconds
        if self._bar is not None:
            self._bar.update(self._task, completed=done, total=done + left, rate=f"{rate:.1f}")
            return
        eta = f"{left / rate:.0f} s" if rate > 0 else "?"
        click.echo(f"  {done}/{done + left} items, {rate:.1f} files/s, {seconds:.0f} s, ETA {eta}", err=True)


@click.command()
@click.argument("batch_id")
@click.option("--json", "as_json", is_flag=True)
@click.pass_context
def receipt(ctx: click.Context, batch_id: str, as_json: bool) -> None:
    """Print a batch's receipt: every file with its hash, status and reason."""
    import json as jsonlib

    from evidex.custody.backends import open_store
    from evidex.custody.receipts import local_receipt

    settings = settings_of(ctx)
    if not batch_id.replace("-", "").replace("_", "").isalnum():
        raise click.BadParameter("a batch id has letters, digits, '-' and '_' only", param_hint="BATCH_ID")
    found = local_receipt(settings.data_dir, batch_id, open_store(settings) if settings.store_url else None)
    if found is None:
        raise click.ClickException(f"no receipt for batch {batch_id} here or in the shared store")
    path = found
    data = jsonlib.loads(path.read_text(encoding="utf-8"))
    if as_json:
        echo_json(data)
        return
    click.echo(f"batch {data['batch_id']}  {data['agency']}/{data['case_id']}  exhibit {data['exhibit']}  "
               f"received {data['received_at']}  manifest sha256 {data['manifest_sha256']}")
    if head := data.get("custody_head"):
        click.echo(f"custody log head when issued: record {head['seq']} {head['hash']}")
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
    """Rebuild index documents from the evidence store (new models, new mapping version, lost index).

    Files a batch password opened are rebuilt from their kept, encrypted extraction: no password is needed.
    """
    from flows.runtime import run_reindex

    settings = settings_of(ctx)
    with Progress(settings.progress) as progress:
        summary = run_reindex(settings, list(batch_ids) or None, passwords, progress)
    if as_json:
        echo_json(asdict(summary))
        sys.exit(3 if summary.stopped else 0)
    click.echo(f"{len(summary.batches)} batch(es), {summary.items_processed} documents rebuilt into {summary.index}"
               + (f" (alias moved from {summary.previous_index})" if summary.alias_swapped else ""))
    for reason, count in sorted(summary.failures.items(), key=lambda kv: -kv[1])[:20]:
        click.echo(f"  {count:>5}  {reason}")
    click.echo(f"  labels re-applied: {summary.labels_reapplied}; {summary.seconds:.1f} s")
    for note in summary.notes:
        click.echo(f"  note: {note}")
    if summary.stopped:
        click.echo(f"  STOPPED: {summary.stopped}; run the same command again to rebuild the rest")
        sys.exit(3)


LABELS = {"tamper": "MISMATCH", "torn": "TORN", "legacy": "UNPROVEN", "key": "NO KEY", "unrecorded": "UNRECORDED"}
HINTS = {"torn": "run `evidex verify --repair-torn-tail` to record the torn bytes as an event",
         "legacy": "check them against the batch receipts, then `evidex verify --seal-legacy` seals them as they are"}


@click.command()
@click.option("--receipt", "receipts", multiple=True, type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="A receipt as handed to the clerk: its custody head is checked too (repeatable).")
@click.option("--offline", is_flag=True, help="Do not read the custody heads kept in the audit index.")
@click.option("--repair-torn-tail", is_flag=True,
              help="First record every torn custody line as an event (keeping the torn bytes' hash).")
@click.option("--seal-legacy", is_flag=True,
              help="First seal custody lines written before keyed chains, as they are now.")
@click.pass_context
def verify(ctx: click.Context, receipts: tuple[Path, ...], offline: bool, repair_torn_tail: bool,
           seal_legacy: bool) -> None:
    """Re-hash the evidence store and check the custody chain against receipts and the audit index.

    Exit 1 naming what does not match; exit 2 when the audit index could not be read (nothing else wrong).
    """
    from evidex.custody.backends import open_store

    settings = settings_of(ctx)
    store = open_store(settings)  # the directory or the bucket, custody in its file or PostgreSQL
    trail, unread = (None, "--offline") if offline else _audit_trail(settings)
    changed = False
    if repair_torn_tail:
        for record in store.repair_torn_tail():
            changed = True
            click.echo(f"recorded torn line {record['line']} ({record['bytes']} bytes, sha256 {record['sha256']}) "
                       f"as custody event {record['seq']}")
    if seal_legacy and (record := store.custody.seal_legacy()):
        changed = True
        click.echo(f"sealed {record['lines']} line(s) from before keyed chains as custody event {record['seq']}")
    if changed and trail is not None and (head := store.custody.head()):
        trail.anchor_custody(head)
    anchors = [] if trail is None else _custody_anchors(trail)
    own = sorted((settings.data_dir / "receipts").glob("*.json"))
    checked, problems = store.verify(anchors, [*own, *receipts])
    for problem in problems:
        click.echo(f"{LABELS.get(problem.kind, 'MISMATCH')} {problem.what}: {problem.reason}")
    for kind in sorted({p.kind for p in problems} & set(HINTS)):
        click.echo(f"  ({HINTS[kind]})")
    if unread and not offline:
        click.echo(f"NOT CHECKED custody heads in the audit index: {unread}")
    click.echo(f"{checked} stored originals checked, {len(own) + len(receipts)} receipt(s) and {len(anchors)} "
               f"index anchor(s) compared, {len(problems)} problem(s)")
    sys.exit(1 if problems else 2 if unread and not offline else 0)


def _audit_trail(settings: "Settings") -> tuple["AuditTrail | None", str | None]:
    """The audit trail (to read and write custody heads), or why the index cannot be reached."""
    from evidex.custody.backends import open_audit_journal
    from evidex.node.client import make_client
    from evidex.node.local import NodeError
    from evidex.search.audit import AuditTrail

    from index_config import ensure_indices

    try:
        client = make_client(settings)
        ensure_indices(client, settings.es_index_prefix)
    except NodeError as exc:
        return None, str(exc).splitlines()[0]
    return AuditTrail(client, f"{settings.es_index_prefix}-audit", settings.data_dir / "audit.jsonl",
                      chain=open_audit_journal(settings)), None


def _custody_anchors(trail: "AuditTrail") -> list:
    from evidex.search.audit import custody_anchors

    return custody_anchors(trail.client, trail.alias)
