"""The stage boundary: pick an extractor, run it, turn every exception into an ``Extracted``."""

from __future__ import annotations

import dataclasses
import os
import stat
import traceback
from pathlib import Path

from extractors.base import ExtractContext, Extracted, ExtractionError, Method, Status
from extractors.language import detect_languages
from extractors.quality import score_text
from extractors.registry import Registry, default_registry
from extractors.sniff import detect_type


def extract_path(path: Path, ctx: ExtractContext, registry: Registry | None = None) -> Extracted:
    """Read one file in this process; never raises.

    The extractor is chosen by sniffed content type first, then by extension.
    """
    path = Path(path)
    content_type: str | None = None
    name: str | None = None
    try:
        problem = _precheck(path, ctx)
        if problem is not None:
            return problem
        content_type = detect_type(path, ctx.filename)
        if content_type == "application/x-empty":
            return Extracted.failure(Status.CORRUPT, "the file is empty (0 bytes)", content_type=content_type)
        suffix = original_name(path, ctx).suffix.lower()
        reg = (registry or default_registry()).choose(content_type, suffix.lstrip("."))
        if reg is None:
            return Extracted.failure(
                Status.UNSUPPORTED,
                f"no extractor reads {content_type} files (extension {suffix or 'none'})",
                content_type=content_type,
            )
        name = reg.name
        result = reg.load()(path, ctx)
        named = (registry or default_registry()).by_extension(suffix.lstrip("."))
        if named is not None and named.name != reg.name:  # a disguised file: say so beside what was read
            warning = (f"the name says {suffix} ({named.name}) but the content is {content_type}: "
                       f"read as {reg.name}")
            result = dataclasses.replace(result, metadata={
                **result.metadata, "warnings": [*result.metadata.get("warnings", []), warning]})
        return _finish(result, ctx, content_type, name)
    except ExtractionError as exc:
        return Extracted.failure(exc.status, exc.reason, content_type=content_type, extractor=name)
    except MemoryError:
        return Extracted.failure(
            Status.TOO_LARGE,
            f"reading the file needed more than the memory limit ({ctx.limits.memory_bytes} bytes)",
            content_type=content_type, extractor=name,
        )
    except _damage_errors() as exc:
        return Extracted.failure(
            Status.CORRUPT, f"damaged data: {type(exc).__name__}: {exc}", content_type=content_type, extractor=name
        )
    except NotImplementedError as exc:
        return Extracted.failure(Status.UNSUPPORTED, f"uses a feature the reader does not support: {exc}",
                                 content_type=content_type, extractor=name)
    except RecursionError:
        return Extracted.failure(Status.CORRUPT, "structure nested too deeply to read", content_type=content_type,
                                 extractor=name)
    except Exception as exc:  # the boundary: unexpected errors become data too
        where = traceback.extract_tb(exc.__traceback__)[-1]
        return Extracted.failure(
            Status.ERROR,
            f"unexpected {type(exc).__name__}: {exc} (at {Path(where.filename).name}:{where.lineno})",
            content_type=content_type, extractor=name,
        )


def original_name(path: Path, ctx: ExtractContext) -> Path:
    """The file's own name: ``ctx.filename`` when given (content-addressed blobs), else the path's."""
    return Path(Path(ctx.filename).name) if ctx.filename else Path(path.name)


def _damage_errors() -> tuple[type[BaseException], ...]:
    """Exceptions that mean the input bytes are damaged (checksums, truncation, bad compression)."""
    import lzma
    import struct
    import tarfile
    import zipfile
    import zlib

    found: list[type[BaseException]] = [zlib.error, zipfile.BadZipFile, struct.error, EOFError, lzma.LZMAError,
                                        tarfile.TarError]
    try:
        from xlrd.compdoc import CompDocError

        found.append(CompDocError)
    except ImportError:
        pass
    return tuple(found)


def _precheck(path: Path, ctx: ExtractContext) -> Extracted | None:
    try:
        st = os.lstat(path)
    except OSError as exc:
        return Extracted.failure(Status.ERROR, f"cannot read the file: {exc.strerror or exc}")
    if stat.S_ISLNK(st.st_mode):
        return Extracted.failure(Status.UNSUPPORTED, "the path is a symbolic link; links are not followed")
    if not stat.S_ISREG(st.st_mode):
        return Extracted.failure(Status.UNSUPPORTED, "not a regular file (device, pipe, socket or directory)")
    if st.st_size > ctx.limits.max_file_bytes:
        return Extracted.failure(
            Status.TOO_LARGE, f"the file has {st.st_size} bytes, over the {ctx.limits.max_file_bytes} byte limit"
        )
    return None


def _finish(result: Extracted, ctx: ExtractContext, content_type: str, name: str) -> Extracted:
    changes: dict[str, object] = {}
    if result.content_type is None:
        changes["content_type"] = content_type
    if result.extractor is None:
        changes["extractor"] = name
    text = result.text
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
        changes["text"] = text
    if len(text) > ctx.limits.max_text_chars:
        changes["text"] = text[: ctx.limits.max_text_chars]
        if result.status == Status.OK:
            changes["status"] = Status.PARTIAL
            changes["reason"] = f"text cut at {ctx.limits.max_text_chars} characters"
    if result.language is None and text.strip():
        language, languages = detect_languages(text)
        changes["language"] = language
        changes["languages"] = languages
    if result.status == Status.OK and "text_score" not in result.metadata and text.strip():
        changes.update(_gate(result, text))
    if result.method == Method.NONE and text.strip() and result.status.readable:
        changes["method"] = Method.TEXT_LAYER
    if result.children:
        changes.update(_bounded_children(result, ctx))
    return dataclasses.replace(result, **changes) if changes else result


def _gate(result: Extracted, text: str) -> dict[str, object]:
    """The quality gate for formats without a second reader: record the score; unreadable text is partial."""
    quality = score_text(text)
    changes: dict[str, object] = {"metadata": dict(result.metadata, text_score=quality.score)}
    if quality.poor:
        changes["status"] = Status.PARTIAL
        changes["reason"] = f"text looks unreadable: score {quality.describe()}"
    return changes


def _bounded_children(result: Extracted, ctx: ExtractContext) -> dict[str, object]:
    """Drop children past the nesting limit (any container: mail, document, archive); sniff the rest."""
    if ctx.depth >= ctx.limits.archive_max_depth:
        for child in result.children:
            Path(child.path).unlink(missing_ok=True)
        note = f"{len(result.children)} embedded files below nesting depth {ctx.limits.archive_max_depth} not expanded"
        return {
            "children": (),
            "status": Status.PARTIAL if result.status == Status.OK else result.status,
            "reason": f"{result.reason}; {note}" if result.reason else note,
        }
    typed = tuple(
        c if c.content_type else dataclasses.replace(c, content_type=detect_type(c.path, c.name))
        for c in result.children
    )
    return {"children": typed}
