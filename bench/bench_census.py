"""Leak census on a generated dump: exact counts, peak memory, and rows/s against a bare regex scan of the same file.

Usage: .venv/bin/python bench/bench_census.py [--rows 30000000] [--workers 1,2] [--dir DIR]

Writes a CSV of ``--rows`` rows (name, phone, e-mail, resident number, an order id shaped like a phone) into a
temporary directory, streaming, with each of ``rows // 3`` people on about three rows and one row in a thousand
carrying a resident number with a bad check digit; the truth is kept in bitmaps while writing. Then, in the same
run, times a bare single-pass regex scan for phones and e-mails over the file and ``census_paths`` over it once per
``--workers`` count (1: one process; 2: the file cut in two ranges, ``evidex.census.parallel``), checks each
census's distinct and invalid counts against the truth, and prints rows/s, the ratio to the bare scan and the peak
RSS of the bench process and of its largest worker (``resource.getrusage``). On a machine that other jobs keep
busy a second process gains little (the scheduler shares CPU per session): read the one-process ratio first.
Falls back to fewer rows when the disk is short. Prints figures; asserts nothing.
"""

from __future__ import annotations

import argparse
import math
import re
import resource
import shutil
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

ROW_BYTES = 95
_WEIGHTS = (2, 3, 4, 5, 6, 7, 8, 9, 2, 3, 4, 5)
SCAN = re.compile(r"01[016789]-?\d{3,4}-?\d{4}|[\w.+-]+@[\w-]+(?:\.[\w-]+)+")


def coprime(n: int, step: int = 7919) -> int:
    while math.gcd(step, n) != 1:
        step += 2
    return step


def person(k: int) -> tuple[str, str, str]:
    """Phone, e-mail and resident number body (12 digits) of person ``k`` (injective in k)."""
    phone = f"010-{1000 + (k // 10000) % 9000}-{k % 10000:04d}"
    day = k % 10000
    year, month, dom = 50 + day // 336 % 50, 1 + day // 28 % 12, 1 + day % 28
    body = f"{year:02d}{month:02d}{dom:02d}{1 + (k // 10000) % 2}{(k // 20000) % 100000:05d}"
    return phone, f"user{k}@example.com", body


def _weighted(digits: str, weights: tuple[int, ...]) -> int:
    return sum(int(d) * w for d, w in zip(digits, weights))


