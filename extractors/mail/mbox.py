"""MBOX: split on ``From `` separator lines while streaming; each message becomes a child .eml."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Iterator

from extractors.base import ExtractContext, Extracted, Method, Status
from extractors.children import ChildSink

_FROM_LINE = re.compile(rb"^From \S+.*\d{4}\s*$|^From \S+\s*$|^From - ")


def iter_messages(path: Path) -> Iterator[bytes]:
    """Raw messages of an mbox file, ``From `` line removed, ``>From`` unquoted (mboxrd)."""
    current: list[bytes] = []
    previous_blank = True
    with open(path, "rb") as fh:
        for line in fh:
            if line.startswith(b"From ") and previous_blank and _FROM_LINE.match(line.rstrip(b"\r\n")):
                if current:
                    yield b"".join(current)
                current = []
            else:
                if line.startswith(b">From ") or line.startswith(b">>From "):
                    line = line[1:]
                current.append(line)
            previous_blank = not line.strip()
    if current and any(part.strip() for part in current):
        yield b"".join(current)


def extract_mbox(path: Path, ctx: ExtractContext) -> Extracted:
    """One child per message; the text lists each message's date, sender and subject."""
    from email.parser import BytesHeaderParser
    from email.policy import compat32

    from extractors.mail.headers import decode_header_value

    sink = ChildSink(ctx)
    lines: list[str] = []
    parser = BytesHeaderParser(policy=compat32)
    count = 0
    first: bytes | None = None
    for count, raw in enumerate(iter_messages(path), start=1):
        if count == 1:
            first = raw
        headers = parser.parsebytes(raw[:65536])
        subject = decode_header_value(headers.get("Subject"))
        sender = decode_header_value(headers.get("From"))
        date = decode_header_value(headers.get("Date"))
        name = f"message-{count:06d}.eml"
        if sink.add_bytes(name, raw, name=name) is not None:
            lines.append(f"{count}\t{date}\t{sender}\t{subject}")
    if count == 1 and first is not None and sink.children:
        return _single_message(first, sink, ctx)
    meta = {"messages": count, **sink.metadata()}
    problems = [s.reason for s in sink.skipped]
    return Extracted(status=Status.PARTIAL if problems else Status.OK, text="\n".join(lines),
                     reason=f"{len(problems)} messages not expanded: {problems[0]}" if problems else None,
                     metadata=meta, method=Method.TEXT_LAYER, children=tuple(sink.children))


def _single_message(raw: bytes, sink: ChildSink, ctx: ExtractContext) -> Extracted:
    """A mailbox holding one message is read as that message (no extra level of nesting)."""
    import dataclasses

    from extractors.mail.eml import message_to_extracted

    for child in sink.children:
        child.path.unlink(missing_ok=True)
    result = message_to_extracted(raw, ctx)
    return dataclasses.replace(result, metadata={**result.metadata, "mbox_messages": 1})
