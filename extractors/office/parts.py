"""Reading parts of ZIP-based office packages: safe XML, core properties, embedded objects."""

from __future__ import annotations

import re
import struct
import zipfile
import zlib
from pathlib import Path
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from extractors.base import CorruptError, ExtractContext, Status
from extractors.children import ChildSink
from extractors.xmltext import parse_xml

if TYPE_CHECKING:
    from extractors.pictures import PictureOcr

MAX_PART_BYTES = 256 * 1024 * 1024
_KNOWN_MAGIC = (b"%PDF-", b"PK\x03\x04", b"\xd0\xcf\x11\xe0", b"\x89PNG", b"\xff\xd8\xff", b"{\\rtf")


def open_package(path: Path) -> zipfile.ZipFile:
    """Open an office package; a damaged ZIP is ``corrupt``."""
    try:
        return zipfile.ZipFile(path)
    except (zipfile.BadZipFile, EOFError, ValueError, NotImplementedError, OSError) as exc:
        raise CorruptError(f"damaged or truncated package (ZIP): {exc}") from exc


def repaired_copy(path: Path, ctx: ExtractContext) -> tuple[Path, int] | None:
    """A rebuilt package holding the parts that survive in a truncated file, or None."""
    import tempfile

    from extractors.archive.salvage import salvage_members

    members = salvage_members(path, ctx.limits.archive_max_total_bytes, ctx.limits.archive_max_members)
    if not members:
        return None
    ctx.tmp_dir.mkdir(parents=True, exist_ok=True)
    fd, name = tempfile.mkstemp(prefix="repaired-", suffix=path.suffix, dir=ctx.tmp_dir)
    with open(fd, "wb") as raw, zipfile.ZipFile(raw, "w", zipfile.ZIP_DEFLATED) as zf:
        for member, data in members:
            zf.writestr(member, data)
    return Path(name), len(members)


def salvaged(reader, path: Path, ctx: ExtractContext):
    """Run ``reader`` on the file, or on a repaired copy when the package is truncated (status partial)."""
    import dataclasses

    from extractors.base import Status

    try:
        zipfile.ZipFile(path).close()
    except (zipfile.BadZipFile, EOFError, ValueError, NotImplementedError, OSError) as exc:
        repaired = repaired_copy(path, ctx)
        if repaired is None:
            raise CorruptError(f"damaged or truncated package (ZIP): {exc}; no part could be recovered") from exc
        copy, count = repaired
        try:
            result = reader(copy, ctx)
        except CorruptError as inner:
            raise CorruptError(f"damaged or truncated package (ZIP): {exc}; {count} parts recovered but "
                               f"unreadable: {inner.reason}") from inner
        finally:
            copy.unlink(missing_ok=True)
        return dataclasses.replace(
            result, status=Status.PARTIAL,
            reason=f"truncated or damaged package: read from the {count} parts that survive",
        )
    return reader(path, ctx)


def read_part(zf: zipfile.ZipFile, name: str) -> bytes:
    """One part's bytes, refusing parts that expand past ``MAX_PART_BYTES``."""
    info = zf.getinfo(name)
    if info.file_size > MAX_PART_BYTES:
        raise CorruptError(f"part {name} declares {info.file_size} bytes, over the {MAX_PART_BYTES} limit")
    try:
        with zf.open(info) as fh:
            data = fh.read(MAX_PART_BYTES + 1)
    except (zipfile.BadZipFile, zlib.error, EOFError, NotImplementedError, RuntimeError, OSError) as exc:
        raise CorruptError(f"part {name} damaged: {exc}") from exc
    if len(data) > MAX_PART_BYTES:
        raise CorruptError(f"part {name} expands past {MAX_PART_BYTES} bytes")
    return data


def xml_part(zf: zipfile.ZipFile, name: str) -> Any:
    return parse_xml(read_part(zf, name), recover=True)


