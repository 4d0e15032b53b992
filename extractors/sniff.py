"""Content sniffing: a MIME-like type from a file's first bytes (and container listing)."""

from __future__ import annotations

import re
import zipfile
from pathlib import Path

OCTET_STREAM = "application/octet-stream"
_HEAD = 8192

_MAGIC: tuple[tuple[bytes, str], ...] = (
    (b"\x89PNG\r\n\x1a\n", "image/png"),
    (b"\xff\xd8\xff", "image/jpeg"),
    (b"II*\x00", "image/tiff"),
    (b"MM\x00*", "image/tiff"),
    (b"GIF87a", "image/gif"),
    (b"GIF89a", "image/gif"),
    (b"BM", "image/bmp"),
    (b"{\\rtf", "application/rtf"),
    (b"\x1f\x8b", "application/gzip"),
    (b"BZh", "application/x-bzip2"),
    (b"\xfd7zXZ\x00", "application/x-xz"),
    (b"7z\xbc\xaf\x27\x1c", "application/x-7z-compressed"),
    (b"!BDN", "application/vnd.ms-outlook-pst"),
    (b"HWP Document File V3", "application/x-hwp3"),
)
_OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_MAIL_HEADER = re.compile(
    rb"^(received|from|return-path|delivered-to|message-id|mime-version|date|subject|to|x-[\w-]+"
    rb"|dkim-signature|reply-to|content-type|sender|envelope-to|thread-topic|x-mailer):[ \t]*\S?",
    re.IGNORECASE,
)
_ODF_TYPES = {
    "application/vnd.oasis.opendocument.text",
    "application/vnd.oasis.opendocument.spreadsheet",
    "application/vnd.oasis.opendocument.presentation",
}


def detect_type(path: Path, name: str | None = None) -> str:
    """Return a MIME-like content type sniffed from the file's bytes; never raises.

    ``name`` (the original file name, when ``path`` is a blob) only settles ambiguous cases.
    """
    try:
        with open(path, "rb") as fh:
            head = fh.read(_HEAD)
    except OSError:
        return OCTET_STREAM
    try:
        return _from_head(path, head, (Path(name).suffix if name else path.suffix).lower())
    except Exception:  # a sniffing bug must not stop extraction
        return OCTET_STREAM


def _from_head(path: Path, head: bytes, suffix: str) -> str:
    if not head:
        return "application/x-empty"
    if b"%PDF-" in head[:1024]:
        return "application/pdf"
    if head.startswith(b"PK\x03\x04") or head.startswith(b"PK\x05\x06"):
        return _zip_type(path, suffix)
    if head.startswith(_OLE):
        return _ole_type(path)
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "image/webp"
    if len(head) > 262 and head[257:262] == b"ustar":
        return "application/x-tar"
    for magic, ctype in _MAGIC:
        if head.startswith(magic):
            return ctype
    return _text_type(head, suffix)


def _zip_type(path: Path, suffix: str) -> str:
    try:
        with zipfile.ZipFile(path) as zf:
            names = set(zf.namelist())
            if "mimetype" in names:
                declared = zf.read("mimetype")[:100].decode("ascii", "replace").strip()
                if declared in _ODF_TYPES:
                    return declared
                if declared.startswith("application/hwp") or declared == "application/haansofthwpx":
                    return "application/hwp+zip"
            if any(n.lower().startswith("contents/section") for n in names):
                return "application/hwp+zip"
            if "[Content_Types].xml" in names:
                if any(n.startswith("word/") for n in names):
                    return "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
                if any(n.startswith("xl/") for n in names):
                    return "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
                if any(n.startswith("ppt/") for n in names):
                    return "application/vnd.openxmlformats-officedocument.presentationml.presentation"
    except (zipfile.BadZipFile, OSError, ValueError, EOFError):
        return _damaged_zip_type(path, suffix)
    return "application/zip"


