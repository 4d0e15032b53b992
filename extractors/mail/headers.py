"""Decoding mail headers in any charset (RFC 2047 words, raw 8-bit EUC-KR/CP949/Big5…)."""

from __future__ import annotations

import email.header
import email.utils
from typing import Any

from extractors.textdecode import decode_bytes, normalise_charset

#: Headers copied into ``Extracted.metadata`` (metadata key → header name).
ADDRESS_HEADERS = {"from": "From", "to": "To", "cc": "Cc", "bcc": "Bcc", "reply_to": "Reply-To"}
PLAIN_HEADERS = {"subject": "Subject", "message_id": "Message-ID", "in_reply_to": "In-Reply-To"}


def decode_header_value(value: Any) -> str:
    """A header as readable text; never raises."""
    if value is None:
        return ""
    if isinstance(value, email.header.Header):
        value = str(value)
    if not isinstance(value, str):
        value = str(value)
    if any("\udc80" <= ch <= "\udcff" for ch in value):  # raw 8-bit bytes kept as surrogates
        value = decode_bytes(value.encode("ascii", "surrogateescape"))[0]
    try:
        parts = email.header.decode_header(value)
    except Exception:
        return " ".join(value.split())
    out: list[str] = []
    for chunk, charset in parts:
        if isinstance(chunk, bytes):
            codec = normalise_charset(charset)
            if codec:
                try:
                    out.append(chunk.decode(codec))
                    continue
                except UnicodeDecodeError:
                    pass
            out.append(decode_bytes(chunk, charset)[0])
        else:
            out.append(chunk)
    joined = ""
    for i, piece in enumerate(out):
        # decode_header drops the space between an encoded word and plain text in some cases
        if i and isinstance(parts[i][0], bytes) != isinstance(parts[i - 1][0], bytes):
            if not joined.endswith(" ") and not piece.startswith(" "):
                joined += " "
        joined += piece
    return " ".join(joined.split())


def addresses(value: str) -> list[str]:
    """``Name <addr>`` strings from a decoded address header."""
    if not value:
        return []
    try:
        pairs = email.utils.getaddresses([value])
    except Exception:
        return [value]
    out = []
    for name, addr in pairs:
        if not (name or addr):
            continue
        out.append(f"{name} <{addr}>" if name and addr else (addr or name))
    return out or [value]


def iso_date(value: str) -> str | None:
    """An ISO 8601 date from an RFC 5322 date, or None when it cannot be parsed."""
    if not value:
        return None
    try:
        parsed = email.utils.parsedate_to_datetime(value)
    except Exception:
        return None
    return parsed.isoformat() if parsed else None


def header_block(meta: dict[str, Any]) -> str:
    """The searchable header lines placed before a message's body."""
    lines = []
    for key, label in (("from", "From"), ("to", "To"), ("cc", "Cc"), ("bcc", "Bcc"), ("date", "Date"),
                       ("subject", "Subject")):
        value = meta.get(key)
        if value:
            lines.append(f"{label}: {', '.join(value) if isinstance(value, list) else value}")
    return "\n".join(lines)
