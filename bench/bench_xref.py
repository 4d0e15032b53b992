"""Cross-reference time for one case as the case grows: 10,000 → 30,000 → 100,000 documents.

Usage: .venv/bin/python bench/bench_xref.py [--sizes 10000,30000,100000] [--others 50000]

Loads generated documents straight into a throw-away index (no NLP: each carries identifier hashes and name keys
drawn from pools, a few values shared with other agencies, a few everywhere), then times
``CrossReference.compute`` for the police's case at each size, beside a plain count of the case's documents.
Prints figures; asserts nothing.
"""

from __future__ import annotations

import argparse
import random
import sys
import tempfile
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="10000,30000,100000")
    parser.add_argument("--others", type=int, default=50_000, help="documents of the other agencies")
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]

    from elasticsearch import helpers

    from evidex.node.client import make_client
    from evidex.search.builder import SearchService
    from evidex.search.identity import User
    from evidex.search.xref import CrossReference
    from evidex.settings import load_settings
    from index_config import ensure_indices

    settings = load_settings()
    client = make_client(settings)
    prefix = f"benchx{uuid.uuid4().hex[:8]}"
    ensure_indices(client, prefix)
    alias = f"{prefix}-docs"
    rng = random.Random(3)
    shared = [f"{n:032x}" for n in range(2000)]            # values that also occur at other agencies
    own_only = [f"{n + 10**6:032x}" for n in range(200_000)]
    common = [f"{n + 10**7:032x}" for n in range(5)]      # in many documents everywhere
    names = [f"PERSON|이름{n}" for n in range(50_000)]

    def docs(agency: str, case: str, count: int, start: int):  # noqa: ANN202
        for n in range(start, start + count):
            pool = shared if rng.random() < 0.05 else own_only
            hashes = [rng.choice(pool) for _ in range(3)] + ([rng.choice(common)] if rng.random() < 0.3 else [])
            yield {"_index": alias, "_id": f"{agency}-{n}", "_source": {
                "item_id": f"{agency}-{n}", "path": f"{agency}/{n}.txt", "title": f"{n}", "agency": agency,
                "owner_agency": agency, "shared_with": [], "case_id": case, "batch_id": f"{agency}-b{n // 5000}",
                "status": "ok", "pii_hashes": hashes, "xref_keys": [rng.choice(names)], "pii_masks": {}}}

    def load(gen) -> None:  # noqa: ANN001
        helpers.bulk(client, gen, chunk_size=5000, request_timeout=120)

    started = time.perf_counter()
    for agency in ("fsc", "pipc"):
        load(docs(agency, f"{agency.upper()}-1", args.others // 2, 0))
    with tempfile.TemporaryDirectory() as tmp:
        service = SearchService(client, prefix, Path(tmp), b"bench")
        xref = CrossReference(service, Path(tmp))
        user = User("kim", "knpa", ("investigator",))
        loaded = 0
        print(f"other agencies' documents: {args.others:,} (loaded in {time.perf_counter() - started:.0f} s)")
        for size in sizes:
            load(docs("knpa", "K1", size - loaded, loaded))
            loaded = size
            client.indices.refresh(index=alias)
            t0 = time.perf_counter()
            client.count(index=alias, query={"term": {"case_id": "K1"}})
            count_s = time.perf_counter() - t0
            t0 = time.perf_counter()
            result = xref.compute(user, case_id="K1", limit=200)
            took = time.perf_counter() - t0
            print(f"case of {size:>7,} documents: {result.values_checked:>7,} values checked, "
                  f"{len(result.matches)} shown, {took:6.2f} s  (plain count {count_s * 1000:.0f} ms)")
    client.indices.delete(index=f"{prefix}-docs-v1,{prefix}-audit-v1,{prefix}-records-v1", ignore_unavailable=True)


if __name__ == "__main__":
    main()
