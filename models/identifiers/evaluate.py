"""Precision and recall per identifier type on the labelled set: ``python -m models.identifiers.evaluate [PATH]``.

A prediction counts only when label, start and end all match a gold identifier (span + label exact match).
Norm accuracy is the share of matched identifiers whose ``norm`` equals the gold norm. Recall is also broken
down by gold subtype (e.g. RRN ``pre2020`` vs ``post2020``), since only some subtypes carry a checksum.
"""

from __future__ import annotations

import json
import sys
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from models.identifiers.make_testset import DEFAULT_PATH
from models.identifiers.scanner import LABELS, scan

CHECKSUMMED = ("RRN", "CARD", "BRN", "CRN", "CRYPTO")


@dataclass(frozen=True)
class Score:
    """Counts for one label (or label/subtype) and the derived ratios."""

    tp: int
    fp: int
    fn: int
    norm_ok: int

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 1.0

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 1.0

    @property
    def norm_accuracy(self) -> float:
        return self.norm_ok / self.tp if self.tp else 1.0


@dataclass(frozen=True)
class Report:
    by_label: dict[str, Score]
    by_subtype: dict[str, Score]
    errors: tuple[str, ...]


def load(path: Path = DEFAULT_PATH) -> list[dict[str, object]]:
    with path.open(encoding="utf-8") as handle:
        return [json.loads(line) for line in handle if line.strip()]


def evaluate(records: Iterable[dict[str, object]]) -> Report:
    """Score the detectors against gold records."""
    tp, fp, fn, norm_ok = Counter(), Counter(), Counter(), Counter()
    sub_tp, sub_fn, sub_norm = Counter(), Counter(), Counter()
    errors = []
    for record in records:
        text = str(record["text"])
        gold = {(e["label"], e["start"], e["end"]): e for e in record["entities"]}  # type: ignore[union-attr]
        predicted = {(h.label, h.start, h.end): h for h in scan(text)}
        for key, hit in predicted.items():
            if key in gold:
                tp[hit.label] += 1
                subtype = f"{hit.label}/{gold[key]['subtype']}"
                sub_tp[subtype] += 1
                if hit.norm == gold[key]["norm"]:
                    norm_ok[hit.label] += 1
                    sub_norm[subtype] += 1
                else:
                    errors.append(f"NORM {record['id']} {hit.label} {text[hit.start:hit.end]!r}: {hit.norm!r} != "
                                  f"{gold[key]['norm']!r}")
            else:
                fp[hit.label] += 1
                errors.append(f"FP   {record['id']} {hit.label} {text[hit.start:hit.end]!r}")
        for key, entity in gold.items():
            if key not in predicted:
                fn[entity["label"]] += 1
                sub_fn[f"{entity['label']}/{entity['subtype']}"] += 1
                errors.append(f"FN   {record['id']} {entity['label']}/{entity['subtype']} {entity['text']!r}")
    by_label = {label: Score(tp[label], fp[label], fn[label], norm_ok[label]) for label in LABELS
                if tp[label] + fp[label] + fn[label]}
    subtypes = sorted(set(sub_tp) | set(sub_fn))
    by_subtype = {s: Score(sub_tp[s], 0, sub_fn[s], sub_norm[s]) for s in subtypes}
    return Report(by_label, by_subtype, tuple(errors))


def format_report(report: Report) -> str:
    lines = [f"{'label':<15}{'gold':>6}{'pred':>6}{'TP':>6}{'FP':>5}{'FN':>5}{'prec':>8}{'recall':>8}{'norm':>8}"]
    for label, s in report.by_label.items():
        mark = " *" if label in CHECKSUMMED else ""
        lines.append(f"{label:<15}{s.tp + s.fn:>6}{s.tp + s.fp:>6}{s.tp:>6}{s.fp:>5}{s.fn:>5}"
                     f"{s.precision:>8.3f}{s.recall:>8.3f}{s.norm_accuracy:>8.3f}{mark}")
    total = Score(*(sum(getattr(s, f) for s in report.by_label.values()) for f in ("tp", "fp", "fn", "norm_ok")))
    lines.append(f"{'ALL':<15}{total.tp + total.fn:>6}{total.tp + total.fp:>6}{total.tp:>6}{total.fp:>5}{total.fn:>5}"
                 f"{total.precision:>8.3f}{total.recall:>8.3f}{total.norm_accuracy:>8.3f}")
    lines.append("(* checksummed type)\n\nrecall by gold subtype")
    for subtype, s in report.by_subtype.items():
        lines.append(f"  {subtype:<28}{s.tp:>4}/{s.tp + s.fn:<4} {s.recall:.3f}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    verbose = "-v" in args
    paths = [a for a in args if a != "-v"]
    report = evaluate(load(Path(paths[0]) if paths else DEFAULT_PATH))
    print(format_report(report))
    if verbose:
        print("\n" + "\n".join(report.errors))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
