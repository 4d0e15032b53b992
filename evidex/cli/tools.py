"""CLI commands that look at one file or text: ``extract``, ``enrich``."""

from __future__ import annotations

import json
import sys
import tempfile
import time
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import click

from evidex.cli.context import echo_json, settings_of


@contextmanager
def warnings_to_log(ctx: click.Context, command: str) -> Iterator[None]:
    """Library warnings raised inside the block (Pillow, PDF readers…) go to the run log
    (``<data_dir>/logs/pipeline.log``) instead of the console; one line on standard error says how many."""
    from evidex.pipeline.runlog import log_path

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("default")
        yield
    if not caught:
        return
    path = log_path(settings_of(ctx).data_dir)
    try:
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        with open(path, "a", encoding="utf-8") as log:
            stamp = time.strftime("%Y-%m-%d %H:%M:%S")
            for w in caught:
                log.write(f"{stamp} evidex {command}: {w.category.__name__}: {w.message} "
                          f"({Path(w.filename).name}:{w.lineno})\n")
    except OSError as exc:
        click.echo(f"({len(caught)} library warnings; the run log {path} could not be written: {exc})", err=True)
        return
    click.echo(f"({len(caught)} library warning{'s' * (len(caught) != 1)} written to {path})", err=True)


def read_text(source: str, ctx: click.Context) -> tuple[str, str | None]:
    """Text of standard input (``-``) or of a file read through the extractors (library warnings to the log)."""
    if source == "-":
        return sys.stdin.read(), None
    from extractors import extract_path
    from extractors.base import ExtractContext

    with tempfile.TemporaryDirectory() as tmp, warnings_to_log(ctx, ctx.info_name or "read"):
        extracted = extract_path(Path(source), ExtractContext(tmp_dir=Path(tmp)))
    if not extracted.status.readable:
        raise click.ClickException(f"{source}: {extracted.status.value}: {extracted.reason}")
    return extracted.text, extracted.language


def register_tools(main: click.Group) -> None:
    """Attach the single-file commands to the main group."""

    @main.command()
    @click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
    @click.option("--password", "passwords", multiple=True, help="Candidate password (repeatable).")
    @click.option("--ocr-languages", default="kor+eng", show_default=True)
    @click.option("--full", is_flag=True, help="Print the whole text (it is truncated otherwise).")
    @click.option("--tree", is_flag=True, help="Read members, attachments and messages too: the whole tree.")
    @click.option("--tables/--no-tables", default=True, show_default=True,
                  help="Find ruled tables in PDF pages (rows as tab-separated lines), as the pipeline does.")
    @click.option("--json", "as_json", is_flag=True)
    @click.pass_context
    def extract(ctx: click.Context, file: Path, passwords: tuple[str, ...], ocr_languages: str, full: bool,
                tree: bool, tables: bool, as_json: bool) -> None:
        """Show what the pipeline reads from one file (status, reason, text, metadata, children)."""
        from extractors import describe, extract_path, extract_tree, render_tree
        from extractors.base import ExtractContext

        if tree:
            with tempfile.TemporaryDirectory() as tmp, warnings_to_log(ctx, "extract"):
                root = extract_tree(file, ExtractContext(tmp_dir=Path(tmp), passwords=passwords,
                                                         ocr_languages=ocr_languages, pdf_tables=tables))
            if as_json:
                def as_dict(node):  # noqa: ANN001, ANN202
                    record = describe(node.result, full=full)
                    record.pop("children", None)
                    return {"name": node.name, "member_path": node.member_path, **record,
                            "members": [as_dict(child) for child in node.children]}

                echo_json(as_dict(root))
            else:
                click.echo(render_tree(root, text_chars=None if full else 2000))
            return
        with tempfile.TemporaryDirectory() as tmp, warnings_to_log(ctx, "extract"):
            extracted = extract_path(file, ExtractContext(tmp_dir=Path(tmp), passwords=passwords,
                                                          ocr_languages=ocr_languages, pdf_tables=tables))
            record = describe(extracted, full=full)
        if as_json:
            echo_json(record)
            return
        for key, value in record.items():
            if key == "text":
                click.echo("text:\n" + str(value))
            else:
                click.echo(f"{key}: {json.dumps(value, ensure_ascii=False, default=str)}")

    @main.command()
    @click.argument("source")
    @click.option("--reveal", is_flag=True, help="Print identifiers unmasked.")
    @click.option("--no-ner", is_flag=True, help="Identifiers only.")
    @click.option("--json", "as_json", is_flag=True)
    @click.pass_context
    def enrich(ctx: click.Context, source: str, reveal: bool, no_ner: bool, as_json: bool) -> None:
        """Entities, identifiers (masked unless --reveal) and counts in a file's text or standard input (-)."""
        from models.enrich import EnrichConfig, Enricher
        from models.identifiers import mask

        settings = ctx.obj["settings"]
        text, language = read_text(source, ctx)
        config = EnrichConfig(secret=settings.secret_bytes(), ner=not no_ner, topics=False)
        result = Enricher(config).enrich_many([text], [language])[0]
        rows = []
        for e in sorted(result.entities, key=lambda x: (x.start, x.end)):
            shown = e.text if (reveal or not e.sensitive) else mask(e.label, e.text)
            norm = e.norm if (reveal or not e.sensitive) else mask(e.label, e.norm)
            rows.append({"label": e.label, "text": shown, "norm": norm, "start": e.start, "end": e.end,
                         "source": e.source, "hash": e.hashed})
        counts: dict[str, int] = {}
        for e in result.entities:
            counts[e.label] = counts.get(e.label, 0) + 1
        if as_json:
            echo_json({"entities": rows, "counts": counts, "pii": result.pii,
                        "pipeline_version": result.pipeline_version})
            return
        for row in rows:
            click.echo(f"{row['label']:<14} {row['text']:<40} norm={row['norm']}  [{row['start']}:{row['end']}] "
                       f"{row['source']}")
        click.echo("counts: " + ", ".join(f"{k} {v}" for k, v in sorted(counts.items())))
