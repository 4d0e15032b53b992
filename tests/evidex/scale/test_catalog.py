"""The catalogue contract, run against the embedded SQLite catalogue and the PostgreSQL one alike."""

from __future__ import annotations

from pathlib import Path

import pytest

from evidex.custody.backends import open_catalog
from evidex.custody.catalog import Item, item_id_for
from evidex.settings import load_settings


@pytest.fixture(params=["sqlite", "postgresql"])
def catalog(request, tmp_path: Path):
    overrides = {"data_dir": tmp_path / "data"}
    if request.param == "postgresql":
        overrides["catalog_url"] = request.getfixturevalue("pg_url")
    cat = open_catalog(load_settings(**overrides))
    yield cat
    cat.close()


def _item(batch: str, path: str, *, depth: int = 0, parent: str | None = None, sha: str = "ab" * 32) -> Item:
    iid = item_id_for("knpa", "C-1", "E-1", parent, path, sha)
    return Item(item_id=iid, batch_id=batch, sha256=sha, size=len(path), path=path, name=Path(path).name,
                parent_id=parent, root_id=parent or iid, depth=depth, agency="knpa", case_id="C-1", exhibit="E-1")


def _batch(catalog, batch_id: str, received: str = "2026-12-01T10:00:00+00:00") -> bool:
    return catalog.add_batch(batch_id=batch_id, agency="knpa", case_id="C-1", exhibit="E-1", submitted_by="clerk",
                             received_at=received, source="/upload", manifest_sha256="cd" * 32, files=3, bytes=30,
                             shared_with='["fss"]', ocr_languages="kor+eng")


def test_batches_are_recorded_once(catalog) -> None:
    assert _batch(catalog, "b2", "2026-12-01T11:00:00+00:00")
    assert _batch(catalog, "b1")
    assert not _batch(catalog, "b1")
    row = catalog.batch("b1")
    assert row["agency"] == "knpa" and row["files"] == 3 and row["shared_with"] == '["fss"]'
    assert row["ocr_languages"] == "kor+eng"
    assert catalog.batch("missing") is None
    assert [b["batch_id"] for b in catalog.batches()] == ["b1", "b2"]


def test_items_are_added_once_and_listed_in_byte_order(catalog) -> None:
    paths = ["b.txt", "가나.txt", "A.txt", "a/z.txt", "Z.txt"]
    items = [_item("b1", p) for p in paths]
    assert catalog.add_items(items) == 5
    assert catalog.add_items(items) == 0
    assert catalog.total("b1") == 5
    assert [i.path for i in catalog.items("b1")] == sorted(paths, key=str.encode)
    assert catalog.pending("b1", 2) == sorted(items, key=lambda i: i.path.encode())[:2]
    assert catalog.counts("b1") == {"pending": 5}


def test_pending_by_ids_keeps_the_order_asked_and_skips_done(catalog) -> None:
    items = [_item("b1", f"f{n}.txt") for n in range(4)]
    catalog.add_items(items)
    catalog.mark_done([(items[1].item_id, "ok", None)])
    asked = [items[3].item_id, items[1].item_id, items[0].item_id, "nope"]
    assert [i.item_id for i in catalog.pending_by_ids(asked)] == [items[3].item_id, items[0].item_id]


def test_done_items_carry_status_and_reason_and_reset_makes_them_pending(catalog) -> None:
    items = [_item("b1", f"f{n}.txt") for n in range(3)]
    catalog.add_items(items)
    catalog.mark_done([(items[0].item_id, "ok", None), (items[1].item_id, "encrypted", "needs a password")])
    assert catalog.counts("b1") == {"ok": 1, "encrypted": 1, "pending": 1}
    done = {i.item_id: i for i in catalog.items("b1")}
    assert done[items[1].item_id].state == "done" and done[items[1].item_id].reason == "needs a password"
    assert catalog.reset("b1") == 3
    assert len(catalog.pending("b1", 10)) == 3


def test_derived_items_follow_their_roots(catalog) -> None:
    root = _item("b1", "mail.pst")
    child = _item("b1", "mail.pst!/1.eml", depth=1, parent=root.item_id, sha="ef" * 32)
    catalog.add_items([child, root])
    assert [i.path for i in catalog.pending("b1", 10)] == ["mail.pst", "mail.pst!/1.eml"]
    assert catalog.adopt_pending("b2", [root.item_id]) == 2
    assert catalog.total("b1") == 0 and catalog.total("b2") == 2


