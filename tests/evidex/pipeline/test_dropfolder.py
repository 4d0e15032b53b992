"""Drop folders: settled sub-folders become batches with receipts; unchanged or already-taken content is not run
again; a file still growing is left until it is stable."""

from __future__ import annotations

import json
import time
from pathlib import Path

from evidex.samples import write_demo_batch
from evidex.pipeline.dropfolder import DropFolder, poll_once
from flows.runtime import run_ingest


def test_drop_folder_polls(settings, tmp_path: Path) -> None:
    drop = tmp_path / "drop"
    write_demo_batch(drop / "E-001")
    (drop / "E-002").mkdir()
    (drop / "E-002" / "note.txt").write_text("압수 메모", encoding="utf-8")
    folder = DropFolder(drop, "knpa", "W1", settle_s=30)
    run = lambda spec: run_ingest(spec, settings)  # noqa: E731
    assert poll_once(folder, settings, run) == []  # just copied: not settled yet
    later = time.time() + 60
    first = poll_once(folder, settings, run, now=later)
    assert len(first) == 2 and all(s.indexed_new > 0 for s in first)
    receipt = json.loads(Path(first[0].receipt).read_text(encoding="utf-8"))
    assert receipt["exhibit"] == "E-001" and all(i["sha256"] for i in receipt["items"])
    assert poll_once(folder, settings, run, now=later) == []  # nothing changed
    (drop / "E-002" / "more.txt").write_text("추가 자료", encoding="utf-8")
    assert poll_once(folder, settings, run, now=time.time() + 120) == []  # changed: seen once
    again = poll_once(folder, settings, run, now=time.time() + 120)
    assert len(again) == 1 and again[0].items_processed == 1


def test_drop_folder_by_content_and_stability(settings, tmp_path: Path) -> None:
    """Touched or renamed files whose bytes were taken start no run; a file copied with its old modification time
    (``cp -a``) is not taken while it grows between polls."""
    import os

    drop = tmp_path / "drop"
    (drop / "E-1").mkdir(parents=True)
    memo = drop / "E-1" / "memo.txt"
    memo.write_text("Project Bluemoon: server handover memo", encoding="utf-8")
    seen: list[str] = []

    def run(spec):
        seen.append(spec.exhibit)
        return run_ingest(spec, settings)

    folder = DropFolder(drop, "knpa", "W2", settle_s=5, exhibit_prefix="D-")
    later = time.time() + 60
    poll_once(folder, settings, run, now=later)
    assert [s.indexed_new for s in poll_once(folder, settings, run, now=later)] == [1] and seen == ["D-E-1"]
    os.utime(memo, (time.time() + 1, time.time() + 1))  # touched, same bytes
    (drop / "E-1" / "memo-copy.txt").write_bytes(memo.read_bytes())  # the same bytes under another name
    for _ in range(3):
        assert poll_once(folder, settings, run, now=time.time() + 60) == []
    assert seen == ["D-E-1"]

    old = time.time() - 3600
    dump = drop / "E-2.csv"
    with dump.open("w", encoding="utf-8") as fh:
        fh.write("name,phone\n홍길동,010-1234-5678\n")
    os.utime(dump, (old, old))  # an old modification time, as `cp -a` leaves it while still copying
    assert poll_once(folder, settings, run) == []
    with dump.open("a", encoding="utf-8") as fh:
        fh.write("김철수,010-2345-6789\n")
    os.utime(dump, (old, old))
    assert poll_once(folder, settings, run) == []  # it grew since the last poll: still being written
    [summary] = poll_once(folder, settings, run)  # the same as last time: complete
    assert seen == ["D-E-1", "D-E-2.csv"] and summary.indexed_new >= 1
