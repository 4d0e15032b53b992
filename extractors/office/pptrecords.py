"""Legacy PowerPoint (97–2003) text read from the binary records of the ``PowerPoint Document`` stream.

Every record starts with an 8-byte header: version (4 bits) and instance (12 bits), type (16 bits),
length (32 bits); version 0xF marks a container whose body is more records. Text lives in
``TextCharsAtom`` (0x0FA0, UTF-16LE), ``TextBytesAtom`` (0x0FA8, one byte per character, the low
byte of UTF-16, read as Latin-1) and ``CString`` (0x0FBA, UTF-16LE: hyperlink labels, comments,
slide names). Slides (0x03EE), notes (0x03F0) and masters (0x03F8, 0x0FD9 title masters) are
top-level containers; the document's ``SlideListWithText`` (0x0FF0) holds placeholder text per
slide (instance 0), master (1) and notes page (2), grouped by ``SlidePersistAtom`` (0x03F3).
Embedded OLE objects are ``ExOleObjStg`` records (0x1011) whose body is a zlib-compressed compound
file when the instance is 1.

Incremental saves leave older copies of records in the stream: the current ones are found through
the ``Current User`` stream, its ``UserEditAtom`` chain and their persist directories; without them
every container is read and identical text blocks are kept once.
"""

from __future__ import annotations

import hashlib
import struct
import zlib
from dataclasses import dataclass, field

RT_DOCUMENT = 0x03E8
RT_SLIDE = 0x03EE
RT_NOTES = 0x03F0
RT_SLIDE_PERSIST = 0x03F3
RT_MAIN_MASTER = 0x03F8
RT_TITLE_MASTER = 0x0FD9  # not in every file; a master all the same
RT_TEXT_CHARS = 0x0FA0
RT_TEXT_BYTES = 0x0FA8
RT_CSTRING = 0x0FBA
RT_SLIDE_LIST = 0x0FF0
RT_EX_OLE_STG = 0x1011
RT_PROG_TAGS = 0x1388  # programmable tags: ``___PPT10`` and add-in data, not text a person wrote
MAX_DEPTH = 32
#: An embedded object expanding past this is skipped (bounded memory).
MAX_OBJECT_BYTES = 256 * 1024 * 1024


@dataclass
class PptText:
    """Text blocks of a presentation, by where they were found."""

    slides: list[list[str]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    masters: list[str] = field(default_factory=list)
    other: list[str] = field(default_factory=list)
    objects: list[bytes] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)

    def pages(self) -> list[str]:
        """One text per slide (its blocks, repeated blocks kept once)."""
        return [_joined(blocks) for blocks in self.slides]

    def sections(self) -> dict[str, str]:
        """Notes, masters and unplaced text, each deduplicated."""
        return {label: _joined(blocks)
                for label, blocks in (("notes", self.notes), ("masters", self.masters), ("other text", self.other))}

    def size(self) -> int:
        """Visible characters over every place (to compare with another reader)."""
        return sum(len("".join(text.split())) for text in [*self.pages(), *self.sections().values()])


#: Prompts PowerPoint puts in every master and placeholder: template text, not the author's.
_PROMPTS = frozenset({"Click to edit Master title style", "Click to edit Master text styles",
                      "Click to edit Master subtitle style", "Second level", "Third level", "Fourth level",
                      "Fifth level", "*"})


def _joined(blocks: list[str]) -> str:
    lines = (line for block in blocks for line in block.split("\n"))
    return "\n".join(dict.fromkeys(line for line in lines if line.strip() and line.strip() not in _PROMPTS))


def read_ppt_text(stream: bytes, current_user: bytes | None = None) -> PptText:
    """Text of slides, notes and masters, and the embedded objects of a ``PowerPoint Document`` stream.

    With the ``Current User`` stream, the current version of every slide is found through the
    persist directory of the last save; without it (or when it is damaged) every container of the
    stream is read in order.
    """
    out = PptText()
    persist = _persist_directory(stream, current_user) if current_user else None
    document = None
    if persist is not None:
        document = _record_at(stream, persist.get(_DOC_REF, -1), RT_DOCUMENT)
    if document is not None:
        _read_current(stream, document, persist or {}, out)
    else:
        _read_linear(stream, out)
    seen: set[bytes] = set()
    for rtype, instance, body in _records(stream, 0, len(stream), out.problems):
        if rtype == RT_EX_OLE_STG:
            _object(instance, body, out, seen)
    return out


