"""Counting personal identifiers over a whole text file, streamed, when its extracted text was cut.

A leaked dump of millions of rows is larger than the text kept for search; the data-protection question is
how many identifiers it holds, so the stored original is scanned block by block. Each block after the first
is scanned with the file's first line (a CSV header) in front, so column names still give context.
"""

from __future__ import annotations

import codecs
from collections import Counter
from pathlib import Path

BLOCK_BYTES = 4 * 1024 * 1024
MAX_LINE_CHARS = 16 * 1024 * 1024


def count_identifiers_in_file(path: Path, encoding: str, secret: bytes) -> dict[str, int]:
    """Sensitive identifiers per label in the whole file at ``path`` decoded as ``encoding``."""
    from models.identifiers import find_identifiers

    decoder = codecs.getincrementaldecoder(encoding)(errors="replace")
    counts: Counter = Counter()
    header: str | None = None
    carry = ""

    def scan(body: str) -> None:
        nonlocal header
        if header is None:
            header = body.split("\n", 1)[0]
            found = find_identifiers(body, secret=secret)
        else:
            found = [e for e in find_identifiers(f"{header}\n{body}", secret=secret) if e.start > len(header)]
        counts.update(e.label for e in found if e.sensitive)

    with open(path, "rb") as fh:
        while block := fh.read(BLOCK_BYTES):
            text = carry + decoder.decode(block)
            cut = text.rfind("\n")
            if cut < 0 and len(text) < MAX_LINE_CHARS:
                carry = text
                continue
            cut = cut if cut >= 0 else len(text) - 1
            scan(text[: cut + 1])
            carry = text[cut + 1 :]
    rest = carry + decoder.decode(b"", final=True)
    if rest.strip():
        scan(rest)
    return dict(counts)
