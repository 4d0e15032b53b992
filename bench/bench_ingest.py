"""Ingest throughput on a generated batch: files/s, MB/s and the share of time per stage.

Usage: .venv/bin/python bench/bench_ingest.py [--files 1000] [--chunk 50] [--no-ner] [--no-topics] [--with-server]
[--cold] [--linger SECONDS]

A 3-file batch is ingested first in the same data directory (untimed, its cost printed) unless ``--cold``: what
a deployment pays once (creating the indices, Prefect's database) is not the fixed cost of each batch.

``--with-server`` starts a Prefect server, a worker of the work pool and the enrichment service (models kept
loaded) for the temporary data directory first (not timed), as ``evidex server start`` would (the worker reads the bench's settings from the data
directory's ``evidex.toml``), so the fixed cost is the one a deployment with a running server pays. The batch
then hands its cross-reference refresh to the pool; how long after the batch's summary that run ends is
printed too.

``--linger S`` sets ``prefect_linger_s``: the first batch's temporary Prefect server stays up idle, and the
timed batch adopts it instead of booting its own (what a batch within S seconds of the last one pays; without
it, each batch with no server pays the boot). The lingering server is stopped at the end.

The fixed cost is the batch's wall time not spent on its work: Prefect's start (import, temporary server, flow
run), the workers' start, the first chunk's wait for the enrichment models (``models``: loading beside Prefect's
start is not waited for, but it slows that start on a busy machine) and the finish, less the registration and the chunks that ran meanwhile (the batch's
first chunks are processed while Prefect starts, ``flows.headstart``; their time is counted in their stages,
and only the part before the flow asked for the handover is taken off the start-up).

Runs against the configured Elasticsearch (EVIDEX_ES_URL) or the local node (started if needed), in a
temporary data directory and a throw-away index prefix. Prints figures; asserts nothing.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


FIXED = ("prefect_start", "startup", "workers", "models", "finish")
KEPT = {"data_dir", "es_dir", "es_index_prefix", "chunk_size", "hmac_secret", "ner_enabled", "enrich_workers",
        "topics_enabled", "prefect_server_port", "worker_poll_s",
        "prefect_linger_s"}


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
    parser.add_argument("--linger", type=float, default=0.0,
                        help="prefect_linger_s: the timed batch adopts the first batch's temporary server.")
    parser.add_argument("--first-batch", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--settings", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.first_batch:
        from evidex.pipeline.batch import BatchSpec
        from evidex.settings import load_settings
        from flows.runtime import run_ingest

        first = run_ingest(BatchSpec(args.first_batch, "knpa", "B0"), load_settings(**json.loads(args.settings)))
        if first.xref_run:  # its cross-reference run in the pool's worker would take CPU from the timed batch
            _await_run(first.xref_run)
        return

    from evidex.settings import load_settings

    base = load_settings()
    state: dict = {}
    with tempfile.TemporaryDirectory() as tmp:
        try:
            _bench(args, base, Path(tmp), state)
        finally:  # before the data directory goes: a server, a worker or a lingering server must not outlive it
            if (settings := state.get("settings")) is not None:
                from flows.serverctl import stop_server
                from flows.tempdaemon import home_of, stop_lingering

                stop_server(settings)
                stop_lingering(home_of(settings))
                _drop_indices(settings)


def _bench(args: argparse.Namespace, base, tmp: Path, state: dict) -> None:
    from evidex.pipeline.batch import BatchSpec
    from evidex.samples import write_generated_batch
    from evidex.settings import load_settings

    prefix = f"bench{uuid.uuid4().hex[:8]}"
    settings = load_settings(data_dir=tmp / "data", es_dir=base.es_home, es_index_prefix=prefix,
                             chunk_size=args.chunk, hmac_secret="bench", ner_enabled=not args.no_ner,
                             enrich_workers=args.enrich_workers,
                             topics_enabled=not args.no_topics, prefect_linger_s=args.linger)
    state["settings"] = settings
    batch = write_generated_batch(tmp / "batch", args.files)
    size = sum(p.stat().st_size for p in batch.rglob("*") if p.is_file())
    from flows.runtime import run_ingest

    if args.with_server:
        from flows.serverctl import start_enricher, start_server, start_worker

        settings = load_settings(**{**settings.model_dump(include=KEPT), "prefect_server_port": 4290,
                                    "worker_poll_s": 2.0})
        state["settings"] = settings
        _write_toml(settings)
        url = start_server(settings).url
        start_worker(settings, url)
        start_enricher(settings)
        print(f"Prefect server up at {url}, a worker of pool {settings.work_pool!r} and the enrichment service "
              "started (not timed)")
        _await_ready_pool(settings, url)  # before the first batch, which makes the pool's xref deployment once
    if not args.cold:  # a deployment's first batch creates the indices and Prefect's database: not per batch
        first = write_generated_batch(tmp / "first", 3)
        t0 = time.perf_counter()
        # in its own process, as `evidex ingest` runs: this one must start Prefect afresh for the timed batch
        subprocess.run([sys.executable, __file__, "--first-batch", str(first), "--settings",
                        settings.model_dump_json(include=KEPT)], check=True)
        print(f"first batch of a new data directory (3 files, own process, not timed below): "
              f"{time.perf_counter() - t0:.2f} s")
    machine0, own0, procs0 = _machine_cpu(), time.process_time(), _process_cpu()
    started = time.perf_counter()
    summary = run_ingest(BatchSpec(batch, "knpa", "B1"), settings)
    wall = time.perf_counter() - started
    machine_s, own_s, procs = _machine_cpu() - machine0, time.process_time() - own0, _process_cpu()
    returned = time.monotonic()
    timings = summary.timings
    fixed = {k: timings.get(k, 0.0) for k in FIXED}
    # chunks processed while Prefect started (flows.headstart): that start-up time was not waiting
    hidden = timings.get("headstart", 0.0)
    stages = {
        "fixed cost (Prefect, workers)": sum(fixed.values()) - hidden,
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
    cores = os.cpu_count() or 1
    print(f"CPU during the batch: {machine_s:.2f} s for the whole machine, {100 * machine_s / (cores * wall):.0f} % "
          f"of its {cores} cores over the wall time; the run's own process {own_s:.2f} s")
    by_kind: dict[str, float] = {}
    for pid, (kind, secs) in procs.items():
        used = secs - procs0.get(pid, (kind, 0.0))[1]  # a process started during the batch: all of its time
        if used > 0:
            by_kind[kind] = by_kind.get(kind, 0.0) + used
    print("  by process (an exited one counted in its parent, once reaped): " + ", ".join(
        f"{k} {v:.2f} s" for k, v in sorted(by_kind.items(), key=lambda kv: -kv[1]) if v >= 0.05))
    print(f"steady state (chunks only, after start-up): {steady:.2f} s   files/s: "
          f"{summary.items_processed / steady:.1f}   MB/s: {size / steady / 1e6:.3f}")
    print("shares of wall time (extraction runs ahead in worker processes, so its share is the time the "
          "pipeline waited for it):")
    for name, secs in stages.items():
        print(f"  {name:<30} {secs:8.2f} s  {100 * secs / wall:5.1f} %")
    print(f"  {'start-up and other':<30} {other:8.2f} s  {100 * other / wall:5.1f} %")
    print("fixed cost of the batch: " + ", ".join(f"{k} {v:.2f} s" for k, v in fixed.items())
          + f", less {hidden:.2f} s of chunks processed meanwhile (counted in their stages)"
          + f" = {sum(fixed.values()) - hidden:.2f} s")
    if "workers.headstart" in timings:
        print(f"  chunks began while Prefect started: workers started in {timings['workers.headstart']:.2f} s "
              "beside Prefect's start (part of prefect_start)")
        # Prefect's start still takes CPU: on a busy machine it shows as slower chunks beside it, not as waiting
        early_items, early_s = timings.get("headstart.items", 0.0), timings.get("headstart.chunks_wall", 0.0)
        late_items = summary.items_processed - early_items
        late_s = timings.get("chunks_wall", 0.0) - early_s
        if early_items and late_items and late_s > 0:
            slower = max(0.0, early_s - early_items * late_s / late_items)
            print(f"  chunks beside Prefect's start: {early_items:.0f} items in {early_s:.2f} s "
                  f"({early_items / early_s:.1f}/s), after the handover {late_items:.0f} in {late_s:.2f} s "
                  f"({late_items / late_s:.1f}/s): {slower:.2f} s slower than at the later pace (model loading "
                  f"included), so at most {sum(fixed.values()) - hidden + slower:.2f} s of fixed cost counting it")
    if timings.get("workers.enrich_service"):
        print(f"  models: kept loaded by the enrichment service ({timings['workers.enrich_service']:.0f} chunks "
              f"enriched there); the first chunk waited {timings.get('models', 0.0):.2f} s for them")
    else:
        print(f"  models: the slowest enrichment worker loaded them in {timings.get('workers.models_loaded', 0.0):.2f} s "
              f"from its start (beside Prefect's start when the run boots a temporary server); the first chunk waited "
              f"{timings.get('models', 0.0):.2f} s for them (the 'models' part of the fixed cost)")
    if summary.xref_run:
        print(f"  finish: cross-reference refresh handed to the work pool in "
              f"{timings.get('finish.xref_handoff', 0.0):.2f} s (its run is not part of the batch)")
    else:
        print(f"  finish: cross-reference refresh {timings.get('finish.xref', 0.0):.2f} s alongside the "
              "receipt and the custody anchor")
    parts = {k.split(".", 1)[1]: v for k, v in timings.items() if k.startswith("prefect_start.")}
    ahead = timings.get("register_ahead", 0.0)
    flow_run = max(0.0, fixed["prefect_start"] + ahead - sum(parts.values()))
    print("  prefect_start: " + ", ".join(f"{k} {v:.2f} s" for k, v in parts.items())
          + f", flow run created and closed {flow_run:.2f} s; less {ahead:.2f} s of registration done "
          "meanwhile (counted in store+hash)")
    slowest = max((v, k) for k, v in stages.items() if not k.startswith("fixed"))
    print(f"end-to-end against the slowest stage ({slowest[1]}, {slowest[0]:.2f} s): "
          f"{100 * slowest[0] / wall:.0f} % of its throughput (goal: at least 70 %)")
    if summary.xref_run:
        state, ended = _await_run(summary.xref_run)
        print(f"  the pool's cross-reference run {state} {ended - returned:.2f} s after the batch's "
              "summary (a worker process: Prefect, the flow, the count)")
        if not state.startswith("completed"):
            log = settings.data_dir / "logs" / "prefect-worker.log"
            print(log.read_text(errors="replace")[-3000:] if log.exists() else f"no {log}")
    t0 = time.perf_counter()
    again = run_ingest(BatchSpec(batch, "knpa", "B1"), settings)
    print(f"re-run of the finished batch: {time.perf_counter() - t0:.2f} s (already done: "
          f"{again.already_done}; from the catalogue, no Prefect)")
    print(json.dumps({"statuses": summary.statuses}, ensure_ascii=False))


def _machine_cpu() -> float:
    """Seconds of CPU the whole machine has spent busy (``/proc/stat``: all but idle and iowait), or 0."""
    try:
        fields = Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]
    except OSError:
        return 0.0
    ticks = [int(f) for f in fields]
    return (sum(ticks) - ticks[3] - ticks[4]) / os.sysconf("SC_CLK_TCK")


def _process_cpu() -> dict[int, tuple[str, float]]:
    """Each live process's CPU seconds so far (user + system, its reaped children's included), with a short
    name of what it runs."""
    tick = os.sysconf("SC_CLK_TCK")
    out: dict[int, tuple[str, float]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            argv = (entry / "cmdline").read_bytes().split(b"\0")
        except OSError:
            continue
        fields = stat.rsplit(")", 1)[1].split()
        out[int(entry.name)] = (_kind(argv), sum(int(f) for f in fields[11:15]) / tick)
    return out


def _kind(argv: list[bytes]) -> str:
    """What a process is, from its command line (the bench's own groups; else the program's name)."""
    line = b" ".join(argv).decode(errors="replace")
    for needle, kind in (("org.elasticsearch", "elasticsearch"), ("enrich_service", "enrichment service"),
                         ("uvicorn", "prefect server"), ("prefect.server", "prefect server"),
                         ("server start", "prefect server"), ("worker start", "prefect worker"),
                         ("forkserver", "forkserver workers"), ("multiprocessing", "multiprocessing children"),
                         ("bench_ingest", "the run (bench process)")):
        if needle in line:
            return kind
    return Path(argv[0].decode(errors="replace")).name or "?"


def _drop_indices(settings) -> None:
    """Every index of the bench's prefix (records too), by name: wildcard deletes are refused."""
    from evidex.node.client import make_client

    client = make_client(settings)
    made = list(client.indices.get(index=f"{settings.es_index_prefix}-*", ignore_unavailable=True,
                                   allow_no_indices=True))
    if made:
        client.indices.delete(index=",".join(made), ignore_unavailable=True)