_DOC_REF = -1  # key of the document container's persist id in a persist map


def _persist_directory(stream: bytes, current_user: bytes) -> dict[int, int] | None:
    """Persist id -> stream offset, newest save first; ``_DOC_REF`` names the document's id."""
    try:
        (offset,) = struct.unpack_from("<I", current_user, 16)
        persist: dict[int, int] = {}
        doc_ref = None
        for _ in range(4096):  # a chain of incremental saves, newest first
            ver_inst, rtype, _length = struct.unpack_from("<HHI", stream, offset)
            if rtype != 0x0FF5:  # UserEditAtom
                return None
            last_edit, directory, ref = struct.unpack_from("<III", stream, offset + 16)
            doc_ref = ref if doc_ref is None else doc_ref
            _, dir_type, dir_length = struct.unpack_from("<HHI", stream, directory)
            if dir_type != 0x1772:  # PersistDirectoryAtom
                return None
            pos, end = directory + 8, directory + 8 + dir_length
            while pos + 4 <= end:
                (entry,) = struct.unpack_from("<I", stream, pos)
                first, count = entry & 0xFFFFF, entry >> 20
                offsets = struct.unpack_from(f"<{count}I", stream, pos + 4)
                for i, where in enumerate(offsets):
                    persist.setdefault(first + i, where)
                pos += 4 + 4 * count
            if last_edit == 0:
                break
            offset = last_edit
    except struct.error:
        return None
    if doc_ref is None or doc_ref not in persist:
        return None
    persist[_DOC_REF] = persist[doc_ref]
    return persist


def _record_at(stream: bytes, offset: int, rtype: int) -> bytes | None:
    """The body of the record of type ``rtype`` at ``offset``, or None."""
    if offset < 0 or offset + 8 > len(stream):
        return None
    _ver_inst, found, length = struct.unpack_from("<HHI", stream, offset)
    if found != rtype:
        return None
    return stream[offset + 8:offset + 8 + length]


def _read_current(stream: bytes, document: bytes, persist: dict[int, int], out: PptText) -> None:
    """Slides, masters and notes in the document's lists, each from its current container."""
    kinds = {0: (RT_SLIDE,), 1: (RT_MAIN_MASTER, RT_TITLE_MASTER), 2: (RT_NOTES,)}
    for sub_type, instance, body in _records(document, 0, len(document), out.problems):
        if sub_type != RT_SLIDE_LIST or instance not in kinds:
            continue
        for ref, placeholders in _slide_list(body, out.problems):
            blocks = list(placeholders)
            where = persist.get(ref, -1)
            for rtype in kinds[instance]:
                container = _record_at(stream, where, rtype)
                if container is not None:
                    _collect(container, blocks, out, 0)
                    break
            if instance == 0:
                out.slides.append(blocks)
            elif instance == 1:
                out.masters.extend(blocks)
            else:
                out.notes.extend(blocks)


def _read_linear(stream: bytes, out: PptText) -> None:
    """Every container of the stream in order (no usable persist directory)."""
    slide_lists: dict[int, list[list[str]]] = {}
    drawn_slides: list[list[str]] = []
    for rtype, _instance, body in _records(stream, 0, len(stream), out.problems):
        if rtype == RT_DOCUMENT:
            for sub_type, sub_instance, sub_body in _records(body, 0, len(body), out.problems):
                if sub_type == RT_SLIDE_LIST:
                    slide_lists.setdefault(sub_instance, []).extend(g for _, g in _slide_list(sub_body, out.problems))
            continue
        texts: list[str] = []
        _collect(body, texts, out, 0)
        if rtype == RT_SLIDE:
            drawn_slides.append(texts)
        elif rtype == RT_NOTES:
            out.notes.extend(texts)
        elif rtype in (RT_MAIN_MASTER, RT_TITLE_MASTER):
            out.masters.extend(texts)
        else:
            out.other.extend(texts)
    placeholders = slide_lists.get(0, [])
    for i in range(max(len(placeholders), len(drawn_slides))):
        out.slides.append((placeholders[i] if i < len(placeholders) else [])
                          + (drawn_slides[i] if i < len(drawn_slides) else []))
    out.masters.extend(b for group in slide_lists.get(1, []) for b in group)
    out.notes.extend(b for group in slide_lists.get(2, []) for b in group)


