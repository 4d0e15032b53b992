"""Scaling out on this machine: files/s of one batch with 1, 2 and 3 workers claiming chunks from one catalogue.

Usage: nice -n 10 .venv/bin/python bench/bench_scale.py [--files 300] [--workers 1,2,3] [--chunk 10] [--pg]

For each worker count, a fresh generated batch of ``--files`` files is registered (not timed), then that many
worker processes start at once and claim and process chunks until none is left, exactly as the owner and the
``ingest-chunks`` helpers do (``catalog.pending`` → ``claim`` → ``ChunkProcessor.process`` → ``mark_done``), without
Prefect (its run start-up, seconds per helper, is a fixed cost not measured here). Each worker first processes a
small batch of its own (3 files) before the clock starts, so lazy start-up is not counted. Prints, per count: wall time,
files/s and the ratio to one worker; each worker's items and CPU seconds while it claims and processes (its own and its reaped children's,
``os.times``) as a share of the wall time; the Elasticsearch node's CPU share (``/proc/<pid>/stat``); and the
coordination per chunk: ``pending`` + ``claim`` before and ``mark_done`` after, ms per chunk (medians over
workers). SQLite catalogue by default, ``--pg`` a throw-away PostgreSQL on loopback. The Elasticsearch node is the
configured one (``EVIDEX_ES_DIR``; default the shared test node under ``.test-data/es`` when present). NER and
topics are off (``--ner`` turns NER on). Asserts nothing.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

WORKER = """
import json, sys, time
from evidex.custody.backends import open_catalog, open_store
from evidex.node.client import make_client
from evidex.pipeline.batch import ChunkProcessor
from evidex.pipeline.register import spec_of_stored_batch
from evidex.settings import load_settings

batch_id, name, warm_id = sys.argv[1], sys.argv[2], sys.argv[3]
settings = load_settings()
client = make_client(settings, start_local=False)
store, catalog = open_store(settings).ensure(), open_catalog(settings)
spec = spec_of_stored_batch(catalog.batch(batch_id))
processor = ChunkProcessor(settings, store, catalog, client, spec)
coordination, items, mark = [], 0, {"s": 0.0}
real_mark = catalog.mark_done

def timed_mark(results):
    t = time.perf_counter()
    real_mark(list(results))
    mark["s"] += time.perf_counter() - t

catalog.mark_done = timed_mark  # the real call, timed
warm = ChunkProcessor(settings, store, catalog, client, spec_of_stored_batch(catalog.batch(warm_id)))
while chunk := catalog.claim(warm_id, 1, name):  # this worker's own small batch: lazy start-up before the clock
    warm.process(chunk)
warm.close()
sys.stdout.write("ready\\n"); sys.stdout.flush(); sys.stdin.readline()
started, cpu0 = time.perf_counter(), sum(os.times()[:4])
while True:
    t = time.perf_counter()
    pending = catalog.pending(batch_id, 2 * settings.chunk_size)
    if not pending:
        break
    current = catalog.claim(batch_id, settings.chunk_size, name)
    before = time.perf_counter() - t
    if not current:
        continue
    mark["s"] = 0.0
    processor.process(current, pending[settings.chunk_size:])
    coordination.append((before + mark["s"]) * 1000)
    items += len(current)
processor.close()
print(json.dumps({"items": items, "chunks": len(coordination), "seconds": time.perf_counter() - started,
                  "cpu_s": sum(os.times()[:4]) - cpu0,
                  "coordination_ms": statistics.median(coordination) if coordination else 0.0}))
