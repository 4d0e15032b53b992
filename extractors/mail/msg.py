"""Outlook MSG: headers, plain/HTML/RTF body, attachments (embedded messages kept as .msg)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from extractors.base import CorruptError, ExtractContext, Extracted, Method, Status
from extractors.children import ChildSink
from extractors.mail.headers import addresses, decode_header_value, header_block, iso_date


def extract_msg(path: Path, ctx: ExtractContext) -> Extracted:
    """One Outlook message file."""
    import extract_msg as xmsg

    try:
        msg = xmsg.openMsg(str(path), delayAttachments=False, overrideEncoding=None,
                           errorBehavior=xmsg.enums.ErrorBehavior.SUPPRESS_ALL)
    except Exception as exc:
        raise CorruptError(f"Outlook message unreadable: {type(exc).__name__}: {exc}") from exc
    msg = _with_codepage(msg, path, xmsg)
    problems: list[str] = []
    try:
        meta = _headers(msg, problems)
        body = _body(msg, problems)
        sink = ChildSink(ctx)
        for index, att in enumerate(getattr(msg, "attachments", []) or [], start=1):
            try:
                _attachment(att, index, sink)
            except Exception as exc:
                problems.append(f"attachment {index}: {type(exc).__name__}: {exc}")
    finally:
        try:
            msg.close()
        except Exception:
            pass
    if sink.children:
        meta["attachments"] = [c.name for c in sink.children]
    meta.update(sink.metadata())
    text = header_block(meta) + ("\n\n" + body if body.strip() else "")
    return Extracted(status=Status.PARTIAL if problems else Status.OK, text=text.strip(),
                     reason="; ".join(problems) or None, metadata=meta, method=Method.TEXT_LAYER,
                     children=tuple(sink.children))


def _with_codepage(msg: Any, path: Path, xmsg: Any) -> Any:
    """Reopen a non-Unicode (ANSI) message with the code page it declares (e.g. 949, 950)."""
    import codecs

    try:
        if msg.areStringsUnicode:
            return msg
        cpid = msg.getPropertyVal("3FDE0003") or msg.getPropertyVal("3FFD0003")
    except Exception:
        return msg
    if not cpid:
        return msg
    name = {65001: "utf-8", 20127: "ascii", 28591: "latin-1", 50220: "iso2022_jp", 51932: "euc_jp",
            51949: "cp949", 936: "gb18030", 52936: "hz"}.get(int(cpid), f"cp{int(cpid)}")
    try:
        name = codecs.lookup(name).name
    except LookupError:
        return msg
    if name == codecs.lookup(msg.stringEncoding or "cp1252").name:
        return msg
    try:
        reopened = xmsg.openMsg(str(path), delayAttachments=False, overrideEncoding=name,
                                errorBehavior=xmsg.enums.ErrorBehavior.SUPPRESS_ALL)
    except Exception:
        return msg
    msg.close()
    return reopened


def _safe_get(obj: Any, name: str, problems: list[str]) -> Any:
    try:
        return getattr(obj, name)
    except Exception as exc:
        problems.append(f"{name}: {type(exc).__name__}")
        return None


def _headers(msg: Any, problems: list[str]) -> dict[str, Any]:
    meta: dict[str, Any] = {}
    header = _safe_get(msg, "header", problems)
    meta.update(_recipients(msg))
    for key, attr in (("from", "sender"), ("to", "to"), ("cc", "cc"), ("bcc", "bcc")):
        if key in meta:
            continue
        value = _safe_get(msg, attr, problems)
        if value:
            meta[key] = addresses(decode_header_value(value).replace(";", ","))
    for key, attr in (("subject", "subject"), ("message_id", "messageId"), ("in_reply_to", "inReplyTo")):
        value = _safe_get(msg, attr, problems)
        if value:
            meta[key] = decode_header_value(value)
    if header is not None:
        refs = header.get("References")
        if refs:
            meta["references"] = decode_header_value(refs).split()
        if "message_id" not in meta and header.get("Message-ID"):
            meta["message_id"] = decode_header_value(header.get("Message-ID"))
    date = _safe_get(msg, "date", problems)
    if date is not None:
        meta["date"] = date.isoformat() if hasattr(date, "isoformat") else (iso_date(str(date)) or str(date))
    return meta


def _recipients(msg: Any) -> dict[str, list[str]]:
    """To/Cc/Bcc from the recipient table (more exact than the display strings)."""
    kinds = {1: "to", 2: "cc", 3: "bcc"}
    found: dict[str, list[str]] = {}
    try:
        recipients = list(msg.recipients or [])
    except Exception:
        return found
    for rec in recipients:
        try:
            kind = kinds.get(int(rec.type))
            name = (rec.name or "").strip().strip("'\"")
            mail = (rec.email or "").strip()
        except Exception:
            continue
        if not kind or not (name or mail):
            continue
        entry = mail if not name or name == mail else (f"{name} <{mail}>" if mail else name)
        found.setdefault(kind, []).append(entry)
    return found


def _body(msg: Any, problems: list[str]) -> str:
    body = _safe_get(msg, "body", problems)
    if body and str(body).strip():
        return str(body)
    html = _safe_get(msg, "htmlBody", problems)
    if html:
        from extractors.text import html_to_text
        from extractors.textdecode import decode_bytes

        markup = decode_bytes(html)[0] if isinstance(html, bytes) else str(html)
        return html_to_text(markup)[0]
    rtf = _safe_get(msg, "rtfBody", problems)
    if rtf:
        from striprtf.striprtf import rtf_to_text

        try:
            return rtf_to_text(rtf.decode("latin-1") if isinstance(rtf, bytes) else str(rtf), errors="replace")
        except Exception as exc:
            problems.append(f"RTF body unreadable: {type(exc).__name__}")
    return ""


def _attachment(att: Any, index: int, sink: ChildSink) -> None:
    data = att.data
    name = att.longFilename or att.shortFilename or getattr(att, "displayName", None) or f"attachment-{index}"
    if data is None:
        sink.skip(f"attachments/{name}", Status.UNSUPPORTED, "attachment without data (linked or OLE-only)")
        return
    if not isinstance(data, (bytes, bytearray)):
        exporter = getattr(data, "exportBytes", None)
        if exporter is None:
            sink.skip(f"attachments/{name}", Status.UNSUPPORTED, f"attachment of type {type(data).__name__}")
            return
        data = exporter()
        if not str(name).lower().endswith(".msg"):
            subject = getattr(att.data, "subject", None) or name
            name = f"{subject}.msg"
    sink.add_bytes(f"attachments/{name}", bytes(data), name=str(name))
