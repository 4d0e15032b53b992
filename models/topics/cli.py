"""Command line: ``python -m models.topics train|evaluate|list|classify|discover``.

The project CLI (``evidex topics …``, ``evidex classify``) wraps the same functions.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path

from models.topics.artifacts import ARTIFACT_ROOT, CURRENT_DIR, retrain
from models.topics.corpus import load_corpus
from models.topics.discovery import discover
from models.topics.evaluation import cross_validate, evaluate, format_report
from models.topics.model import TopicModel, read_metrics
from models.topics.realistic import load_realistic
from models.topics.routing import route
from models.topics.taxonomy import load_taxonomy


def read_labelled_jsonl(path: Path) -> list[tuple[str, list[str]]]:
    """``(text, labels)`` pairs from JSON lines with ``text`` and ``labels`` keys."""
    pairs = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip():
            rec = json.loads(line)
            pairs.append((str(rec["text"]), [str(x) for x in rec["labels"]]))
    return pairs


def _cmd_list(args: argparse.Namespace) -> None:
    taxonomy = load_taxonomy(args.extra_taxonomy)
    thresholds = read_metrics(args.artifact).get("thresholds", {})
    topics = taxonomy.for_agency(args.agency) if args.agency else taxonomy.topics
    if args.json:
        print(json.dumps([{"id": t.id, "name_ko": t.name_ko, "name_en": t.name_en, "agencies": list(t.agencies),
                           "threshold": thresholds.get(t.id)} for t in topics], ensure_ascii=False, indent=2))
        return
    for t in topics:
        cut = f"{thresholds[t.id]:.3f}" if t.id in thresholds else "untrained"
        print(f"{t.id:22} {cut:>9}  {','.join(t.agencies):10} {t.name_ko} / {t.name_en}")


def _cmd_train(args: argparse.Namespace) -> None:
    taxonomy = load_taxonomy(args.extra_taxonomy)
    extra = [pair for path in args.labels for pair in read_labelled_jsonl(Path(path))]
    result = retrain(taxonomy, extra, seed=args.seed, root=args.root, promote=not args.no_promote)
    print(f"candidate {result.version} at {result.candidate_dir}")
    print(f"test macro-F1 {result.test.model.macro_f1:.4f} (keywords {result.test.keywords.macro_f1:.4f})")
    print(f"promoted: {result.decision.promoted} — {result.decision.reason}")


def _cmd_evaluate(args: argparse.Namespace) -> None:
    taxonomy = load_taxonomy(args.extra_taxonomy)
    comparisons = [evaluate(args.artifact, load_corpus("test"), taxonomy)]
    if args.cv:
        comparisons.insert(0, cross_validate(load_corpus("train"), taxonomy, seed=args.seed))
    report = route(TopicModel.load(args.artifact), load_realistic(taxonomy=taxonomy), taxonomy)
    if args.json:
        print(json.dumps({"comparisons": [c.to_dict() for c in comparisons],
                          "realistic": [row.__dict__ for row in report.rows]}, ensure_ascii=False, indent=2))
    else:
        print(format_report(comparisons))
        print("\nHand-written realistic set (models/topics/data/realistic_eval.txt):")
        print(report.format())


def _cmd_classify(args: argparse.Namespace) -> None:
    text = sys.stdin.read() if args.file == "-" else Path(args.file).read_text(encoding="utf-8", errors="replace")
    decision = TopicModel.load(args.artifact).decide([text])[0]
    if args.json:
        print(json.dumps({"state": decision.state, "topics": [{"label": t.label, "score": t.score}
                                                               for t in decision.topics],
                          "best": {"label": decision.best.label, "score": decision.best.score}
                          if decision.best else None}, ensure_ascii=False))
    else:
        for t in decision.topics:
            print(f"{t.label}\t{t.score:.3f}")
        if decision.state != "assigned" and decision.best is not None:
            print(f"({decision.state}: best guess {decision.best.label} {decision.best.score:.3f})")


def _cmd_discover(args: argparse.Namespace) -> None:
    texts = [rec for path in args.files for rec in Path(path).read_text(encoding="utf-8").split(args.separator)]
    for cluster in discover([t for t in texts if t.strip()], args.n_topics, args.seed):
        print(f"{cluster.cluster_id:3} ({len(cluster.doc_indices)} docs): {', '.join(cluster.top_terms)}")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m models.topics", description="Topic classifier.")
    sub = parser.add_subparsers(dest="command", required=True)
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--extra-taxonomy", action="append", default=[], metavar="DIR",
                        help="directory of agency taxonomy *.toml files (repeatable)")
    common.add_argument("--artifact", type=Path, default=CURRENT_DIR, help="model directory")
    common.add_argument("--json", action="store_true")
    p = sub.add_parser("list", parents=[common], help="list topics and their thresholds")
    p.add_argument("--agency")
    p.set_defaults(func=_cmd_list)
    p = sub.add_parser("train", parents=[common], help="train a candidate, promote it if not worse")
    p.add_argument("--labels", action="append", default=[], metavar="JSONL", help="analyst labels (repeatable)")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--root", type=Path, default=ARTIFACT_ROOT, help="artifact root (candidates/, current/)")
    p.add_argument("--no-promote", action="store_true")
    p.set_defaults(func=_cmd_train)
    p = sub.add_parser("evaluate", parents=[common], help="score a model and the keyword baseline")
    p.add_argument("--cv", action="store_true", help="also run nested cross-validation (slow)")
    p.add_argument("--seed", type=int, default=0)
    p.set_defaults(func=_cmd_evaluate)
    p = sub.add_parser("classify", parents=[common], help="topics of a text file or standard input")
    p.add_argument("file", nargs="?", default="-")
    p.set_defaults(func=_cmd_classify)
    p = sub.add_parser("discover", help="NMF themes of documents (one per line unless --separator)")
    p.add_argument("files", nargs="+")
    p.add_argument("--n-topics", type=int, default=8)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--separator", default="\n")
    p.set_defaults(func=_cmd_discover)
    return parser


def main(argv: Sequence[str] | None = None) -> None:
    args = build_parser().parse_args(argv)
    args.func(args)
