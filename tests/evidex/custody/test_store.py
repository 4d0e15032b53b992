"""Evidence store and custody chain, on real files."""

from __future__ import annotations

import json
import os
from pathlib import Path

from evidex.custody.log import CustodyLog
from evidex.custody.store import EvidenceStore, hash_file


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


def test_verify_reports_a_damaged_custody_line_instead_of_crashing(tmp_path: Path) -> None:
    store = EvidenceStore(tmp_path / "store").ensure()
    store.custody.append("batch_received", batch_id="b1", manifest_sha256="x")
    store.custody.append("event", n=1)
    lines = store.custody.path.read_text().splitlines()
    lines[0] = lines[0][:20]
    store.custody.path.write_text("\n".join(lines) + "\n")
    _, problems = store.verify()
    assert any("custody.jsonl line 1" in p.what for p in problems)


def test_a_torn_last_line_does_not_stop_later_appends(tmp_path: Path) -> None:
    log = CustodyLog(tmp_path / "custody.jsonl")
    log.append("event", n=0)
    with open(log.path, "ab") as fh:
        fh.write(b'{"seq": 1, "ev')  # a crash in the middle of a write
    record = log.append("event", n=2)
    assert record["seq"] == 1
    assert [r["n"] for r in log.records()] == [0, 2]
    assert [p.line for p in log.verify()] == [2]  # the torn line is named


def test_toml_file_of_the_given_data_dir_is_read(tmp_path: Path) -> None:
    from evidex.settings import load_settings

    (tmp_path / "evidex.toml").write_text("[evidex]\nchunk_size = 7\n", encoding="utf-8")
    assert load_settings(data_dir=tmp_path).chunk_size == 7
    assert load_settings(data_dir=tmp_path, chunk_size=9).chunk_size == 9
