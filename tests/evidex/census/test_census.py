"""The leak census on generated dumps of every format: exact distinct counts, invalid values, overlaps, lookups.

Known truth: 60 generated people spread over a CSV (cp949), a MySQL dump, JSON lines, an XLSX sheet and a zipped
TSV in two agencies' batches, with repeats, bad check digits and an order-id column shaped like phone numbers.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import random
import zipfile
from pathlib import Path

import openpyxl
import pytest

from evidex.census import census_paths
from evidex.census.columns import type_column
from evidex.census.values import KeyedHasher, checker, normalise
from evidex.custody.catalog import Catalog, Item, item_id_for
from evidex.custody.store import EvidenceStore
from evidex.search.census_lookup import affected, lookup
from evidex.search.factory import search_service
from evidex.search.identity import User
from evidex.search.query import QueryRefused
from flows.census_flow import run_census
from models.identifiers import keyed_hash, normalize
from tests.evidex.census.people import bad_card, card, order_id, people, phone, rrn

PEOPLE = people(60)
ABSENT = "010-9876-5432"


def write_dumps(root: Path) -> dict[str, object]:
    """Five dump files; returns the truth the census must find."""
    rng = random.Random(3)
    root.mkdir(parents=True, exist_ok=True)
    csv_people = PEOPLE[:30] + PEOPLE[:10]  # ten people twice
    bad_rrns = [rrn(rng, valid=False) for _ in range(5)]
    lines = ["이름,휴대폰,이메일,주민번호,주문번호"]
    for i, p in enumerate(csv_people):
        lines.append(f"{p.name},{p.phone},{p.email},{bad_rrns[i] if i < 5 else p.rrn},{order_id(rng)}")
    (root / "회원.csv").write_bytes(("\r\n".join(lines) + "\r\n").encode("cp949"))
    sql_people = PEOPLE[20:45]
    bad_cards = [bad_card(rng) for _ in range(3)]
    values = ",".join(f"({i},'{p.name}','{p.phone.replace('-', '')}','{bad_cards[i] if i < 3 else p.card}')"
                      for i, p in enumerate(sql_people))
    (root / "shop.sql").write_text(f"CREATE TABLE `users` (`id` int, `name` text, `hp` text, `card_no` text);\n"
                                   f"INSERT INTO `users` VALUES {values};\n", encoding="utf-8")
    json_people = PEOPLE[40:50]
    (root / "app.jsonl").write_text("".join(json.dumps({"user": {"mail": p.email.upper()}, "ref": order_id(rng)})
                                            + "\n" for p in json_people), encoding="utf-8")
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["성명", "주민등록번호", "연락처"])
    for p in PEOPLE[45:55]:
        sheet.append([p.name, p.rrn, p.phone])
    book.save(root / "명단.xlsx")
    with zipfile.ZipFile(root / "extra.zip", "w") as archive:
        archive.writestr("more/contacts.tsv", "name\tcontact\n" + "".join(f"{p.name}\t{p.phone}\n"
                                                                          for p in PEOPLE[40:60]))
    phones = {p.phone for p in csv_people + sql_people + PEOPLE[40:60]}
    return {
        "rows": len(csv_people) + len(sql_people) + len(json_people) + 10 + 20,
        "PHONE": len(phones), "EMAIL": len({p.email for p in csv_people + json_people}),
        "RRN": len({p.rrn for p in csv_people[5:] + PEOPLE[45:55]}), "CARD": len({p.card for p in sql_people[3:]}),
        "invalid": {"RRN": 5, "CARD": 3},
        "csv_sql_phone_overlap": len({p.phone for p in csv_people} & {p.phone for p in sql_people}),
    }


def test_fast_paths_agree_with_the_project_normalisers() -> None:
    rng = random.Random(11)
    samples = {
        "PHONE": [phone(rng) for _ in range(300)] + [order_id(rng) for _ in range(100)]
        + [f"01{a}-{m}-{n:04d}" for a in "016789" for m in ("5983", "4821", "2000", "123", "0123") for n in (0, 7735)]
        + ["01048217735", "010-123-4567", "010 1234 5678", "+82 10-4821-7735", "010-4821-77355", "010-4821 7735"],
        "RRN": [rrn(rng) for _ in range(200)] + [rrn(rng, valid=False) for _ in range(200)]
        + ["7903262708605", "201115-3000000", "991332-1234567", "790326 2708605", "790326-27086O5", "７９0326-2708605",
           "790326-9708601", "790326-0708601", "991231-4000000", "201001-3000000", "200930-4000000", "790326-5708601",
           "790326-6708602", "790231-1234567", "000229-3234567", "010229-3234567", "790326-2708605 "],
        "FRN": [rrn(rng) for _ in range(50)] + ["790326-5708601", "790326-6708602", "790326-7000000", "790326-2708605",
                                                 "7903265708601", "791326-5708601"],
        "CARD": [card(rng) for _ in range(200)] + [bad_card(rng) for _ in range(100)]
        + ["4111111111111111", "4111 1111 1111 1111", "5500-0000-0000-0004", "4111-1111-1111-111"],
        "EMAIL": ["Kim.Min@Example.COM", "kim_min@example.com", ".a@b.com", "a..b@c.com", "x@y.png", "a@b",
                  "o'neil+tag@mail.co.kr", "a-@b-.com", "mailto:x@y.com", "a@b.c"],
    }
    hasher, fast = KeyedHasher(b"k"), KeyedHasher(b"k", "blake2b")
    for label, values in samples.items():
        check = checker(label)
        for value in values * 2:  # the second time through the caches
            assert normalise(label, value) == normalize(label, value) == check(value), (label, value)
            norm = normalize(label, value)
            if norm:
                assert hasher.digest(label, norm).hex() == keyed_hash(label, norm, b"k")
                assert fast.digest(label, norm) == fast.for_label(label)(norm) != hasher.digest(label, norm)
    with pytest.raises(ValueError, match="known: hmac, blake2b"):
        KeyedHasher(b"k", "md5")


def test_columns_typed_by_header_and_content() -> None:
    rng = random.Random(5)
    orders = [order_id(rng) for _ in range(50)]
    assert type_column(0, "주문번호", orders).label is None
    assert type_column(0, "ref", orders).label is None  # shaped like phones, none valid
    assert type_column(0, "휴대폰", orders).basis == "rejected"
    assert type_column(0, "col", [phone(rng) for _ in range(50)]).label == "PHONE"
    assert type_column(0, "col", [p.rrn for p in PEOPLE]).label == "RRN"
    assert type_column(0, "카드번호", [card(rng) for _ in range(5)] + [bad_card(rng)]).label == "CARD"
    assert type_column(0, "E-Mail", []).label == "EMAIL"


def test_census_of_files_is_exact(tmp_path: Path) -> None:
    truth = write_dumps(tmp_path / "dumps")
    report = census_paths([tmp_path / "dumps"], b"test-secret", tmp_path / "work")
    assert report.rows == truth["rows"]
    assert report.rows_with_pii == truth["rows"]
    for label in ("PHONE", "EMAIL", "RRN", "CARD"):
        assert report.distinct[label] == truth[label], label
    assert report.invalid == truth["invalid"]
    assert "PHONE" not in {c["label"] for f in report.files for t in f.tables for c in t["columns"]
                           if c["name"] in ("주문번호", "ref")}
    by_name = {f.name: f for f in report.files}
    assert by_name["회원.csv"].distinct == {"EMAIL": 30, "PHONE": 30, "RRN": 30}  # the 5 bad numbers belong to people listed again
    assert by_name["extra.zip"].distinct == {"PHONE": 20}
    overlap = {(o.label, o.a, o.b): o.shared for o in report.file_overlap}
    assert overlap[("PHONE", "shop.sql", "회원.csv")] == truth["csv_sql_phone_overlap"] or \
        overlap[("PHONE", "회원.csv", "shop.sql")] == truth["csv_sql_phone_overlap"]
    assert not (tmp_path / "work" / "census" / "work").exists() or not any((tmp_path / "work").rglob("*.bin"))


def _register(settings, folder: Path, agency: str, batch_id: str, case_id: str) -> None:
    """Store a folder's files as one batch of the case (what ingest's registration does, without extraction)."""
    store = EvidenceStore(settings.store_dir).ensure()
    catalog = Catalog(settings.store_dir / "catalog.sqlite")
    catalog.add_batch(batch_id=batch_id, agency=agency, case_id=case_id, received_at=dt.datetime.now().isoformat(),
                      shared_with="[]")
    items = []
    for path in sorted(folder.iterdir()):
        blob = store.put(path)
        items.append(Item(item_id_for(agency, case_id, None, None, path.name, blob.sha256), batch_id, blob.sha256,
                          blob.size, path.name, path.name, None, "", 0, agency, case_id, None))
    catalog.add_items(items)
    catalog.close()


@pytest.fixture
def leak(settings, tmp_path: Path):
    truth = write_dumps(tmp_path / "all")
    police, regulator = tmp_path / "police", tmp_path / "pipc"
    police.mkdir()
    regulator.mkdir()
    for name in ("회원.csv", "shop.sql", "app.jsonl"):
        (tmp_path / "all" / name).rename(police / name)
    for name in ("명단.xlsx", "extra.zip"):
        (tmp_path / "all" / name).rename(regulator / name)
    _register(settings, police, "knpa", "B-police", "LEAK-1")
    _register(settings, regulator, "pipc", "B-pipc", "LEAK-1")
    yield settings, truth
    from evidex.node.client import make_client

    make_client(settings).indices.delete(index=f"{settings.es_index_prefix}-records-v1", ignore_unavailable=True)


def test_case_census_records_lookups_and_notifications(leak) -> None:
    settings, truth = leak
    admin = User("admin", "pipc", ("admin",))
    report = run_census(settings, admin, "LEAK-1")
    assert report.rows == truth["rows"]
    assert {k: report.distinct[k] for k in ("PHONE", "EMAIL", "RRN", "CARD")} == \
        {k: truth[k] for k in ("PHONE", "EMAIL", "RRN", "CARD")}
    assert report.records_indexed == truth["rows"]
    agencies = {(o.label, o.a, o.b): o.shared for o in report.agency_overlap}
    police_phones = {p.phone for p in PEOPLE[:45]}
    assert agencies[("PHONE", "knpa", "pipc")] == len(police_phones & {p.phone for p in PEOPLE[40:60]}) == 5

    service = search_service(settings)
    officer = User("officer", "pipc", ("privacy_officer",))
    planted = PEOPLE[47]  # in the XLSX (pipc's own batch)
    found = lookup(service, officer, planted.rrn)
    assert found.found and found.label == "RRN" and found.total == 1
    assert found.records[0].identifiers["RRN"] == [planted.rrn[:8] + "******"]
    assert lookup(service, officer, planted.phone, reveal=True).records[0].identifiers["PHONE"] == [planted.phone]
    assert lookup(service, admin, PEOPLE[3].phone).total == 2  # twice in the CSV
    assert lookup(service, officer, PEOPLE[3].phone).total == 0  # the police batch is not shared with pipc
    missing = lookup(service, admin, ABSENT)
    assert not missing.found and missing.message == "not found"
    with pytest.raises(PermissionError):
        lookup(service, User("inv", "pipc", ("investigator",)), planted.rrn)
    with pytest.raises(QueryRefused):
        lookup(service, officer, "hello")
    rows = list(affected(service, admin, "LEAK-1", "PHONE"))
    assert len(rows) == truth["PHONE"] and sum(r["records"] for r in rows) == truth["rows"] - 10
    with pytest.raises(PermissionError):
        list(affected(service, User("an", "pipc", ("analyst",)), "LEAK-1", "PHONE"))
    service.audit.flush()

    raw = [v for p in PEOPLE for v in (p.rrn, p.rrn.replace("-", ""), p.phone, p.phone.replace("-", ""), p.email,
                                       p.card, p.card.replace("-", ""))] + [ABSENT]
    records = service.client.search(index=f"{settings.es_index_prefix}-records", size=500)["hits"]["hits"]
    stored = json.dumps([r["_source"] for r in records], ensure_ascii=False)
    journal = (settings.data_dir / "audit.jsonl").read_text(encoding="utf-8")
    audited = service.client.search(index=f"{settings.es_index_prefix}-audit", size=500)["hits"]["hits"]
    reports = "".join(p.read_text(encoding="utf-8") for p in (settings.data_dir / "census").rglob("*.json"))
    prefect = b"".join(p.read_bytes() for p in Path(os.environ["PREFECT_HOME"]).rglob("*")
                       if p.is_file() and p.stat().st_size < 200e6)
    for where, text in (("records", stored), ("journal", journal), ("audit index", json.dumps(audited)),
                        ("reports", reports)):
        assert not [v for v in raw if v in text], where
    assert not [v for v in raw if v.encode() in prefect], "prefect"
    digest = keyed_hash("PHONE", normalize("PHONE", planted.phone), settings.secret_bytes())
    assert digest in stored and digest not in journal
    assert '"action": "census_lookup"' in journal and "010-****-" in journal
