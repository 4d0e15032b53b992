"""Embedded objects of RTF (``\\objdata``, OLE1), legacy Word (``ObjectPool``), Excel (``MBD…``
storages) and PowerPoint (``ExOleObjStg``) documents."""

from __future__ import annotations

import re
import struct
from pathlib import Path

from extractors.base import Status
from extractors.children import ChildSink
from extractors.office.parts import chart_note, office_storage, ole10_native, unread_chart, unwrap_ole_object

_OBJDATA = re.compile(rb"\\objdata\b")
_HEX = re.compile(rb"[0-9a-fA-F]")


def rtf_objects(raw: bytes, sink: ChildSink) -> None:
    """Emit the files inside ``{\\*\\objdata …}`` groups (OLE1 objects, hex-encoded)."""
    for number, m in enumerate(_OBJDATA.finditer(raw), start=1):
        end = raw.find(b"}", m.end())
        hexdigits = b"".join(_HEX.findall(raw[m.end():end if end > 0 else len(raw)]))
        if len(hexdigits) % 2:
            hexdigits = hexdigits[:-1]
        try:
            name, data = _ole1(bytes.fromhex(hexdigits.decode("ascii")))
        except (ValueError, struct.error) as exc:
            sink.skip(f"objects/object-{number}", Status.CORRUPT, f"embedded object unreadable: {exc}")
            continue
        sink.add_bytes(f"objects/object-{number}/{name}", data, name=name)


def _ole1(blob: bytes) -> tuple[str, bytes]:
    """Parse an OLE1 ObjectHeader + native data; return a file name and the payload."""
    pos = 8  # OLEVersion, FormatID
    names = []
    for _ in range(3):  # ClassName, TopicName, ItemName
        (length,) = struct.unpack_from("<I", blob, pos)
        pos += 4
        names.append(blob[pos:pos + length].rstrip(b"\x00").decode("cp1252", "replace"))
        pos += length
    (size,) = struct.unpack_from("<I", blob, pos)
    pos += 4
    native = blob[pos:pos + size]
    if len(native) != size:
        raise ValueError("object data cut short")
    class_name = names[0]
    if class_name.startswith("Package"):
        label, payload = ole10_native(b"\x00\x00\x00\x00" + native)
        if label:
            return label, payload
    inner, payload = unwrap_ole_object(native)
    if inner:
        return inner, payload
    suffix = ".doc" if "Word" in class_name else ".xls" if "Excel" in class_name else ".bin"
    return f"{class_name or 'object'}{suffix}", native


#: The storage of one object embedded in an Excel 97–2003 workbook (at the compound file's root).
_XLS_OBJECT = re.compile(r"MBD[0-9A-Fa-f]{8}")


def word_object_pool(path: Path, sink: ChildSink) -> None:
    """Emit files embedded in a Word 97–2003 document's ``ObjectPool``: packaged files, and Word,
    Excel and PowerPoint objects as documents of their own."""
    _object_storages(path, sink, lambda e: tuple(e[:2]) if len(e) >= 3 and e[0] == "ObjectPool" else None)


def workbook_objects(path: Path, sink: ChildSink) -> None:
    """Emit files embedded in an Excel 97–2003 workbook (its ``MBD…`` storages), as for Word."""
    _object_storages(path, sink, lambda e: tuple(e[:1]) if len(e) >= 2 and _XLS_OBJECT.fullmatch(e[0]) else None)


def _object_storages(path: Path, sink: ChildSink, storage_of) -> None:  # noqa: ANN001 (entry -> storage or None)
    import olefile

    try:
        ole = olefile.OleFileIO(str(path))
    except Exception:
        return
    with ole:
        storages = sorted({s for e in ole.listdir() if (s := storage_of(e)) is not None})
        for storage in storages:
            base = "/".join(storage)
            try:
                if ole.exists(f"{base}/\x01Ole10Native"):
                    label, payload = ole10_native(ole.openstream(f"{base}/\x01Ole10Native").read())
                    sink.add_bytes(f"{base}/{label or 'object'}", payload, name=label or "object")
                elif ole.exists(f"{base}/Package"):
                    sink.add_bytes(f"{base}/package", ole.openstream(f"{base}/Package").read(), name="package")
                elif ole.exists(f"{base}/CONTENTS"):
                    sink.add_bytes(f"{base}/contents", ole.openstream(f"{base}/CONTENTS").read(), name="contents")
                elif (document := office_storage(ole, list(storage))) is not None:
                    name, data = document
                    sink.add_bytes(f"{base}/{name}", data, name=name)
                else:
                    note = _storage_chart_note(ole, base)
                    sink.skip(base, Status.UNSUPPORTED, note or "embedded object of an application Evidex does not read")
                    if note:
                        sink.warnings.append(f"{base}: {note}")
            except OSError as exc:
                sink.skip(base, Status.CORRUPT, f"embedded object unreadable: {exc}")


def _storage_chart_note(ole, base: str) -> str | None:  # noqa: ANN001 (an open olefile)
    """``chart not read (…)`` for an ObjectPool storage holding a chart of an unread format."""
    return chart_note([ole.openstream(f"{base}/{name}").read(4096) for name in ("\x01CompObj", "Contents")
                       if ole.exists(f"{base}/{name}")])


def ppt_objects(objects: list[bytes], sink: ChildSink) -> None:
    """Emit the embedded objects of a PowerPoint 97–2003 deck (compound files of ``ExOleObjStg``)."""
    for number, data in enumerate(objects, start=1):
        if _empty_storage(data):
            continue  # an object slot with no streams (nothing to read)
        inner, payload = unwrap_ole_object(data)
        name = inner or f"object-{number}.bin"
        if inner is None and (note := unread_chart(payload)) is not None:
            sink.warnings.append(f"objects/object-{number}: {note}")
        sink.add_bytes(f"objects/object-{number}/{name}", payload, name=name)


def _empty_storage(data: bytes) -> bool:
    import io

    import olefile

    if not data.startswith(b"\xd0\xcf\x11\xe0"):
        return False
    try:
        with olefile.OleFileIO(io.BytesIO(data)) as ole:
            return not ole.listdir()
    except Exception:  # a damaged container is still handed on, as a child to report
        return False