def numbered(names: list[str], pattern: str) -> list[str]:
    """Names matching ``pattern`` (one group of digits), in numeric order."""
    rx = re.compile(pattern)
    found = [(int(m.group(1)), n) for n in names if (m := rx.fullmatch(n))]
    return [n for _, n in sorted(found)]


def core_properties(zf: zipfile.ZipFile) -> dict[str, str]:
    """Title, author, dates… from ``docProps/core.xml`` and ``docProps/app.xml``."""
    meta: dict[str, str] = {}
    wanted = {"title": "title", "subject": "subject", "creator": "author", "lastModifiedBy": "last_modified_by",
              "created": "created", "modified": "modified", "keywords": "keywords", "description": "description",
              "Company": "company", "Application": "application", "Pages": "pages", "Manager": "manager"}
    for part in ("docProps/core.xml", "docProps/app.xml"):
        if part not in zf.namelist():
            continue
        try:
            root = xml_part(zf, part)
        except CorruptError:
            continue
        for el in root:
            if not isinstance(el.tag, str):
                continue
            local = el.tag.rsplit("}", 1)[-1]
            if local in wanted and el.text and el.text.strip():
                meta[wanted[local]] = el.text.strip()
    return meta


def embedded_objects(zf: zipfile.ZipFile, prefix: str, sink: ChildSink) -> None:
    """Emit files under ``<prefix>embeddings/`` as children, unwrapping OLE packages."""
    for name in zf.namelist():
        if not name.startswith(prefix + "embeddings/") or name.endswith("/"):
            continue
        try:
            data = read_part(zf, name)
        except CorruptError as exc:
            sink.skip(name, Status.CORRUPT, exc.reason)
            continue
        inner_name, payload = unwrap_ole_object(data)
        if inner_name:
            sink.add_bytes(f"{name}/{inner_name}", payload, name=inner_name)
        else:
            if (note := unread_chart(payload)) is not None:
                sink.warnings.append(f"{name}: {note}")
            sink.add_bytes(name, payload)


def package_pictures(zf: zipfile.ZipFile, folders: tuple[str, ...], pictures: "PictureOcr",
                     where: dict[str, str] | None = None) -> None:
    """Offer the pictures stored under ``folders`` of a package to ``pictures`` (name order); ``where``
    names the place of a part (``slide 3``), put before its name."""
    for name in sorted(n for n in zf.namelist() if n.startswith(folders) and not n.endswith("/")):
        try:
            info = zf.getinfo(name)
            if info.file_size > MAX_PART_BYTES:
                continue
            label = f"{where[name]}: {name}" if where and name in where else name
            pictures.offer(label, read_part(zf, name))
        except (CorruptError, KeyError):
            pictures.skipped["unreadable image data"] += 1


def unwrap_ole_object(data: bytes) -> tuple[str | None, bytes]:
    """The file inside an OLE embedding (``Ole10Native``/``Package``/``CONTENTS``), else the data itself."""
    if not data.startswith(b"\xd0\xcf\x11\xe0"):
        return None, data
    import io

    import olefile

    try:
        with olefile.OleFileIO(io.BytesIO(data)) as ole:
            if ole.exists("\x01Ole10Native"):
                return ole10_native(ole.openstream("\x01Ole10Native").read())
            if ole.exists("Package"):
                return "package", ole.openstream("Package").read()
            if ole.exists("CONTENTS"):  # e.g. an embedded PDF; other CONTENTS are app-private formats
                payload = ole.openstream("CONTENTS").read()
                if payload.startswith(_KNOWN_MAGIC):
                    return "contents", payload
            found = office_storage(ole, [])
            if found is not None:
                return found
    except Exception:
        return None, data
    return None, data


#: The stream that makes a storage a Word, Excel or PowerPoint document, and its file suffix.
_OFFICE_STREAMS = (("WordDocument", ".doc"), ("Workbook", ".xls"), ("Book", ".xls"), ("PowerPoint Document", ".ppt"))


