"""The cross-reference holder table and exclusions: one copy in the PostgreSQL catalogue for every machine, the
same behaviour as the files of one machine."""

from __future__ import annotations

import pickle
from pathlib import Path

import pytest

from evidex.custody.backends import open_catalog
from evidex.search.identity import User
from evidex.search.xref import ExclusionList, HolderTable
from evidex.settings import load_settings

KIM = User("kim", "knpa", ("investigator",))
ADMIN = User("root", "local", ("admin",))
COUNTS = {"v1": (3, {"*": {"knpa": 1, "fsc": 2}, "knpa": {"fsc": 2}}), "v2": (1, {"*": {"knpa": 1}})}


def _machine(tmp_path: Path, name: str, pg_url: str | None) -> Path:
    settings = load_settings(data_dir=tmp_path / name, catalog_url=pg_url or "")
    open_catalog(settings).close()  # as every caller does (search service, ingest) before the cross-reference
    return settings.data_dir


@pytest.fixture(params=["sqlite", "postgres"])
def machines(request: pytest.FixtureRequest, tmp_path: Path) -> tuple[Path, Path]:
    if request.param == "sqlite":
        one = _machine(tmp_path, "m1", None)
        return one, one  # one machine: its files
    url = request.getfixturevalue("pg_url")
    return _machine(tmp_path, "m1", url), _machine(tmp_path, "m2", url)


def test_what_one_machine_counts_another_reads(machines: tuple[Path, Path]) -> None:
    first, second = machines
    writer, reader = HolderTable(first), HolderTable(second)
    assert not reader.exists() and reader.meta() == {} and not reader.complete()
    writer.replace("pii_hashes", ["v1", "v2"], COUNTS)
    writer.mark(complete="1", viewers='["knpa"]')
    assert reader.exists() and reader.complete()
    assert reader.holders(KIM, "pii_hashes", ["v1", "v2", "v3"]) == {"v1": ({"fsc": 2}, 3)}
    assert reader.holders(ADMIN, "pii_hashes", ["v1", "v2"]) == {"v1": ({"knpa": 1, "fsc": 2}, 3),
                                                                 "v2": ({"knpa": 1}, 1)}
    writer.replace("pii_hashes", ["v1"], {"v1": (1, {"*": {"fsc": 1}, "knpa": {"fsc": 1}})})  # counted again
    assert reader.holders(KIM, "pii_hashes", ["v1"]) == {"v1": ({"fsc": 1}, 1)}
    assert reader.holders(KIM, "xref_keys", ["v1"]) == {}
    writer.mark(complete="0")
    assert not reader.complete()
    reader.clear()  # a full run starts over
    assert not writer.exists() and writer.holders(ADMIN, "pii_hashes", ["v1", "v2"]) == {}


def test_a_batch_kept_out_on_one_machine_is_kept_out_on_every_one(machines: tuple[Path, Path]) -> None:
    first, second = machines
    ExclusionList(first).set("b1", "pipc", True)
    ExclusionList(first).set("b2", "knpa", True)
    ExclusionList(first).set("b2", "knpa", False)
    seen = ExclusionList(second)
    assert seen.batches() == {"b1": "pipc"}
    assert seen.clauses() == [{"bool": {"filter": [{"term": {"owner_agency": "pipc"}},
                                                   {"terms": {"batch_id": ["b1"]}}]}}]


def test_postgresql_variants_keep_nothing_under_the_data_directory(pg_url: str, tmp_path: Path) -> None:
    data = _machine(tmp_path, "m1", pg_url)
    table, excluded = HolderTable(data), ExclusionList(data)
    assert type(table).__name__ == "PgHolderTable" and isinstance(table, HolderTable)
    table.replace("pii_hashes", ["v1"], COUNTS)
    table.mark(updated="now")
    excluded.set("b1", "pipc", True)
    assert not table.path.exists() and not excluded.path.exists()
    copy = pickle.loads(pickle.dumps(table))  # as a task parameter sent to another process would be
    assert type(copy) is type(table) and copy.meta() == {"updated": "now"}
    assert pickle.loads(pickle.dumps(excluded)).batches() == {"b1": "pipc"}