def _write_toml(settings) -> None:
    """The bench's settings where the worker's flow runs read theirs (``<data_dir>/evidex.toml``)."""
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    # paths absolute: the worker runs its flow runs in a working directory of their own
    kept = {k: (str(v.resolve()) if isinstance(v, Path) else v) for k, v in settings.model_dump(include=KEPT).items()
            if v is not None and k != "data_dir"}
    (settings.data_dir / "evidex.toml").write_text("".join(f"{k} = {json.dumps(v)}\n" for k, v in kept.items()))


def _await_ready_pool(settings, url: str, timeout_s: float = 300.0) -> None:
    """Until the worker has polled the pool once (not timed; over plain HTTP: this process must not import
    Prefect before the timed batch, which pays that import as `evidex ingest` does)."""
    import urllib.request

    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"{url}/work_pools/{settings.work_pool}", timeout=5) as response:
                if json.loads(response.read()).get("status") == "READY":
                    return
        except OSError:  # the worker makes the pool when it starts
            pass
        time.sleep(0.5)
    print("the worker did not poll the pool in time: the batch refreshes the cross-reference itself")


def _await_run(run_id: str, timeout_s: float = 600.0) -> tuple[str, float]:
    """The final state of a flow run and when it was seen."""
    from uuid import UUID

    from prefect.client.orchestration import get_client

    deadline = time.monotonic() + timeout_s
    with get_client(sync_client=True) as client:
        while time.monotonic() < deadline:
            state = client.read_flow_run(UUID(run_id)).state
            if state is not None and state.is_final():
                said = f" ({state.message})" if state.message and not state.is_completed() else ""
                return state.name.lower() + said, time.monotonic()
            time.sleep(0.2)
    return "still running", time.monotonic()


if __name__ == "__main__":
    main()
