"""JSON-lines dumps: one object per line; nested objects flattened to ``parent.child`` columns.

The header is the union of the keys of the first objects (a sample); keys that first appear later are kept in one
extra ``_more`` column as JSON, so no value is dropped unseen.
"""

from __future__ import annotations

import io
import json
from collections.abc import Iterator
from typing import IO, Any

from extractors.dumps.base import SAMPLE_BYTES, DumpError, Row, Table
from extractors.dumps.delimited import choose_encoding

SAMPLE_OBJECTS = 200
EXTRA = "_more"


def flatten(obj: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    """``{"a": {"b": 1}}`` → ``{"a.b": 1}``; lists stay values."""
    flat: dict[str, Any] = {}
    for key, value in obj.items():
        name = f"{prefix}{key}"
        if isinstance(value, dict):
            flat.update(flatten(value, name + "."))
        else:
            flat[name] = value
    return flat


def cell(value: Any) -> str | None:
    """A JSON value as cell text (lists and objects as compact JSON, null as None)."""
    if value is None:
        return None
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return str(value)
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def _objects(stream: IO[str]) -> Iterator[dict[str, Any]]:
    for number, line in enumerate(stream, 1):
        line = line.strip()
        if not line:
            continue
        try:
            obj = json.loads(line)
        except ValueError as exc:
            raise DumpError(f"line {number} is not JSON ({exc.__class__.__name__})", "corrupt") from None
        yield flatten(obj) if isinstance(obj, dict) else {"value": obj}


def read_jsonl(fh: IO[bytes], source: str) -> Iterator[Table]:
    """The one table of a JSON-lines stream (``fh`` must be seekable)."""
    sample = fh.read(SAMPLE_BYTES)
    fh.seek(0)
    encoding = choose_encoding(sample)
    if sample.lstrip()[:1] == b"[":
        raise DumpError("a JSON array, not JSON lines (one object per line)", "unsupported")
    objects = _objects(io.TextIOWrapper(fh, encoding=encoding, errors="replace"))
    head: list[dict[str, Any]] = []
    for obj in objects:
        head.append(obj)
        if len(head) >= SAMPLE_OBJECTS:
            break
    keys: dict[str, None] = {}
    for obj in head:
        keys.update(dict.fromkeys(obj))
    header = tuple(keys)
    known = set(header)

    def rows() -> Iterator[Row]:
        for obj in (*head, *objects) if len(head) < SAMPLE_OBJECTS else _chain(head, objects):
            row = tuple(cell(obj.get(k)) for k in header)
            extra = {k: v for k, v in obj.items() if k not in known}
            yield row + (cell(extra),) if extra else row

    yield Table(source, "jsonl", header + (EXTRA,), rows(), encoding=encoding)


def _chain(first: list[dict[str, Any]], rest: Iterator[dict[str, Any]]) -> Iterator[dict[str, Any]]:
    yield from first
    yield from rest