def _damaged_zip_type(path: Path, suffix: str) -> str:
    """Guess an office type from local headers when the ZIP directory is missing (truncated file)."""
    try:
        with open(path, "rb") as fh:
            head = fh.read(1 << 16)
    except OSError:
        return "application/zip"
    for marker, ctype in (
        (b"word/", "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
        (b"xl/", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
        (b"ppt/", "application/vnd.openxmlformats-officedocument.presentationml.presentation"),
        (b"Contents/section", "application/hwp+zip"),
    ):
        if b"PK\x03\x04" in head and marker in head:
            return ctype
    if b"[Content_Types].xml" in head:
        by_ext = {".docx": "word/", ".docm": "word/", ".xlsx": "xl/", ".xlsm": "xl/", ".pptx": "ppt/"}
        marker = by_ext.get(suffix)
        if marker:
            return _damaged_zip_type_for(marker)
    return "application/zip"


def _damaged_zip_type_for(marker: str) -> str:
    return {
        "word/": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        "xl/": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        "ppt/": "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    }[marker]


def _ole_type(path: Path) -> str:
    import olefile

    try:
        with olefile.OleFileIO(str(path)) as ole:
            entries = {"/".join(e) for e in ole.listdir(streams=True, storages=True)}
    except Exception:
        return "application/x-ole-storage"
    tops = {e.split("/")[0] for e in entries}
    if "FileHeader" in tops and ("BodyText" in tops or "ViewText" in tops or "DocInfo" in tops):
        return "application/x-hwp"
    if "EncryptionInfo" in tops and "EncryptedPackage" in tops:
        return "application/x-office-encrypted"
    if "WordDocument" in tops:
        return "application/msword"
    if "Workbook" in tops or "Book" in tops:
        return "application/vnd.ms-excel"
    if "PowerPoint Document" in tops:
        return "application/vnd.ms-powerpoint"
    if any(t.startswith("__substg1.0_") for t in tops):
        return "application/vnd.ms-outlook"
    if "Contents" in tops and _hancom_chart(path):
        return "application/x-hwp-chart"
    return "application/x-ole-storage"


def _hancom_chart(path: Path) -> bool:
    """A compound file whose ``Contents`` is a Hancom chart (an HWP document's embedded chart object)."""
    import olefile

    from extractors.hwp.chart import is_chart

    try:
        with olefile.OleFileIO(str(path)) as ole:
            return is_chart(ole.openstream("Contents").read(512))
    except Exception:  # noqa: BLE001 - an unreadable stream is reported by the extractor of its type
        return False


def _text_type(head: bytes, suffix: str) -> str:
    body = head
    for bom in (b"\xef\xbb\xbf", b"\xff\xfe", b"\xfe\xff"):
        if body.startswith(bom):
            if bom != b"\xef\xbb\xbf":
                return _by_text_ext(suffix, "text/plain")
            body = body[len(bom):]
    if b"\x00" in body[:4096] and not _looks_utf16(body):
        return OCTET_STREAM
    stripped = body.lstrip()
    low = stripped[:512].lower()
    emlx = re.match(rb"^\s*\d+\s*\r?\n", body)
    if emlx and (suffix == ".emlx" or _mail_like(body[emlx.end():])):
        return "application/x-emlx"
    if body.startswith(b"From ") and re.match(rb"^From \S+", body):
        if suffix in (".eml", ".msg822"):
            return "message/rfc822"
        return "application/mbox"
    if _MAIL_HEADER.match(stripped) and _mail_like(stripped):
        return "message/rfc822"
    if low.startswith(b"<!doctype html") or low.startswith(b"<html") or b"<html" in low[:256]:
        return "text/html"
    if low.startswith(b"<?xml") or (low.startswith(b"<") and suffix == ".xml"):
        return "application/xml"
    if _looks_utf16(body) or _mostly_text(body):
        return _by_text_ext(suffix, "text/plain")
    return OCTET_STREAM


def _mail_like(data: bytes) -> bool:
    """At least three header lines before the first blank line."""
    lines = data.split(b"\n", 60)
    count = 0
    for line in lines[:60]:
        if not line.strip():
            break
        if _MAIL_HEADER.match(line) or re.match(rb"^[\w-]+:", line):
            count += 1
    return count >= 3


def _looks_utf16(data: bytes) -> bool:
    sample = data[:2048]
    if len(sample) < 8:
        return False
    even_nul = sample[0::2].count(0)
    odd_nul = sample[1::2].count(0)
    half = len(sample) / 2
    return max(even_nul, odd_nul) > 0.3 * half and min(even_nul, odd_nul) < 0.05 * half


def _mostly_text(data: bytes) -> bool:
    sample = data[:4096]
    bad = sum(1 for b in sample if b < 9 or (13 < b < 32 and b != 27))
    return bad <= len(sample) * 0.01


def _by_text_ext(suffix: str, default: str) -> str:
    return {
        ".csv": "text/csv",
        ".tsv": "text/tab-separated-values",
        ".json": "application/json",
        ".htm": "text/html",
        ".html": "text/html",
        ".xml": "application/xml",
    }.get(suffix, default)