def write_dump(path: Path, rows: int) -> dict[str, int]:
    """The dump (what ``person`` gives, from tables per day and per ten-thousand block) and its truth."""
    from models.identifiers import normalize

    people = max(1, rows // 3)
    step = coprime(people)
    blocks = people // 10000 + 1
    dates = [person(day)[2][:6] for day in range(10000)]
    date_sum = [_weighted(d, _WEIGHTS[:6]) for d in dates]
    tails = [person(hi * 10000)[2][6:] for hi in range(blocks)]
    tail_sum = [_weighted(t, _WEIGHTS[6:]) for t in tails]
    phones = [person(hi * 10000)[0][:9] for hi in range(blocks)]
    phone_ok = [normalize("PHONE", f"{p}0000") is not None for p in phones]  # the project's numbering plan
    last4 = [f"{n:04d}" for n in range(10000)]
    order3 = [f"{n:03d}" for n in range(1000)]
    seen_valid = bytearray(people)
    seen = bytearray(people)
    invalid = phone_values = 0
    with open(path, "w", encoding="utf-8", buffering=4 * 1024 * 1024) as out:
        out.write("id,name,phone,email,rrn,order_no\n")
        lines = []
        for i in range(rows):
            k = (i * step) % people
            hi, day = divmod(k, 10000)
            check = (11 - (date_sum[day] + tail_sum[hi]) % 11) % 10
            if i % 1000 == 999:
                check = (check + 1) % 10
                invalid += 1
            else:
                seen_valid[k] = 1
            seen[k] = 1
            phone_values += phone_ok[hi]
            lines.append(f"{i},회원{k},{phones[hi]}{last4[day]},user{k}@example.com,{dates[day]}-{tails[hi]}{check},"
                         f"010-0{order3[i % 1000]}-{last4[i % 9999]}\n")
            if len(lines) == 10000:
                out.write("".join(lines))
                lines = []
        out.write("".join(lines))
    valid_phones = sum(1 for k in range(people) if seen[k] and phone_ok[k // 10000])
    return {"rows": rows, "PHONE": valid_phones, "PHONE_values": phone_values, "EMAIL": sum(seen),
            "RRN": sum(seen_valid), "invalid_RRN": invalid}


def bare_scan(path: Path) -> tuple[float, int]:
    started = time.perf_counter()
    found = 0
    with open(path, encoding="utf-8") as fh:
        for line in fh:
            for _ in SCAN.finditer(line):
                found += 1
    return time.perf_counter() - started, found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=30_000_000)
    parser.add_argument("--dir", type=Path, default=None, help="where to write the dump (default: a temp dir)")
    parser.add_argument("--workers", type=lambda v: [int(w) for w in v.split(",")], default=[1, 2],
                        help="census runs to time, by process count (default 1,2)")
    args = parser.parse_args()
    from evidex.census import census_paths

    base = Path(tempfile.mkdtemp(prefix="census-bench-", dir=args.dir))
    free = shutil.disk_usage(base).free
    rows = args.rows
    needed = rows * ROW_BYTES * 1.6  # the dump and the spilled hashes
    if needed > free * 0.8:
        rows = int(free * 0.8 / (ROW_BYTES * 1.4))
        print(f"disk has {free / 1e9:.1f} GB free: using {rows:,} rows instead of {args.rows:,}")
    try:
        dump = base / "leak.csv"
        started = time.perf_counter()
        truth = write_dump(dump, rows)
        size = dump.stat().st_size
        print(f"generated {rows:,} rows ({size / 1e9:.2f} GB) in {time.perf_counter() - started:.0f} s")
        scan_s, matches = bare_scan(dump)
        print(f"bare regex scan: {scan_s:.1f} s, {rows / scan_s:,.0f} rows/s, {size / scan_s / 1e6:.1f} MB/s "
              f"({matches:,} matches)")
        censuses = []
        for workers in args.workers:
            started = time.perf_counter()
            report = census_paths([dump], b"bench-secret", base / f"work{workers}", workers=workers)
            census_s = time.perf_counter() - started
            censuses.append((workers, census_s))
            peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
            child = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
            print(f"census, {workers} process(es): {census_s:.1f} s, {rows / census_s:,.0f} rows/s, ratio to the bare "
                  f"scan {scan_s / census_s:.2f}x; peak RSS {peak:,.0f} MB (largest worker {child:,.0f} MB)")
            checks = {"rows": report.rows == truth["rows"], "PHONE": report.distinct.get("PHONE") == truth["PHONE"],
                      "EMAIL": report.distinct.get("EMAIL") == truth["EMAIL"],
                      "RRN": report.distinct.get("RRN") == truth["RRN"],
                      "invalid RRN": report.invalid.get("RRN", 0) == truth["invalid_RRN"],
                      "order ids not phones": report.values.get("PHONE") == truth["PHONE_values"]}
            print(f"  distinct: {report.distinct}  invalid: {report.invalid}  (truth: {truth})")
            print("  exact: " + ", ".join(f"{k} {'yes' if ok else 'NO'}" for k, ok in checks.items()))
        again_s, _ = bare_scan(dump)  # load from other jobs drifts: the baseline is timed before and after
        mean_s = (scan_s + again_s) / 2
        print(f"bare regex scan again: {again_s:.1f} s; against the mean of both ({mean_s:.1f} s): "
              + ", ".join(f"{w} process(es) {mean_s / c:.2f}x" for w, c in censuses))
    finally:
        shutil.rmtree(base, ignore_errors=True)


if __name__ == "__main__":
    main()
