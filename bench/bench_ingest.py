"""Ingest throughput on a generated batch: files/s, MB/s and the share of time per stage.

Usage: .venv/bin/python bench/bench_ingest.py [--files 1000] [--chunk 50] [--no-ner] [--no-topics] [--with-server]
[--cold]

A 3-file batch is ingested first in the same data directory (untimed, its cost printed) unless ``--cold``: what
a deployment pays once (creating the indices, Prefect's database) is not the fixed cost of each batch.

``--with-server`` starts a Prefect server for the temporary data directory first (not timed), as
``evidex server start`` would, so the fixed cost is the one a deployment with a running server pays.

Runs against the configured Elasticsearch (EVIDEX_ES_URL) or the local node (started if needed), in a
temporary data directory and a throw-away index prefix. Prints figures; asserts nothing.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


FIXED = ("prefect_start", "startup", "workers", "finish")
KEPT = {"data_dir", "es_dir", "es_index_prefix", "chunk_size", "hmac_secret", "ner_enabled", "enrich_workers",
        "topics_enabled", "prefect_server_port"}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--files", type=int, default=1000)
    parser.add_argument("--chunk", type=int, default=50)
    parser.add_argument("--no-ner", action="store_true")
    parser.add_argument("--no-topics", action="store_true")
    parser.add_argument("--enrich-workers", type=int, default=2)
    parser.add_argument("--with-server", action="store_true", help="Run with a Prefect server already up.")
    parser.add_argument("--cold", action="store_true",
                        help="Time the first batch of a new data directory (index creation, Prefect's database).")
    parser.add_argument("--first-batch", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--settings", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.first_batch:
        from evidex.pipeline.batch import BatchSpec
        from evidex.settings import load_settings
        from flows.runtime import run_ingest

        run_ingest(BatchSpec(args.first_batch, "knpa", "B0"), load_settings(**json.loads(args.settings)))
        return

    from evidex.node.client import make_client
    from evidex.pipeline.batch import BatchSpec
    from evidex.samples import write_generated_batch
    from evidex.settings import load_settings

    base = load_settings()
    with tempfile.TemporaryDirectory() as tmp:
        prefix = f"bench{uuid.uuid4().hex[:8]}"
        settings = load_settings(data_dir=Path(tmp) / "data", es_dir=base.es_home, es_index_prefix=prefix,
                                 chunk_size=args.chunk, hmac_secret="bench", ner_enabled=not args.no_ner,
                                 enrich_workers=args.enrich_workers,
                                 topics_enabled=not args.no_topics)
        batch = write_generated_batch(Path(tmp) / "batch", args.files)
        size = sum(p.stat().st_size for p in batch.rglob("*") if p.is_file())
        from flows.runtime import run_ingest

        if args.with_server:
            from flows.serverctl import start_server

            settings = load_settings(**{**settings.model_dump(include=KEPT), "prefect_server_port": 4290})
            print(f"Prefect server up at {start_server(settings).url} (not timed)")
        if not args.cold:  # a deployment's first batch creates the indices and Prefect's database: not per batch
            first = write_generated_batch(Path(tmp) / "first", 3)
            t0 = time.perf_counter()
            # in its own process, as `evidex ingest` runs: this one must start Prefect afresh for the timed batch
            subprocess.run([sys.executable, __file__, "--first-batch", str(first), "--settings",
                            settings.model_dump_json(include=KEPT)], check=True)
            print(f"first batch of a new data directory (3 files, own process, not timed below): "
                  f"{time.perf_counter() - t0:.2f} s")
        started = time.perf_counter()
        summary = run_ingest(BatchSpec(batch, "knpa", "B1"), settings)
        wall = time.perf_counter() - started
        try:
            timings = summary.timings
            fixed = {k: timings.get(k, 0.0) for k in FIXED}
            stages = {
                "fixed cost (Prefect, workers)": sum(fixed.values()),
                "store+hash (register)": timings.get("register", 0.0),
                "extraction": timings.get("extract", 0.0) + timings.get("store", 0.0),
                "enrichment + index analysis": timings.get("enrich+analyse", 0.0),
                "building documents": timings.get("build", 0.0),
                "indexing (bulk)": timings.get("index", 0.0),
                "orchestration (Prefect)": timings.get("orchestration", 0.0),
            }
            other = max(0.0, wall - sum(stages.values()))
            print(f"files: {summary.files}, bytes: {size:,}, items: {summary.items_processed}, "
                  f"indexed: {summary.indexed_new}, chunk size: {args.chunk}")
            steady = timings.get("chunks_wall", 0.0) or wall
            print(f"wall: {wall:.2f} s   files/s: {summary.files / wall:.1f}   MB/s: {size / wall / 1e6:.3f}")
            print(f"steady state (chunks only, after start-up): {steady:.2f} s   files/s: "
                  f"{summary.items_processed / steady:.1f}   MB/s: {size / steady / 1e6:.3f}")
            print("shares of wall time (extraction runs ahead in worker processes, so its share is the time the "
                  "pipeline waited for it):")
            for name, secs in stages.items():
                print(f"  {name:<30} {secs:8.2f} s  {100 * secs / wall:5.1f} %")
            print(f"  {'start-up and other':<30} {other:8.2f} s  {100 * other / wall:5.1f} %")
            print("fixed cost of the batch: " + ", ".join(f"{k} {v:.2f} s" for k, v in fixed.items())
                  + f" = {sum(fixed.values()):.2f} s")
            print("  (models load in the enrichment workers: part of enrichment, or of the start where a core is spare)")
            print(f"  finish: cross-reference refresh {timings.get('finish.xref', 0.0):.2f} s alongside the receipt "
                  "and the custody anchor")
            parts = {k.split(".", 1)[1]: v for k, v in timings.items() if k.startswith("prefect_start.")}
            print("  prefect_start: " + ", ".join(f"{k} {v:.2f} s" for k, v in parts.items())
                  + f", flow run created and closed {max(0.0, fixed['prefect_start'] - sum(parts.values())):.2f} s")
            slowest = max((v, k) for k, v in stages.items() if not k.startswith("fixed"))
            print(f"end-to-end against the slowest stage ({slowest[1]}, {slowest[0]:.2f} s): "
                  f"{100 * slowest[0] / wall:.0f} % of its throughput (goal: at least 70 %)")
            t0 = time.perf_counter()
            again = run_ingest(BatchSpec(batch, "knpa", "B1"), settings)
            print(f"re-run of the finished batch: {time.perf_counter() - t0:.2f} s (already done: "
                  f"{again.already_done}; from the catalogue, no Prefect)")
            print(json.dumps({"statuses": summary.statuses}, ensure_ascii=False))
        finally:
            if args.with_server:
                from flows.serverctl import stop_server

                stop_server(settings)
            make_client(settings).indices.delete(index=f"{prefix}-docs-v1,{prefix}-audit-v1", ignore_unavailable=True)


if __name__ == "__main__":
    main()