""".replace("import json, sys, time", "import json, os, statistics, sys, time")


def proc_cpu(pid: int | None) -> float:
    """CPU seconds (user + system) of a running process, 0 when unknown."""
    if not pid:
        return 0.0
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def one_run(base, count: int, files: int, tmp: Path, catalog_url: str, run: int) -> dict:
    from evidex.custody.backends import open_catalog, open_store
    from evidex.node.client import make_client
    from evidex.pipeline.register import BatchSpec, register_batch
    from evidex.samples import write_generated_batch
    from index_config import ensure_indices

    data = tmp / f"data-{run}"
    prefix = f"bench{uuid.uuid4().hex[:8]}"
    toml = {**base, "es_index_prefix": prefix, "catalog_url": catalog_url}
    data.mkdir(parents=True)
    (data / "evidex.toml").write_text("".join(f"{k} = {json.dumps(v)}\n" for k, v in toml.items()))
    from evidex.settings import load_settings

    settings = load_settings(data_dir=data)
    client = make_client(settings, start_local=False)
    ensure_indices(client, prefix)
    store, catalog = open_store(settings).ensure(), open_catalog(settings)
    info = register_batch(store, catalog, BatchSpec(write_generated_batch(tmp / f"batch-{run}", files), "knpa",
                                                    f"B{count}"))
    warm = [register_batch(store, catalog, BatchSpec(write_generated_batch(tmp / f"warm-{run}-{i}", 3), "knpa",
                                                     f"W{run}-{i}")).batch_id for i in range(count)]
    catalog.close()
    env = {**os.environ, "EVIDEX_DATA_DIR": str(data)}
    procs = [subprocess.Popen([sys.executable, "-c", WORKER, info.batch_id, f"bench-{i}", warm[i]], env=env,
                              cwd=REPO,
                              stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True) for i in range(count)]
    for proc in procs:
        assert proc.stdout.readline().strip() == "ready"
    from evidex.node.local import LocalNode

    es_pid = LocalNode(settings).pid()
    es_before, started = proc_cpu(es_pid), time.perf_counter()
    for proc in procs:
        proc.stdin.write("go\n")
        proc.stdin.flush()
    workers = []
    for proc in procs:
        out, _ = proc.communicate()
        workers.append(json.loads(out.strip().splitlines()[-1]))
    wall = time.perf_counter() - started
    es_cpu = proc_cpu(es_pid) - es_before
    names = list(client.indices.get(index=f"{prefix}-*", ignore_unavailable=True, allow_no_indices=True))
    if names:  # by name: the node refuses wildcard deletes
        client.indices.delete(index=",".join(names), ignore_unavailable=True)
    from index_config import specs

    for name in specs():
        client.options(ignore_status=404).indices.delete_index_template(name=f"{prefix}-{name}")
    return {"count": count, "wall": wall, "items": sum(w["items"] for w in workers), "workers": workers,
            "es_cpu": es_cpu}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--files", type=int, default=300)
    parser.add_argument("--workers", default="1,2,3")
    parser.add_argument("--chunk", type=int, default=10)
    parser.add_argument("--pg", action="store_true", help="Catalogue in a throw-away PostgreSQL on loopback.")
    parser.add_argument("--ner", action="store_true")
    args = parser.parse_args()
    from evidex.settings import load_settings

    configured = load_settings()
    shared_node = REPO / ".test-data" / "es"
    es_dir = configured.es_dir or (shared_node if (shared_node / "node.json").exists() else configured.es_home)
    base = {"es_dir": str(es_dir), "hmac_secret": "bench", "workers": 1, "enrich_workers": 1,
            "ner_enabled": args.ner, "topics_enabled": False, "chunk_size": args.chunk}
    load = os.getloadavg()[0]
    pg = None
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        url = ""
        if args.pg:
            from evidex.custody.localparts import LocalPostgres

            os.chmod(tmp, 0o755)
            pg = LocalPostgres(tmp / "pg").start()
        try:
            runs = []
            for run, count in enumerate(int(c) for c in args.workers.split(",")):
                if pg is not None:
                    url = pg.create_database(f"bench{run}")
                runs.append(one_run(base, count, args.files, tmp, url, run))
                print(f"({count} worker(s): {runs[-1]['items']} items in {runs[-1]['wall']:.1f} s)", flush=True)
                from evidex.custody.pg import close_pools

                close_pools()
        finally:
            if pg is not None:
                pg.stop()
    print(f"catalogue: {'PostgreSQL (loopback)' if args.pg else 'SQLite'}; {args.files} generated files per run, "
          f"chunks of {args.chunk}; {os.cpu_count()} cores; load average before: {load:.1f}")
    first = runs[0]["items"] / runs[0]["wall"]
    print(f"{'workers':>7} {'wall s':>7} {'files/s':>8} {'× 1 worker':>10} {'ES CPU share':>12}  per worker: "
          f"items, CPU share of the wall, coordination ms/chunk")
    for run in runs:
        rate = run["items"] / run["wall"]
        per = "; ".join(f"{w['items']} it, {w['cpu_s'] / run['wall']:.2f}, {w['coordination_ms']:.1f} ms"
                        for w in run["workers"])
        print(f"{run['count']:>7} {run['wall']:>7.1f} {rate:>8.1f} {rate / first:>10.2f} "
              f"{run['es_cpu'] / run['wall']:>12.2f}  {per}")
    coordination = statistics.median(w["coordination_ms"] for r in runs for w in r["workers"])
    chunk_s = statistics.median(r["wall"] / max(1, sum(w["chunks"] for w in r["workers"])) * r["count"]
                                for r in runs)
    print(f"coordination (pending + claim + mark_done) per chunk: median {coordination:.1f} ms of "
          f"~{chunk_s * 1000:.0f} ms per chunk ({coordination / (chunk_s * 1000):.1%})")


if __name__ == "__main__":
    main()
