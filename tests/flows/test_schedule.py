"""Scheduled drop folders end to end: a real Prefect server and worker (``evidex server start``), a deployment per
folder (``evidex schedule add``), files dropped and found searchable with no manual run; content taken once, a file
still being written taken once complete, a paused schedule running nothing, and no process left behind."""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

import pytest

from tests.flows.served import evidex_processes, hits, ingests, served_world, wait_for

pytestmark = pytest.mark.slow


@pytest.fixture
def world(settings, tmp_path: Path):
    yield from served_world(settings, tmp_path)


def test_schedule_runs_drop_folder(world) -> None:
    settings, cli, drop = world
    drop.mkdir()
    assert "Prefect server" not in cli("schedule", "list", ok=False).stdout  # no server: a one-line refusal
    refused = cli("schedule", "add", str(drop), "--agency", "knpa", "--case", "S-1", "--every", "10", ok=False)
    assert refused.returncode != 0 and "evidex server start" in refused.stderr and "Traceback" not in refused.stderr

    started = cli("server", "start").stdout
    assert "Prefect server running" in started and "worker of pool" in started
    assert "enrichment service running" in started
    status = cli("server", "status").stdout
    assert "worker" in status and "enrichment service: running" in status
    bad = cli("schedule", "add", str(drop), "--agency", "knpa", "--case", "S-1", "--cron", "every day", ok=False)
    assert bad.returncode != 0 and "cron" in bad.stderr and "Traceback" not in bad.stderr
    added = cli("schedule", "add", str(drop), "--agency", "knpa", "--case", "S-1", "--every", "6", "--settle", "1",
                "--exhibit-prefix", "D-").stdout
    schedule_id = added.split()[1].rstrip(":")
    twice = cli("schedule", "add", str(drop), "--agency", "knpa", "--case", "S-1", "--every", "6", ok=False)
    assert "already has schedule" in twice.stderr

    (drop / "E-1").mkdir()
    (drop / "E-1" / "memo.txt").write_text("Handover of the Zentorva ledger to the night shift.\n", encoding="utf-8")
    wait_for("the dropped memo to be searchable", lambda: hits(settings, "zentorva"))
    assert [r.name for r in ingests(settings)] == ["ingest knpa/S-1 D-E-1"]
    # the poll's run enriched with the service's models, loaded once when the server started
    report = wait_for("the poll's run to finish", lambda: ingests(settings)[0].report, timeout=60)
    assert report["timings"].get("workers.enrich_service") == 1, report

    # a file still being written (old modification time, as `cp -a` leaves it) is taken once it is complete
    state_files = list((settings.data_dir / "watch").glob("*.json"))
    old = time.time() - 3600
    dump = drop / "E-2.txt"
    dump.write_text("First half of the Qirvanel transcript.\n", encoding="utf-8")
    os.utime(dump, (old, old))
    wait_for("a poll to see the half-written file",
          lambda: any("E-2.txt" in json.loads(p.read_text()).get("entries", {}) for p in state_files), every=0.05)
    with dump.open("a", encoding="utf-8") as fh:
        fh.write("Second half: the Morvathil payment list.\n")
    os.utime(dump, (old, old))
    wait_for("the completed file to be searchable", lambda: hits(settings, "morvathil"))
    assert hits(settings, "qirvanel") == 1
    time.sleep(15)  # more polls: nothing already taken is taken again
    assert sorted(r.name for r in ingests(settings)) == ["ingest knpa/S-1 D-E-1", "ingest knpa/S-1 D-E-2.txt"]

    listed = json.loads(cli("schedule", "list", "--json").stdout)
    assert [(s["schedule_id"], s["paused"]) for s in listed] == [(schedule_id, False)] and listed[0]["runs"] >= 2
    assert "paused" in cli("schedule", "pause", schedule_id).stdout
    time.sleep(3)
    (drop / "E-3").mkdir()
    (drop / "E-3" / "later.txt").write_text("The Ulvendra memo arrives while paused.\n", encoding="utf-8")
    time.sleep(25)
    assert hits(settings, "ulvendra") == 0 and len(ingests(settings)) == 2
    assert json.loads(cli("schedule", "list", "--json").stdout)[0]["paused"] is True
    cli("schedule", "resume", schedule_id)
    wait_for("the resumed schedule to take the new folder", lambda: hits(settings, "ulvendra"))

    assert "removed" in cli("schedule", "remove", schedule_id).stdout
    assert json.loads(cli("schedule", "list", "--json").stdout) == []
    assert "stopped" in cli("server", "stop").stdout
    wait_for("no Evidex process of this data directory", lambda: not evidex_processes(settings.data_dir), timeout=20)
