"""Throughput of the identifier detectors: ``python bench/bench_identifiers.py [--mb N] [--runs N]``.

Two inputs are generated (not timed): a CSV-like customer dump and bilingual prose, built from the labelled
test-set generator and repeated to the requested size. Each is scanned by ``find_identifiers`` and by a plain
regex for phones + e-mails (the baseline figure in DESIGN.md); MB/s counts UTF-8 bytes. Medians of the runs,
timed as process CPU time (``time.process_time``) so that other work on shared cores does not inflate them.
"""

from __future__ import annotations

import argparse
import re
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from models.identifiers import find_identifiers  # noqa: E402
from models.identifiers.make_testset import _assemble, _Gen  # noqa: E402

BASELINE = re.compile(r"(?<!\d)01[016789][-. ]?\d{3,4}[-. ]?\d{4}(?!\d)|[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
SECRET = b"bench-secret"


def _csv_dump(target_bytes: int) -> tuple[str, int]:
    gen = _Gen(7)
    header = "id,name,jumin,phone,email,card_no,last_ip,created_at,order_no\n"
    rows = []
    size = 0
    while size < target_bytes:
        text, _ = _assemble(gen.csv())
        body = text.split("\n", 1)[1]
        rows.append(body)
        size += len(body.encode("utf-8"))
    text = header + "".join(rows)
    return text, text.count("\n") - 1


def _prose(target_bytes: int) -> tuple[str, int]:
    gen = _Gen(11)
    filler_ko = "수사팀은 압수한 자료를 분석하여 유출 경로와 피해 규모를 확인하고 관계 기관과 공유하였다. "
    filler_en = ("The task force reviewed the seized material, compared it with the regulator's findings "
                 "and noted gaps. ")
    paragraphs = []
    size = 0
    i = 0
    while size < target_bytes:
        text, _ = _assemble(gen.ko_prose() if i % 3 else gen.en_prose())
        paragraph = (filler_ko * 3 if i % 3 else filler_en * 3) + text + "\n\n"
        paragraphs.append(paragraph)
        size += len(paragraph.encode("utf-8"))
        i += 1
    text = "".join(paragraphs)
    return text, len(paragraphs)


def _time(func, text: str, runs: int) -> tuple[float, int]:
    timings, found = [], 0
    for _ in range(runs):
        began = time.process_time()
        found = len(func(text))
        timings.append(time.process_time() - began)
    return statistics.median(timings), found


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--mb", type=float, default=4.0, help="size of each generated input in MB")
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    target = int(args.mb * 1_000_000)
    print(f"{'input':<10}{'MB':>7}{'units':>9}  {'detector':<18}{'cpu s':>8}{'MB/s':>8}{'units/s':>11}{'found':>9}")
    for name, (text, units), unit in (("csv", _csv_dump(target), "rows"), ("prose", _prose(target), "paras")):
        mb = len(text.encode("utf-8")) / 1_000_000
        results = {}
        for label, func in (("find_identifiers", lambda t: find_identifiers(t, secret=SECRET)),
                            ("baseline regex", BASELINE.findall)):
            seconds, found = _time(func, text, args.runs)
            results[label] = seconds
            print(f"{name:<10}{mb:>7.2f}{units:>9}  {label:<18}{seconds:>8.3f}{mb / seconds:>8.1f}"
                  f"{units / seconds:>11,.0f}{found:>9} ({unit})")
        print(f"{'':<28}find_identifiers takes {results['find_identifiers'] / results['baseline regex']:.1f}x "
              f"the baseline's time")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
