"""HWP 5 documents (and an honest refusal of HWP 3).

FileHeader flags (offset 36): bit 0 compressed sections, bit 1 password, bit 2 distribution
(read-only; the real text is AES-encrypted under ``ViewText/``, with the key stored in the file).
"""

from __future__ import annotations

import struct
import zlib
from pathlib import Path
from typing import Any

from extractors.base import (
    CorruptError, EncryptedError, ExtractContext, Extracted, Method, Page, Status, UnsupportedError,
)
from extractors.children import ChildSink
from extractors.hwp.distribution import decrypt_view_section
from extractors.hwp.sections import section_content
from extractors.pictures import PictureOcr

FLAG_COMPRESSED = 1 << 0
FLAG_PASSWORD = 1 << 1
FLAG_DISTRIBUTION = 1 << 2
_SIGNATURE = b"HWP Document File"
_MAX_SECTION = 512 * 1024 * 1024


def extract_hwp3(path: Path, ctx: ExtractContext) -> Extracted:
    """HWP 3.x uses a different, older binary format that Evidex does not read."""
    raise UnsupportedError("HWP 3.x document: this old format is not supported; convert it to HWP 5 or HWPX")


def extract_hwp5(path: Path, ctx: ExtractContext) -> Extracted:
    """Body, tables, foot/endnotes, headers/footers, text boxes and fields of every section."""
    import olefile

    try:
        ole = olefile.OleFileIO(str(path))
    except Exception as exc:
        raise CorruptError(f"HWP container (OLE) unreadable: {exc}") from exc
    with ole:
        if not ole.exists("FileHeader"):
            raise CorruptError("HWP file without a FileHeader stream")
        try:
            header = ole.openstream("FileHeader").read()
        except OSError as exc:
            raise CorruptError(f"FileHeader unreadable: {exc}") from exc
        if not header.startswith(_SIGNATURE) or len(header) < 40:
            raise CorruptError("FileHeader does not carry the HWP signature")
        version = ".".join(str(b) for b in reversed(header[32:36]))
        (flags,) = struct.unpack_from("<I", header, 36)
        meta: dict[str, Any] = {"hwp_version": version, **_summary(ole)}
        if flags & FLAG_PASSWORD:
            raise EncryptedError("HWP document is password-protected; decrypting HWP passwords is not supported")
        compressed = bool(flags & FLAG_COMPRESSED)
        distribution = bool(flags & FLAG_DISTRIBUTION)
        if distribution:
            meta["distribution"] = True
        storage = "ViewText" if distribution else "BodyText"
        names = sorted(
            (e[1] for e in ole.listdir() if len(e) == 2 and e[0] == storage and e[1].startswith("Section")),
            key=lambda s: int(s[7:]) if s[7:].isdigit() else 0,
        )
        pages: list[Page] = []
        problems: list[str] = []
        for number, name in enumerate(names, start=1):
            try:
                raw = ole.openstream(f"{storage}/{name}").read()
                if distribution:
                    raw = decrypt_view_section(raw)
                data = _inflate(raw) if compressed else raw
                text, tables = section_content(data)
                pages.append(Page(number, text, tables=tuple(tables)))
            except (CorruptError, EncryptedError) as exc:
                problems.append(f"{storage}/{name}: {exc.reason}")
            except OSError as exc:  # olefile: damaged directory entries
                problems.append(f"{storage}/{name}: {exc}")
        if not pages and not problems:
            problems.append(f"no {storage} sections")
        if problems and not any(p.text.strip() for p in pages):
            preview = _preview_text(ole)
            if preview:
                meta["preview_only"] = True
                pages = [Page(1, preview)]
        sink = ChildSink(ctx)
        pictures = PictureOcr(ctx)
        for entry in ole.listdir():
            if len(entry) == 2 and entry[0] == "BinData":
                try:
                    raw = ole.openstream("/".join(entry)).read()
                except OSError as exc:
                    sink.skip("BinData/" + entry[1], Status.CORRUPT, str(exc))
                    continue
                if not raw:
                    continue
                try:
                    raw = _inflate(raw) if compressed else raw
                except CorruptError:
                    pass
                _add_bindata(sink, pictures, entry[1], raw)
    if problems and not any(p.text.strip() for p in pages):
        if distribution:
            raise EncryptedError("distribution-protected HWP could not be decrypted: " + "; ".join(problems))
        raise CorruptError("; ".join(problems))
    meta.update(sink.metadata())
    text = "\n\n".join(p.text for p in pages if p.text.strip())
    status = Status.PARTIAL if problems else Status.OK
    return pictures.finish(Extracted(
        status=status, text=text, reason="; ".join(problems) or None, pages=tuple(pages), metadata=meta,
        method=Method.TEXT_LAYER, children=tuple(sink.children)))


def _add_bindata(sink: ChildSink, pictures: PictureOcr, name: str, raw: bytes) -> None:
    """A picture OCR'd into the document's text (a child when OCR of pictures is off); an embedded OLE
    object (4-byte size + compound file) unwrapped into a child."""
    if pictures.enabled and pictures.offer("BinData/" + name, raw):
        return
    from extractors.office.parts import unread_chart, unwrap_ole_object

    if name.upper().endswith(".OLE") and raw[4:8] == b"\xd0\xcf\x11\xe0":
        inner, payload = unwrap_ole_object(raw[4:])
        if inner:
            sink.add_bytes(f"BinData/{name}/{inner}", payload, name=inner)
        else:
            if (note := unread_chart(payload)) is not None:
                sink.warnings.append(f"BinData/{name}: {note}")
            sink.add_bytes(f"BinData/{name}", payload, name=name[:-4] + ".ole")
        return
    sink.add_bytes("BinData/" + name, raw)


def _inflate(raw: bytes) -> bytes:
    try:
        d = zlib.decompressobj(-15)
        out = d.decompress(raw, _MAX_SECTION)
        if d.unconsumed_tail:
            raise CorruptError(f"section expands past {_MAX_SECTION} bytes")
        return out
    except zlib.error as exc:
        raise CorruptError(f"compressed section damaged: {exc}") from exc


def _preview_text(ole: Any) -> str:
    if not ole.exists("PrvText"):
        return ""
    try:
        raw = ole.openstream("PrvText").read()
    except OSError:
        return ""
    return raw.decode("utf-16-le", "replace").replace("\r\n", "\n").strip()


def _summary(ole: Any) -> dict[str, Any]:
    """Title/author/dates from the HwpSummaryInformation property set."""
    name = "\x05HwpSummaryInformation"
    if not ole.exists(name):
        return {}
    try:
        props = ole.getproperties(name, convert_time=True)
    except Exception:
        return {}
    keys = {2: "title", 3: "subject", 4: "author", 5: "keywords", 6: "comments", 8: "last_modified_by",
            12: "created", 13: "modified"}
    meta: dict[str, Any] = {}
    for pid, key in keys.items():
        value = props.get(pid)
        if isinstance(value, bytes):
            value = value.decode("utf-16-le", "replace")
        if isinstance(value, str):
            value = value.split("\x00", 1)[0].strip()
        elif hasattr(value, "isoformat"):
            value = value.isoformat()
        if value not in (None, ""):
            meta[key] = value
    return meta
