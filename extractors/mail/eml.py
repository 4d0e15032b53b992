"""RFC 5322 messages (EML) and Apple Mail's EMLX: headers, plain/HTML bodies, attachments as children."""

from __future__ import annotations

import email
import email.policy
import re
from email.message import Message
from pathlib import Path
from typing import Any

from extractors.base import CorruptError, ExtractContext, Extracted, Method, Status
from extractors.children import ChildSink
from extractors.mail.headers import (
    ADDRESS_HEADERS, PLAIN_HEADERS, addresses, decode_header_value, header_block, iso_date,
)
from extractors.textdecode import decode_bytes

_MAX_MESSAGE = 1024 * 1024 * 1024


def extract_eml(path: Path, ctx: ExtractContext) -> Extracted:
    """One message file."""
    with open(path, "rb") as fh:
        data = fh.read(_MAX_MESSAGE)
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    return message_to_extracted(data, ctx)


def extract_emlx(path: Path, ctx: ExtractContext) -> Extracted:
    """EMLX: a byte count line, the RFC 5322 message, then an Apple property list."""
    data = path.read_bytes()
    m = re.match(rb"\s*(\d+)\s*\r?\n", data)
    if not m:
        raise CorruptError("EMLX without its leading byte count")
    count = int(m.group(1))
    message = data[m.end():m.end() + count]
    result = message_to_extracted(message, ctx)
    if (ctx.filename or path.name).endswith(".partial.emlx") or b"X-Apple-Content-Length" in message:
        meta = dict(result.metadata, partial_emlx=True)
        import dataclasses

        return dataclasses.replace(
            result, metadata=meta,
            status=Status.PARTIAL if result.status == Status.OK else result.status,
            reason=result.reason or "partial EMLX: Apple Mail stored some attachments in separate files",
        )
    return result


def message_headers(msg: Message) -> dict[str, Any]:
    """The mail header metadata of one parsed message."""
    meta: dict[str, Any] = {}
    raw: dict[str, list[str]] = {}
    for name, value in msg.raw_items():
        raw.setdefault(name.lower(), []).append(value)

    def first(name: str) -> str | None:
        values = raw.get(name.lower())
        return values[0] if values else None

    for key, name in ADDRESS_HEADERS.items():
        values = raw.get(name.lower(), [])
        found: list[str] = []
        for v in values:
            found += addresses(decode_header_value(v))
        if found:
            meta[key] = found
    for key, name in PLAIN_HEADERS.items():
        value = decode_header_value(first(name))
        if value:
            meta[key] = value
    refs = decode_header_value(first("References"))
    if refs:
        meta["references"] = refs.split()
    raw_date = decode_header_value(first("Date"))
    if raw_date:
        meta["date"] = iso_date(raw_date) or raw_date
    return meta


def message_to_extracted(data: bytes, ctx: ExtractContext) -> Extracted:
    """Parse message bytes into an ``Extracted`` with attachments as children."""
    try:
        msg = email.message_from_bytes(data, policy=email.policy.compat32)
    except Exception as exc:
        raise CorruptError(f"message unparseable: {exc}") from exc
    meta = message_headers(msg)
    if not meta and not msg.get_payload():
        raise CorruptError("no mail headers and no body")
    _decode_attached_messages(msg)
    sink = ChildSink(ctx)
    plain: list[str] = []
    html: list[str] = []
    encrypted = _walk(msg, sink, plain, html, ctx)
    body = "\n\n".join(t for t in plain if t.strip())
    if not body.strip() and html:
        body = "\n\n".join(t for t in html if t.strip())
    if sink.children:
        meta["attachments"] = [c.name for c in sink.children]
    meta.update(sink.metadata())
    defects = [type(d).__name__ for d in msg.defects]
    if defects:
        meta["defects"] = defects
    text = header_block(meta) + ("\n\n" + body if body.strip() else "")
    if encrypted:
        return Extracted(status=Status.ENCRYPTED, text=text, metadata=meta, method=Method.TEXT_LAYER,
                         reason=f"message body is {encrypted}-encrypted; headers were read",
                         children=tuple(sink.children))
    return Extracted(status=Status.OK, text=text, metadata=meta, method=Method.TEXT_LAYER,
                     children=tuple(sink.children))