def _records(data: bytes, start: int, end: int, problems: list[str]):
    """(type, instance, body) of the records between ``start`` and ``end``; stops at a cut record."""
    pos = start
    while pos + 8 <= end:
        ver_inst, rtype, length = struct.unpack_from("<HHI", data, pos)
        body_start = pos + 8
        if body_start + length > end:
            problems.append(f"record 0x{rtype:04X} at {pos} runs past its container")
            length = end - body_start
        yield rtype, ver_inst >> 4, data[body_start:body_start + length] if (ver_inst & 0xF) == 0xF or rtype in (
            RT_TEXT_CHARS, RT_TEXT_BYTES, RT_CSTRING, RT_EX_OLE_STG, RT_SLIDE_PERSIST) else b""
        pos = body_start + length


def _slide_list(body: bytes, problems: list[str]) -> list[tuple[int, list[str]]]:
    """(persist id, text blocks) of a SlideListWithText, one per SlidePersistAtom."""
    groups: list[tuple[int, list[str]]] = []
    for rtype, _instance, sub in _records(body, 0, len(body), problems):
        if rtype == RT_SLIDE_PERSIST:
            groups.append((struct.unpack_from("<I", sub)[0] if len(sub) >= 4 else -1, []))
        elif rtype in (RT_TEXT_CHARS, RT_TEXT_BYTES, RT_CSTRING):
            if not groups:
                groups.append((-1, []))
            groups[-1][1].append(_atom_text(rtype, sub))
    return groups


def _collect(body: bytes, texts: list[str], out: PptText, depth: int) -> None:
    """Text atoms inside one container, depth first (programmable tags skipped)."""
    if depth > MAX_DEPTH:
        out.problems.append("records nested too deep")
        return
    for sub_type, _instance, sub in _records(body, 0, len(body), out.problems):
        if sub_type in (RT_TEXT_CHARS, RT_TEXT_BYTES, RT_CSTRING):
            texts.append(_atom_text(sub_type, sub))
        elif sub and sub_type not in (RT_PROG_TAGS, RT_EX_OLE_STG):
            _collect(sub, texts, out, depth + 1)


def _atom_text(rtype: int, body: bytes) -> str:
    if rtype == RT_TEXT_BYTES:
        text = body.decode("latin-1")
    else:
        text = body[: len(body) // 2 * 2].decode("utf-16-le", "replace")
    text = text.replace("\r", "\n").replace("\x0b", "\n").replace("\x00", "")
    return "\n".join(line.rstrip() for line in text.split("\n")).strip()


def _object(instance: int, body: bytes, out: PptText, seen: set[bytes]) -> None:
    """An ExOleObjStg: a compound file, zlib-compressed after a 4-byte size when ``instance`` is 1."""
    if instance == 1 and len(body) > 4:
        (size,) = struct.unpack_from("<I", body, 0)
        if size > MAX_OBJECT_BYTES:
            out.problems.append(f"embedded object of {size} bytes skipped")
            return
        try:
            data = zlib.decompressobj().decompress(body[4:], MAX_OBJECT_BYTES)
        except zlib.error as exc:
            out.problems.append(f"embedded object unreadable: {exc}")
            return
    else:
        data = body
    digest = hashlib.sha256(data).digest()
    if data and digest not in seen:  # older saves leave copies of the same object
        seen.add(digest)
        out.objects.append(data)