def office_storage(ole: Any, base: list[str]) -> tuple[str, bytes] | None:
    """A Word/Excel/PowerPoint document stored as storage ``base`` of an open compound file, written
    out as a standalone compound file (``object.xls``…), or None when it is not one.

    Embedded objects are re-written even when they are the whole file: their containers (version
    4 sectors, extra OLE streams) are what makes readers fail with "Can't determine file's BIFF
    version"; olefile reads them and the new file carries only the document's streams.
    """
    from extractors.office.cfbwrite import compound_file, storage_streams

    for stream, suffix in _OFFICE_STREAMS:
        if ole.exists("/".join([*base, stream])):
            streams, clsids = storage_streams(ole, base)
            streams = {k: v for k, v in streams.items() if not k[0].startswith(("\x01", "\x03"))}
            try:
                return f"{base[-1] if base else 'object'}{suffix}", compound_file(streams, clsids)
            except ValueError:
                return None
    return None


def ole10_native(raw: bytes) -> tuple[str | None, bytes]:
    """Label and payload of an ``Ole10Native`` (Packager) stream, or ``(None, raw)``."""
    try:
        pos = 4 + 2
        label_end = raw.index(b"\x00", pos)
        label = raw[pos:label_end].decode("cp1252", "replace")
        pos = raw.index(b"\x00", label_end + 1) + 1  # original file path
        pos += 4
        (tmp_len,) = struct.unpack_from("<I", raw, pos)
        pos += 4 + tmp_len
        (size,) = struct.unpack_from("<I", raw, pos)
        pos += 4
        payload = raw[pos:pos + size]
        if len(payload) != size:
            return None, raw
        return label or "embedded", payload
    except (ValueError, struct.error):
        return None, raw


#: Where an embedded object names the application that made it (its class name, ``CompObj``).
#: (Hancom's VtChart is read: ``extractors.hwp.chart``.)
_CHART_MARKS = (b"MSGraph", b"Graph.Chart", b"Excel.Chart", b"Microsoft Graph", b"Chart.")
NOTE_CHART_NOT_READ = "chart not read"


def unread_chart(data: bytes) -> str | None:
    """``chart not read (…)`` for an embedded chart object that is not a document Evidex reads (MS Graph
    without a workbook), else None. Call it for objects that gave no document."""
    if not data.startswith(b"\xd0\xcf\x11\xe0"):
        return None
    import io

    import olefile

    try:
        with olefile.OleFileIO(io.BytesIO(data)) as ole:
            heads = [ole.openstream(name).read(4096) for name in ("\x01CompObj", "Contents") if ole.exists(name)]
    except Exception:  # a damaged container is reported by its child
        return None
    return chart_note(heads)


def chart_note(heads: list[bytes]) -> str | None:
    """``chart not read (…)`` when the first bytes of an object's ``CompObj``/``Contents`` name a chart."""
    for head in heads:
        for mark in _CHART_MARKS:
            if mark in head:
                return f"{NOTE_CHART_NOT_READ} (embedded {mark.decode()} object: its titles and labels are " \
                       "in a format Evidex does not read)"
    return None


def sink_for(ctx: ExtractContext) -> ChildSink:
    return ChildSink(ctx)


def package_metadata(zf: zipfile.ZipFile, names: list[str], part: str, fields: dict[str, str],
                     key_of: Callable[[Any, str], str | None] = lambda el, local: local) -> dict[str, str]:
    """Document properties from one XML part of a package: ``fields`` maps element keys to metadata names.

    ``key_of(element, local_name)`` gives an element's key (by default its local tag name).
    """
    meta: dict[str, str] = {}
    if part not in names:
        return meta
    try:
        root = xml_part(zf, part)
    except CorruptError:
        return meta
    for el in root.iter():
        if not isinstance(el.tag, str):
            continue
        key = key_of(el, el.tag.rsplit("}", 1)[-1])
        if key in fields and el.text and el.text.strip():
            meta[fields[key]] = el.text.strip()
    return meta
