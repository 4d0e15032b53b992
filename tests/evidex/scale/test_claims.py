"""Workers in separate processes claiming from one catalogue never get the same item."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from evidex.custody.backends import open_catalog
from evidex.custody.catalog import Item, item_id_for
from evidex.settings import load_settings

WORKER = """
import json, sys, time
from evidex.custody.backends import open_catalog
from evidex.settings import load_settings
name, out = sys.argv[1], sys.argv[2]
catalog = open_catalog(load_settings())
taken = []
while True:
    items = catalog.claim("b1", 5, name)
    if not items:
        break
    taken += [i.item_id for i in items]
    time.sleep(0.005)  # a little work, so the workers interleave
    catalog.mark_done([(i.item_id, "ok", None) for i in items])
catalog.close()
open(out, "w").write(json.dumps(taken))
"""


@pytest.mark.parametrize("kind", ["postgresql", "sqlite"])
def test_two_processes_never_claim_one_item(kind: str, tmp_path: Path, request) -> None:
    env = {"EVIDEX_DATA_DIR": str(tmp_path / "data")}
    if kind == "postgresql":
        env["EVIDEX_CATALOG_URL"] = request.getfixturevalue("pg_url")
    catalog = open_catalog(load_settings(data_dir=tmp_path / "data", catalog_url=env.get("EVIDEX_CATALOG_URL", "")))
    items = []
    for n in range(600):
        iid = item_id_for("knpa", "C-1", None, None, f"f{n:04d}", "ab" * 32)
        items.append(Item(iid, "b1", "ab" * 32, 1, f"f{n:04d}", "f", None, iid, 0, "knpa", "C-1", None))
    catalog.add_items(items)
    import os

    procs = [subprocess.Popen([sys.executable, "-c", WORKER, f"w{n}", str(tmp_path / f"w{n}.json")],
                              env={**os.environ, **env}) for n in range(2)]
    assert [p.wait(240) for p in procs] == [0, 0]
    taken = [json.loads((tmp_path / f"w{n}.json").read_text()) for n in range(2)]
    assert not set(taken[0]) & set(taken[1])
    assert len(taken[0]) + len(taken[1]) == 600
    assert taken[0] and taken[1], "both workers got work"
    assert catalog.counts("b1") == {"ok": 600}
    catalog.close()
