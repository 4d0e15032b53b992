"""A large CSV counted by two processes gives the counts of one; a cut inside a quoted field falls back to one."""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from evidex.census import census_paths, parallel
from evidex.census.scan import scan_file
from evidex.census.spill import HashSpill
from evidex.census.values import KeyedHasher
from tests.evidex.census.people import order_id, people, rrn

PEOPLE = people(400)


def _dump(path: Path, *, quoted_middle: bool, encoding: str = "utf-8") -> None:
    rng = random.Random(7)
    lines = ["이름,연락처,email,주민번호,주문번호,메모"]
    for i in range(3000):
        p = PEOPLE[i % len(PEOPLE)]
        note = "짧은 메모"
        if quoted_middle and i == 1500:
            note = '"' + "\n".join(f"여러 줄, 메모 {k}" for k in range(4000)) + '"'  # the middle of the file
        number = rrn(rng, valid=False) if i % 97 == 0 else p.rrn
        lines.append(f"{p.name},{p.phone},{p.email},{number},{order_id(rng)},{note}")
    path.write_bytes(("\r\n".join(lines) + "\r\n").encode(encoding))


@pytest.mark.parametrize(("quoted_middle", "encoding"), [(False, "cp949"), (True, "utf-8")])
def test_two_processes_count_what_one_counts(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, quoted_middle: bool,
                                             encoding: str) -> None:
    monkeypatch.setattr(parallel, "MIN_BYTES", 0)
    dump = tmp_path / "leak.csv"
    _dump(dump, quoted_middle=quoted_middle, encoding=encoding)
    one = census_paths([dump], b"k", tmp_path / "one", workers=1)
    two = census_paths([dump], b"k", tmp_path / "two", workers=2)
    assert one.rows == two.rows == 3000
    assert one.distinct == two.distinct and one.distinct["PHONE"] == len(PEOPLE)
    assert (one.values, one.invalid, one.rows_with_pii) == (two.values, two.invalid, two.rows_with_pii)
    assert one.invalid["RRN"] > 0 and "PHONE" not in one.invalid  # order ids are not phones
    spill = HashSpill(tmp_path / "spill", 0)
    tally = scan_file(dump, "leak.csv", spill, KeyedHasher(b"k", "blake2b"), workers=2)
    assert tally.rows == 3000
    assert (tmp_path / "spill" / "part1").is_dir() != quoted_middle  # a cut in quotes: one process after all


def test_cut_points_follow_newlines(tmp_path: Path) -> None:
    path = tmp_path / "a.csv"
    path.write_bytes(b"h\n" + b"x" * 100 + b"\n" + b"y" * 10 + b"\n")
    points = parallel.cut_points(path, 2)
    assert points[0] == 0 and points[-1] == path.stat().st_size
    assert all(path.read_bytes()[p - 1 : p] == b"\n" for p in points[1:-1])
    assert parallel.cut_points(tmp_path / "a.csv", 1) == [0, path.stat().st_size]
