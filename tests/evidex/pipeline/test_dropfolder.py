"""Drop folders: settled sub-folders become batches with receipts; unchanged ones are not run again."""

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
    again = poll_once(folder, settings, run, now=time.time() + 120)
    assert len(again) == 1 and again[0].items_processed == 1
