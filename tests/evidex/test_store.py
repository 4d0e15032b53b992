"""Evidence store and custody chain, on real files."""

from __future__ import annotations

import json
import os
from pathlib import Path

from evidex.custody import CustodyLog
from evidex.store import EvidenceStore, hash_file


def test_put_is_content_addressed_and_read_only(tmp_path: Path) -> None:
    store = EvidenceStore(tmp_path / "store").ensure()
    a = tmp_path / "a.txt"
    a.write_bytes(b"same bytes")
    b = tmp_path / "b.txt"
    b.write_bytes(b"same bytes")
    first, second = store.put(a), store.put(b)
    assert first.sha256 == second.sha256 == hash_file(a)[0]
    assert first.new and not second.new
    stored = store.blob_path(first.sha256)
    assert stored.read_bytes() == b"same bytes"
    assert not os.stat(stored).st_mode & 0o222


def test_custody_chain_detects_edits(tmp_path: Path) -> None:
    log = CustodyLog(tmp_path / "custody.jsonl")
    for n in range(5):
        log.append("event", n=n)
    assert log.verify() == []
    lines = log.path.read_text().splitlines()
    record = json.loads(lines[2])
    record["n"] = 99
    lines[2] = json.dumps(record)
    log.path.write_text("\n".join(lines) + "\n")
    problems = log.verify()
    assert [p.line for p in problems] == [3]


def test_custody_chain_detects_removed_line(tmp_path: Path) -> None:
    log = CustodyLog(tmp_path / "custody.jsonl")
    for n in range(4):
        log.append("event", n=n)
    lines = log.path.read_text().splitlines()
    del lines[1]
    log.path.write_text("\n".join(lines) + "\n")
    assert any("previous record" in p.reason for p in log.verify())