def test_claims_hand_each_item_out_once(catalog) -> None:
    items = [_item("b1", f"f{n:02d}.txt") for n in range(10)]
    catalog.add_items(items)
    first = catalog.claim("b1", 4, "w1")
    second = catalog.claim("b1", 4, "w2")
    third = catalog.claim("b1", 4, "w3")
    assert [len(first), len(second), len(third)] == [4, 4, 2]
    claimed = [i.item_id for i in first + second + third]
    assert sorted(claimed) == sorted(i.item_id for i in items)
    assert [i.path for i in first] == [f"f{n:02d}.txt" for n in range(4)]  # depth, then path order
    assert all(i.state == "claimed" for i in first)
    assert catalog.claim("b1", 4, "w1") == [] and catalog.pending("b1", 10) == []
    assert catalog.counts("b1") == {"claimed": 10}
    catalog.mark_done([(i.item_id, "ok", None) for i in first])
    assert catalog.release("b1", worker="w2") == 4  # a worker that stopped gives its claims back
    assert {i.item_id for i in catalog.claim("b1", 10, "w1")} == {i.item_id for i in second}
    assert catalog.release("b1", older_than_s=3600) == 0  # claims younger than an hour stay
    import time

    time.sleep(0.3)
    assert catalog.renew("b1", "w1") == 4  # w1 is alive: its claims are fresh again
    assert catalog.release("b1", older_than_s=0.2) == 2  # w3 went quiet: its two go back
    assert catalog.release("b1") == 4
    assert catalog.counts("b1") == {"ok": 4, "pending": 6}


def test_custody_log_of_the_catalogue_chains(catalog) -> None:
    log = catalog.custody_log()
    for n in range(3):
        log.append("batch_received", batch_id=f"b{n}", n=n)
    assert log.verify() == []
    assert log.head().seq == 2
    assert [r["batch_id"] for r in log.records()] == ["b0", "b1", "b2"]


def test_migrations_are_applied_once_in_order(pg_url: str, tmp_path: Path) -> None:
    import psycopg

    from evidex.custody.pg import MIGRATIONS, CatalogUnavailable, migrate, redact_url

    open_catalog(load_settings(data_dir=tmp_path, catalog_url=pg_url)).close()
    with psycopg.connect(pg_url, autocommit=True) as conn:
        assert migrate(conn) == []
        applied = [row[0] for row in conn.execute("SELECT version FROM evidex_migrations ORDER BY version")]
    assert applied == [m[0] for m in MIGRATIONS]
    wrong = pg_url.replace("@", "x@", 1)  # a wrong password: one message, the password masked
    with pytest.raises(CatalogUnavailable) as caught:
        open_catalog(load_settings(data_dir=tmp_path, catalog_url=wrong))
    assert redact_url(wrong) in str(caught.value) and wrong.split("@")[0].rsplit(":", 1)[1] not in str(caught.value)


def _open_and_count(path: str) -> int:
    from evidex.custody.catalog import Catalog

    cat = Catalog(Path(path))
    try:
        return cat.conn.execute("SELECT count(*) FROM items").fetchone()[0]
    finally:
        cat.close()


def test_many_processes_opening_a_new_sqlite_catalogue_at_once(tmp_path: Path) -> None:
    # a run, its workers and a poller open a catalogue that does not exist yet: none may fail on the schema
    import multiprocessing

    for round_ in range(5):
        path = tmp_path / f"r{round_}" / "catalog.sqlite"
        with multiprocessing.get_context("spawn").Pool(8) as pool:
            assert pool.map(_open_and_count, [str(path)] * 16) == [0] * 16


def test_a_catalogue_from_before_the_claim_columns_is_upgraded_on_open(tmp_path: Path) -> None:
    import sqlite3

    from evidex.custody.catalog import SCHEMA, Catalog

    path = tmp_path / "old.sqlite"
    old = sqlite3.connect(path)
    old.executescript(SCHEMA.replace(", claimed_by TEXT, claimed_at REAL", "")
                      .replace(", shared_with TEXT DEFAULT '[]', ocr_languages TEXT", ""))
    old.close()
    cat = Catalog(path)
    try:
        assert {"claimed_by", "claimed_at"} <= {r[1] for r in cat.conn.execute("PRAGMA table_info(items)")}
        assert {"shared_with", "ocr_languages"} <= {r[1] for r in cat.conn.execute("PRAGMA table_info(batches)")}
        assert cat.conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert cat._missing() == []  # a complete file is opened again without a write lock
    finally:
        cat.close()
