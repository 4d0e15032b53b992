"""CSV and TSV dumps: encoding chosen by ``extractors.textdecode`` on a sample, delimiter sniffed, rows streamed."""

from __future__ import annotations

import codecs
import csv
import io
import itertools
from collections.abc import Iterator
from typing import IO

from extractors.dumps.base import SAMPLE_BYTES, Table, looks_like_header, synthetic_header
from extractors.textdecode import decode_bytes

DELIMITERS = (",", "\t", ";", "|")
_SNIFF_LINES = 30
csv.field_size_limit(64 * 1024 * 1024)


def choose_encoding(sample: bytes) -> str:
    """The codec to stream a file with, from its first bytes (a BOM is consumed by the codec)."""
    if sample.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if sample.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    _, encoding = decode_bytes(sample)
    return encoding


def sniff_delimiter(text: str, default: str = ",") -> str:
    """The delimiter that splits the sample's first lines into the most columns, the same number on each line."""
    lines = [line for line in text.splitlines()[:_SNIFF_LINES] if line.strip()]
    if len(lines) > 1 and not text.endswith("\n"):
        lines = lines[:-1]  # the sample may end inside a line
    best, best_score = default, (0, 0)
    for delimiter in DELIMITERS:
        widths = [len(row) for row in csv.reader(lines, delimiter=delimiter)]
        if not widths or max(widths) < 2:
            continue
        common = max(set(widths), key=widths.count)
        score = (widths.count(common), common)
        if score > best_score:
            best, best_score = delimiter, score
    return best


def read_delimited(fh: IO[bytes], source: str, *, tab: bool = False, strict: bool = False) -> Iterator[Table]:
    """The one table of a CSV/TSV stream (``fh`` must be seekable); ``strict`` raises ``csv.Error`` on malformed
    quoting (a stream cut inside a quoted field included) instead of reading on."""
    sample = fh.read(SAMPLE_BYTES)
    fh.seek(0)
    encoding = choose_encoding(sample)
    text_sample, _ = decode_bytes(sample[: sample.rfind(b"\n") + 1] or sample)
    delimiter = sniff_delimiter(text_sample, "\t" if tab else ",")
    stream = io.TextIOWrapper(fh, encoding=encoding, errors="replace", newline="")
    reader = csv.reader(stream, delimiter=delimiter, quotechar='"', doublequote=True, skipinitialspace=False,
                        strict=strict)
    first = next(reader, None)
    while first is not None and not any(cell.strip() for cell in first):
        first = next(reader, None)
    if first is None:
        yield Table(source, "tsv" if delimiter == "\t" else "csv", (), encoding=encoding, delimiter=delimiter)
        return
    head = tuple(cell.strip() for cell in first)
    if looks_like_header(head):
        header, pending = head, None
    else:
        header, pending = synthetic_header(len(head)), tuple(first)

    rows: Iterator = filter(None, reader)  # lists, not tuples: no copy per row; blank lines dropped
    if pending is not None:
        rows = itertools.chain((pending,), rows)
    yield Table(source, "tsv" if delimiter == "\t" else "csv", header, rows, encoding=encoding, delimiter=delimiter,
                has_header=pending is None)
