"""Text-like files: plain text, CSV/TSV, JSON, logs, XML (entities off) and HTML."""

from __future__ import annotations

from pathlib import Path

from extractors.base import CorruptError, ExtractContext, Extracted, Method, Status
from extractors.textdecode import decode_bytes
from extractors.xmltext import parse_xml

_DROP_TAGS = ("script", "style", "noscript", "template", "head")


def _read(path: Path, ctx: ExtractContext) -> tuple[bytes, bool]:
    """At most ~4 bytes per allowed character; True when the file was cut."""
    limit = ctx.limits.max_text_chars * 4
    with open(path, "rb") as fh:
        data = fh.read(limit + 1)
    return data[:limit], len(data) > limit


def extract_text(path: Path, ctx: ExtractContext) -> Extracted:
    """Decode with BOM/UTF-8/UTF-16/CP949 detection; CSV, TSV, JSON and logs are kept as they are."""
    data, cut = _read(path, ctx)
    text, encoding = decode_bytes(data)
    text = text.replace("\x00", "")
    return Extracted(
        status=Status.PARTIAL if cut else Status.OK, text=text,
        reason=f"only the first {len(data)} bytes were read" if cut else None,
        metadata={"encoding": encoding}, method=Method.TEXT_LAYER,
    )


def html_to_text(markup: str | bytes) -> tuple[str, str | None]:
    """Visible text of an HTML document (scripts and styles dropped) and its title."""
    from bs4 import BeautifulSoup

    soup = BeautifulSoup(markup, "lxml")
    title = soup.title.get_text(" ", strip=True) if soup.title else None
    for tag in soup(_DROP_TAGS):
        tag.decompose()
    for br in soup.find_all("br"):
        br.replace_with("\n")
    text = soup.get_text("\n")
    lines = [" ".join(line.split()) for line in text.splitlines()]
    out: list[str] = []
    for line in lines:
        if line or (out and out[-1]):
            out.append(line)
    return "\n".join(out).strip(), title


def extract_html(path: Path, ctx: ExtractContext) -> Extracted:
    """Visible text of an HTML page; the declared or detected charset is honoured."""
    data, cut = _read(path, ctx)
    declared = _meta_charset(data[:4096])
    markup, encoding = decode_bytes(data, declared)
    text, title = html_to_text(markup)
    meta: dict[str, object] = {"encoding": encoding}
    if title:
        meta["title"] = title
    return Extracted(status=Status.PARTIAL if cut else Status.OK, text=text, metadata=meta,
                     reason="file cut at the text limit" if cut else None, method=Method.TEXT_LAYER)


def _meta_charset(head: bytes) -> str | None:
    import re

    m = re.search(rb"""<meta[^>]+charset=["']?([\w.:-]+)""", head, re.IGNORECASE)
    return m.group(1).decode("ascii", "replace") if m else None


def extract_xml(path: Path, ctx: ExtractContext) -> Extracted:
    """Text nodes of an XML document, parsed with entity expansion and DTDs off."""
    data, cut = _read(path, ctx)
    try:
        root = parse_xml(data, recover=cut)
        text = "\n".join(t.strip() for t in root.itertext() if t.strip())
        status, reason = (Status.PARTIAL, "file cut at the text limit") if cut else (Status.OK, None)
    except CorruptError as exc:
        text, _ = decode_bytes(data)
        status, reason = Status.PARTIAL, f"{exc.reason}; raw text kept"
    return Extracted(status=status, text=text, reason=reason, method=Method.TEXT_LAYER)
