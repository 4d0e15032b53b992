"""The SQLite holder table: a full run's clear reaches every process that has the file open."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from evidex.search.xref import HolderTable


def test_clear_empties_the_file_others_have_open(tmp_path: Path) -> None:
    table = HolderTable(tmp_path)
    table.mark(complete="1")
    table.replace("pii_hashes", ["v1"], {"v1": (2, {"*": {"fsc": 2}, "knpa": {"fsc": 2}})})
    other = sqlite3.connect(table.path)  # a reader or an incremental run in another process
    try:
        assert other.execute("SELECT count(*) FROM holders").fetchone()[0] == 2
        table.mark(complete="0")
        table.clear()
        # unlinking the file would have left this connection on the old rows (and its writes lost)
        assert other.execute("SELECT count(*) FROM holders").fetchone()[0] == 0
        assert other.execute("SELECT count(*) FROM freq").fetchone()[0] == 0
        assert not table.complete() and table.meta() == {}
        table.replace("pii_hashes", ["v2"], {"v2": (1, {"*": {"knpa": 1}})})  # the full run goes on
        assert other.execute("SELECT value, n FROM freq").fetchall() == [("v2", 1)]
    finally:
        other.close()
