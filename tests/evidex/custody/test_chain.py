"""The keyed chain under the custody log and the audit journal, on real files."""

from __future__ import annotations

import json
import multiprocessing
import stat
from pathlib import Path

from evidex.custody.chain import Anchor, Journal


def _append_many(path: str, who: int) -> None:
    journal = Journal(Path(path))
    for n in range(25):
        journal.append({"event": "e", "who": who, "n": n, "pad": "x" * (n * 400)})


def test_concurrent_writers_keep_one_valid_chain_and_one_key(tmp_path: Path) -> None:
    path = tmp_path / "j.jsonl"
    procs = [multiprocessing.Process(target=_append_many, args=(str(path), who)) for who in range(3)]
    for proc in procs:
        proc.start()
    for proc in procs:
        proc.join()
    report = Journal(path).verify()
    assert report.problems == [] and report.records == 75 and report.head.seq == 74
    assert stat.S_IMODE((tmp_path / "j.key").stat().st_mode) == 0o600
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert not list(tmp_path.glob(".*.tmp"))


def test_a_key_is_needed_to_rewrite_and_anchors_name_a_truncation(tmp_path: Path) -> None:
    journal = Journal(tmp_path / "j.jsonl")
    for n in range(4):
        journal.append({"event": "e", "n": n})
    head = journal.head()
    assert head is not None and head.seq == 3
    other = Journal(tmp_path / "j.jsonl", key_path=tmp_path / "other.key")
    other.key_path.write_text("00" * 32)
    assert all("keyed hash" in p.reason for p in other.verify().problems) and len(other.verify().problems) == 4
    lines = journal.path.read_text().splitlines()
    journal.path.write_text("\n".join(lines[:2]) + "\n")
    assert journal.verify().problems == []  # a shorter chain is still a chain...
    problems = journal.verify([Anchor(head.seq, head.hash, "receipt r1")]).problems
    assert [p.reason for p in problems] == ["receipt r1 names record 3, but the journal ends at 1: records were "
                                            "removed from its end"]  # ...but not the one the receipt saw


def test_verify_reads_records_in_any_json_layout(tmp_path: Path) -> None:
    compact = Journal(tmp_path / "a.jsonl")
    spaced = Journal(tmp_path / "b.jsonl", key_path=compact.key_path, compact=False)
    compact.append({"action": "search", "query": "노트북"})
    spaced.append({"action": "search", "query": "노트북"})
    assert '"query": "노트북"' in spaced.path.read_text(encoding="utf-8")
    assert spaced.verify().problems == [] and compact.verify().problems == []
    record = json.loads(spaced.path.read_text())
    assert list(record)[:2] == ["action", "query"]  # field order kept, chain fields last
