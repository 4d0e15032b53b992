"""Test support: read every stream of a compound file and write one (``extractors.office.cfbwrite``).

olefile reads compound files and rewrites streams only in place at the same size; the
encrypted fixtures need streams that grow, so they are written as a whole new file.
"""

from __future__ import annotations

from pathlib import Path

from extractors.office.cfbwrite import compound_file, storage_streams


def read_tree(path: Path) -> tuple[dict[tuple[str, ...], bytes], dict[tuple[str, ...], bytes]]:
    """Every stream of a compound file, and the class ids of its storages (root is ``()``)."""
    import olefile

    with olefile.OleFileIO(str(path)) as ole:
        return storage_streams(ole, [])


def write_cfb(target: Path, streams: dict[tuple[str, ...], bytes],
              clsids: dict[tuple[str, ...], bytes] | None = None) -> None:
    """Write ``streams`` (paths of names → bytes) as a compound file at ``target``."""
    target.write_bytes(compound_file(streams, clsids))
