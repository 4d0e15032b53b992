"""Outlook PST/OST through ``readpst`` (Debian ``pst-utils``): each message becomes a child .eml."""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from pathlib import Path

from extractors.base import CorruptError, ExtractContext, Extracted, ExtractionError, Method, Status, UnsupportedError
from extractors.children import ChildSink


def extract_pst(path: Path, ctx: ExtractContext) -> Extracted:
    """Convert with readpst into one .eml per message (folder structure kept in ``inner_path``)."""
    if shutil.which("readpst") is None:
        raise UnsupportedError("reading PST needs the readpst binary (Debian: pst-utils)")
    ctx.tmp_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="pst-", dir=ctx.tmp_dir) as out:
        cmd = ["readpst", "-e", "-D", "-b", "-q", "-j", "0", "-o", out, str(path)]
        try:
            proc = subprocess.run(cmd, capture_output=True, timeout=ctx.limits.timeout_s)
        except subprocess.TimeoutExpired as exc:
            raise ExtractionError(f"readpst ran past {ctx.limits.timeout_s:g} s") from exc
        files = sorted(p for p in Path(out).rglob("*") if p.is_file())
        if proc.returncode != 0 and not files:
            err = proc.stderr.decode("utf-8", "replace").strip().splitlines()
            raise CorruptError(f"readpst could not read the PST: {err[-1] if err else proc.returncode}")
        sink = ChildSink(ctx)
        folders: dict[str, int] = {}
        for file in files:
            inner = file.relative_to(out).as_posix()
            folder = inner.rsplit("/", 1)[0] if "/" in inner else ""
            folders[folder] = folders.get(folder, 0) + 1
            sink.adopt_file(inner, file)
    lines = [f"{folder or '/'}\t{count} messages" for folder, count in sorted(folders.items())]
    meta = {"messages": len(files), "folders": sorted(folders), **sink.metadata()}
    status = Status.PARTIAL if sink.skipped or proc.returncode != 0 else Status.OK
    reason = None
    if proc.returncode != 0:
        reason = f"readpst exited with {proc.returncode}; {len(files)} messages recovered"
    elif sink.skipped:
        reason = f"{len(sink.skipped)} messages not expanded: {sink.skipped[0].reason}"
    return Extracted(status=status, text="\n".join(lines), reason=reason, metadata=meta,
                     method=Method.TEXT_LAYER, children=tuple(sink.children))