def _decode_attached_messages(msg: Message) -> None:
    """Attached messages sent base64- or quoted-printable-encoded (GroupWise does, though RFC 2046 allows only
    7bit, 8bit and binary for message/rfc822): the parser reads their encoded text as a message without headers;
    it is decoded and parsed again, so the attachment is the message and the body holds no base64."""
    import base64
    import binascii
    import quopri

    for part in list(msg.walk()):
        encoding = str(part.get("Content-Transfer-Encoding") or "").strip().lower()
        if part.get_content_type() != "message/rfc822" or encoding not in ("base64", "quoted-printable"):
            continue
        inner = part.get_payload()
        if not isinstance(inner, list) or len(inner) != 1 or list(inner[0].keys()):
            continue  # not the headerless text of a misread encoding
        text = inner[0].get_payload()
        if not isinstance(text, str) or not text.strip():
            continue
        raw = text.encode("ascii", "surrogateescape")
        try:
            data = base64.b64decode(b"".join(raw.split()), validate=True) if encoding == "base64" else \
                quopri.decodestring(raw)
        except (binascii.Error, ValueError):
            continue
        try:
            decoded = email.message_from_bytes(data, policy=email.policy.compat32)
        except Exception:  # noqa: BLE001 - left as it was read
            continue
        if not list(decoded.keys()):
            continue
        part.set_payload([decoded])
        part.replace_header("Content-Transfer-Encoding", "7bit")


def _walk(msg: Message, sink: ChildSink, plain: list[str], html: list[str], ctx: ExtractContext) -> str | None:
    """Collect bodies and attachments; return the encryption kind when the body is encrypted."""
    from extractors.text import html_to_text

    encrypted: str | None = None
    counter = 0
    for part in msg.walk():
        ctype = part.get_content_type()
        if ctype == "multipart/encrypted":
            encrypted = "PGP" if "pgp" in (part.get_param("protocol") or "").lower() else "S/MIME"
        if ctype in ("application/pkcs7-mime", "application/x-pkcs7-mime") and part.get_param("smime-type") != "signed-data":
            encrypted = "S/MIME"
        if part.is_multipart():
            continue
        counter += 1
        filename = _filename(part)
        disposition = str(part.get("Content-Disposition") or "").split(";")[0].strip().lower()
        if ctype == "message/rfc822" or (part.get_content_maintype() == "message" and not filename):
            continue
        payload = _payload(part)
        if not filename and disposition != "attachment" and ctype in ("text/plain", "text/html", "text/enriched"):
            text, _ = decode_bytes(payload, part.get_content_charset())
            if ctype == "text/html":
                html.append(html_to_text(text)[0])
            else:
                if text.lstrip().startswith("-----BEGIN PGP MESSAGE-----"):
                    encrypted = "PGP"
                plain.append(text)
            continue
        if ctype in ("application/pgp-encrypted",) or (ctype == "application/octet-stream" and
                                                       payload.lstrip().startswith(b"-----BEGIN PGP MESSAGE")):
            encrypted = "PGP"
        name = filename or f"part-{counter}{_extension(ctype)}"
        sink.add_bytes(f"attachments/{name}", payload, name=name)
    for part in msg.walk():  # attached messages, kept whole
        if part.get_content_type() == "message/rfc822" and part.is_multipart():
            for index, inner in enumerate(part.get_payload(), start=1):
                try:
                    raw = inner.as_bytes()
                except Exception:
                    raw = inner.as_string().encode("utf-8", "surrogateescape")
                subject = decode_header_value(inner.get("Subject")) or f"message-{index}"
                name = _filename(part) or f"{_safe(subject)}.eml"
                sink.add_bytes(f"attachments/{name}", raw, name=name)
    return encrypted


def _payload(part: Message) -> bytes:
    try:
        data = part.get_payload(decode=True)
    except Exception:
        data = None
    if data is None:
        raw = part.get_payload()
        data = raw.encode("utf-8", "surrogateescape") if isinstance(raw, str) else b""
    return data


def _filename(part: Message) -> str | None:
    """Attachment name from Content-Disposition or Content-Type, raw 8-bit and RFC 2231/2047 decoded."""
    raw = {name.lower(): value for name, value in reversed(list(part.raw_items()))}
    for header, param in (("content-disposition", "filename"), ("content-type", "name")):
        value = raw.get(header)
        if not value:
            continue
        value = str(value)
        if any("\udc80" <= ch <= "\udcff" for ch in value):
            value = decode_bytes(value.encode("ascii", "surrogateescape"))[0]
        probe = Message()
        probe[header] = value
        name = probe.get_param(param, header=header)
        if not name:
            continue
        if isinstance(name, tuple):  # RFC 2231
            try:
                name = email.utils.collapse_rfc2231_value(name)
            except Exception:
                name = str(name[2])
        decoded = decode_header_value(name)
        if decoded:
            return decoded
    return None


def _extension(ctype: str) -> str:
    import mimetypes

    return mimetypes.guess_extension(ctype) or ".bin"


def _safe(text: str) -> str:
    return re.sub(r"[^\w.\- 가-힣]+", "_", text)[:80].strip() or "message"
