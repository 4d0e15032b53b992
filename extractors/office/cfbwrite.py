"""Writing a Compound File (OLE2, version 3) from a tree of streams.

An Office object embedded in a legacy document is a *storage* inside the container's compound
file (``ObjectPool/_1234`` in Word, an ``ExOleObjStg`` in PowerPoint); to hand it to the reader of
its own format it is written out as a standalone compound file. Following [MS-CFB]: 512-byte
sectors, a mini stream for streams under 4096 bytes, storages implied by the paths, siblings kept
as a sorted right-leaning chain (a valid red-black tree with every node black), no DIFAT sectors.
"""

from __future__ import annotations

import struct
from typing import Any

SECTOR = 512
MINI = 64
CUTOFF = 4096
FREE, END, FATSECT = 0xFFFFFFFF, 0xFFFFFFFE, 0xFFFFFFFD
NOSTREAM = 0xFFFFFFFF




def storage_streams(ole: Any, base: list[str]) -> tuple[dict[tuple[str, ...], bytes], dict[tuple[str, ...], bytes]]:
    """The streams under storage ``base`` of an open ``olefile.OleFileIO`` (paths relative to it),
    and the class ids of the storage (as the new root) and its sub-storages."""
    import uuid

    import olefile

    streams: dict[tuple[str, ...], bytes] = {}
    clsids: dict[tuple[str, ...], bytes] = {}
    depth = len(base)
    root_clsid = ole.getclsid(base) if base else ole.root.clsid
    if root_clsid:
        clsids[()] = uuid.UUID(root_clsid).bytes_le
    for entry in ole.listdir(streams=True, storages=True):
        if entry[:depth] != base or len(entry) == depth:
            continue
        key = tuple(entry[depth:])
        if ole.get_type(entry) == olefile.STGTY_STREAM:
            streams[key] = ole.openstream(entry).read()
        elif clsid := ole.getclsid(entry):
            clsids[key] = uuid.UUID(clsid).bytes_le
    return streams, clsids


def _order(name: str) -> tuple[int, str]:
    return len(name), name.upper()


def compound_file(streams: dict[tuple[str, ...], bytes],
                  clsids: dict[tuple[str, ...], bytes] | None = None) -> bytes:
    """``streams`` (paths of names → bytes) as a compound file; ``ValueError`` past ~7 MB."""
    clsids = clsids or {}
    nodes: list[tuple[str, ...]] = [()]
    for key in sorted(streams):
        for depth in range(1, len(key) + 1):
            if key[:depth] not in nodes:
                nodes.append(key[:depth])
    index = {node: i for i, node in enumerate(nodes)}

    mini_data = bytearray()
    mini_fat: list[int] = []
    big: list[tuple[tuple[str, ...], bytes]] = []
    start: dict[tuple[str, ...], int] = {}
    for key, data in streams.items():
        if len(data) >= CUTOFF:
            big.append((key, data))
        elif data:
            first = len(mini_fat)
            count = -(-len(data) // MINI)
            mini_fat += list(range(first + 1, first + count)) + [END]
            mini_data += data + b"\0" * (count * MINI - len(data))
            start[key] = first
        else:
            start[key] = END

    def sectors(n: int) -> int:
        return -(-n // SECTOR)

    dir_bytes = 128 * len(nodes)
    layout = [("minifat", sectors(4 * len(mini_fat))), ("ministream", sectors(len(mini_data))),
              ("dir", sectors(dir_bytes))] + [(key, sectors(len(data))) for key, data in big]
    body = sum(n for _, n in layout)
    fat_count = 1
    while fat_count * (SECTOR // 4) < body + fat_count:
        fat_count += 1
    if fat_count > 109:
        raise ValueError("file too large for this writer (no DIFAT sectors)")
    fat = [FATSECT] * fat_count
    first_of: dict[object, int] = {}
    for key, count in layout:
        first = len(fat)
        first_of[key] = first if count else END
        fat += list(range(first + 1, first + count)) + ([END] if count else [])
    fat += [FREE] * (fat_count * (SECTOR // 4) - len(fat))
    for key, _data in big:
        start[key] = first_of[key]

    children: dict[tuple[str, ...], list[tuple[str, ...]]] = {node: [] for node in nodes}
    for node in nodes[1:]:
        children[node[:-1]].append(node)
    entries = bytearray()
    right: dict[tuple[str, ...], int] = {}
    child_of: dict[tuple[str, ...], int] = {}
    for node, kids in children.items():
        kids.sort(key=lambda k: _order(k[-1]))
        for a, b in zip(kids, kids[1:]):
            right[a] = index[b]
        if kids:
            child_of[node] = index[kids[0]]
    for node in nodes:
        if node == ():
            name, kind = "Root Entry", 5
            first, size = first_of["ministream"], len(mini_data)
        elif node in streams:
            name, kind = node[-1], 2
            first, size = start[node], len(streams[node])
        else:
            name, kind = node[-1], 1
            first, size = 0, 0
        raw = name.encode("utf-16-le")[:62] + b"\0\0"
        entries += raw + b"\0" * (64 - len(raw))
        entries += struct.pack("<HBBIII", len(raw), kind, 1, NOSTREAM, right.get(node, NOSTREAM),
                               child_of.get(node, NOSTREAM))
        entries += clsids.get(node, b"\0" * 16) + struct.pack("<IQQIQ", 0, 0, 0, first, size)

    empty = b"\0" * 68 + struct.pack("<III", NOSTREAM, NOSTREAM, NOSTREAM) + b"\0" * 48
    while len(entries) % SECTOR:
        entries += empty
    header = bytearray(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 16)
    header += struct.pack("<HHHHH6sIIIIIIIII", 0x3E, 3, 0xFFFE, 9, 6, b"", 0, fat_count,
                          first_of["dir"], 0, CUTOFF, first_of["minifat"],
                          sectors(4 * len(mini_fat)), END, 0)
    difat = list(range(fat_count)) + [FREE] * (109 - fat_count)
    header += struct.pack("<109I", *difat)

    def padded(data: bytes | bytearray, count: int, fill: bytes = b"\0") -> bytes:
        return bytes(data) + fill * (count * SECTOR - len(data))

    out = bytearray(header)
    out += struct.pack(f"<{len(fat)}I", *fat)
    out += padded(struct.pack(f"<{len(mini_fat)}I", *mini_fat), layout[0][1], b"\xff")
    out += padded(mini_data, layout[1][1])
    out += padded(entries, layout[2][1])
    for (key, data), (_, count) in zip(big, layout[3:]):
        out += padded(data, count)
    return bytes(out)
