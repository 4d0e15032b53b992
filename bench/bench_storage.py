"""Storage side of scaling out: the PostgreSQL catalogue and the S3 store against SQLite and a directory.

Usage: .venv/bin/python bench/bench_storage.py [--items 3000] [--chunk 50] [--blobs 200] [--rounds 3]

Starts a throw-away PostgreSQL (as ``evidex-pg`` under root) and s3proxy on loopback (``evidex/custody/localparts``),
then times, medians of ``--rounds``, in the same run:
* coordination per chunk: ``claim`` of ``--chunk`` items + ``mark_done`` of them, ms per chunk, one worker and
  two worker processes at once (PostgreSQL and SQLite);
* appending a custody record (file chain against the PostgreSQL chain), ms per record;
* storing and reading back small blobs (4–64 KB): S3 bucket against the store directory, blobs/s.
Prints figures and ratios to the embedded baseline; asserts nothing. Loopback PostgreSQL and s3proxy on the same
2 busy cores: a real network adds its round trips.
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from evidex.custody.backends import open_catalog, open_store  # noqa: E402
from evidex.custody.catalog import Item, item_id_for  # noqa: E402
from evidex.custody.localparts import LocalPostgres, LocalS3  # noqa: E402
from evidex.settings import load_settings  # noqa: E402

WORKER = """
import sys, time
from evidex.custody.backends import open_catalog
from evidex.settings import load_settings
catalog = open_catalog(load_settings())
chunk, n, spent = int(sys.argv[1]), 0, 0.0
while True:
    t = time.perf_counter()
    items = catalog.claim("b1", chunk, sys.argv[2])
    if not items:
        break
    catalog.mark_done([(i.item_id, "ok", None) for i in items])
    spent += time.perf_counter() - t
    n += 1
print(n, spent)
"""


def _items(count: int) -> list[Item]:
    out = []
    for n in range(count):
        iid = item_id_for("knpa", "C-1", None, None, f"part{n // 200:03d}/doc{n:06d}.txt", "ab" * 32)
        out.append(Item(iid, "b1", "ab" * 32, 1000, f"part{n // 200:03d}/doc{n:06d}.txt", f"doc{n:06d}.txt", None,
                        iid, 0, "knpa", "C-1", None))
    return out


def chunk_ms(settings_kw: dict, items: int, chunk: int, workers: int) -> float:
    """Median ms of claim + mark_done per chunk, with ``workers`` processes draining one batch."""
    catalog = open_catalog(load_settings(**settings_kw))
    catalog.add_items(_items(items))
    env = {**os.environ, "EVIDEX_DATA_DIR": str(settings_kw["data_dir"]),
           "EVIDEX_CATALOG_URL": settings_kw.get("catalog_url", "")}
    procs = [subprocess.Popen([sys.executable, "-c", WORKER, str(chunk), f"w{n}"], env=env, stdout=subprocess.PIPE,
                              text=True) for n in range(workers)]
    chunks, spent = 0, 0.0
    for proc in procs:
        out, _ = proc.communicate(600)
        n, s = out.split()
        chunks, spent = chunks + int(n), spent + float(s)
    assert catalog.counts("b1") == {"ok": items}
    catalog.close()
    return 1000 * spent / max(chunks, 1)


def custody_ms(settings_kw: dict, records: int) -> float:
    log = open_store(load_settings(**settings_kw)).custody
    t = time.perf_counter()
    for n in range(records):
        log.append("items_derived", batch_id="b1", count=1, children=[["p", "ab" * 32, f"x/{n}"]])
    return 1000 * (time.perf_counter() - t) / records


def blobs_per_s(settings_kw: dict, files: list[Path]) -> tuple[float, float]:
    store = open_store(load_settings(**settings_kw)).ensure()
    t = time.perf_counter()
    shas = [store.put(f).sha256 for f in files]
    put = len(files) / (time.perf_counter() - t)
    shutil.rmtree(Path(settings_kw["data_dir"]) / "store" / "cache", ignore_errors=True)  # read from the bucket
    t = time.perf_counter()
    for sha in shas:
        store.blob_path(sha).stat()
    return put, len(files) / (time.perf_counter() - t)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--items", type=int, default=3000)
    parser.add_argument("--chunk", type=int, default=50)
    parser.add_argument("--blobs", type=int, default=200)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    base = Path(tempfile.mkdtemp(prefix="bench-storage-", dir=Path.cwd() / ".test-data"))
    os.chmod(base, 0o755)  # PostgreSQL runs as another user: it must reach its directory
    pg, s3 = LocalPostgres(base / "pg"), LocalS3(base / "s3")
    try:
        pg.start()
        s3.start()
        import boto3
        from botocore.config import Config

        boto3.client("s3", endpoint_url=s3.endpoint, region_name="us-east-1", aws_access_key_id=s3.access_key,
                     aws_secret_access_key=s3.secret_key, config=Config(request_checksum_calculation="when_required",
                                                                         s3={"addressing_style": "path"})
                     ).create_bucket(Bucket="evidex-bench")
        rng = random.Random(7)
        sources = base / "sources"
        sources.mkdir()
        figures: dict[str, list[float]] = {}
        for r in range(args.rounds):
            files = []
            for n in range(args.blobs):
                path = sources / f"r{r}-{n}.bin"
                path.write_bytes(rng.randbytes(rng.randint(4096, 65536)))
                files.append(path)
            for kind in ("sqlite", "postgresql"):
                for workers in (1, 2):
                    kw = {"data_dir": base / f"{kind}-{workers}-{r}"}
                    if kind == "postgresql":
                        kw["catalog_url"] = pg.create_database(f"b{uuid.uuid4().hex[:10]}")
                    figures.setdefault(f"chunk_ms {kind} x{workers}", []).append(
                        chunk_ms(kw, args.items, args.chunk, workers))
                    if workers == 1:
                        figures.setdefault(f"custody_ms {kind}", []).append(custody_ms(kw, 300))
            for kind in ("directory", "s3"):
                kw = {"data_dir": base / f"{kind}-blobs-{r}"}
                if kind == "s3":
                    kw.update(store_url=f"s3://evidex-bench/r{r}", s3_endpoint=s3.endpoint,
                              s3_access_key=s3.access_key, s3_secret_key=s3.secret_key)
                put, get = blobs_per_s(kw, files)
                figures.setdefault(f"put/s {kind}", []).append(put)
                figures.setdefault(f"get/s {kind}", []).append(get)
        med = {k: statistics.median(v) for k, v in figures.items()}
        print(f"medians of {args.rounds} rounds; {args.items} items in chunks of {args.chunk}; {args.blobs} blobs")
        for workers in (1, 2):
            a, b = med[f"chunk_ms sqlite x{workers}"], med[f"chunk_ms postgresql x{workers}"]
            print(f"claim+mark_done per chunk, {workers} worker(s): sqlite {a:.2f} ms, postgresql {b:.2f} ms "
                  f"({b / a:.2f}x sqlite)")
        a, b = med["custody_ms sqlite"], med["custody_ms postgresql"]
        print(f"custody append: file {a:.2f} ms, postgresql {b:.2f} ms ({b / a:.2f}x file)")
        for op in ("put", "get"):
            a, b = med[f"{op}/s directory"], med[f"{op}/s s3"]
            print(f"blob {op}: directory {a:.0f}/s, s3proxy {b:.0f}/s ({b / a:.2f}x directory)")
    finally:
        s3.stop()
        pg.stop()
        shutil.rmtree(base, ignore_errors=True)


if __name__ == "__main__":
    main()
