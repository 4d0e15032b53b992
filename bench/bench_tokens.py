"""Cost of identifier tokens at index time: documents/s with tokens against the same work without them.

Usage: .venv/bin/python bench/bench_tokens.py [--docs 3000] [--rounds 3]

Generates bilingual documents dense with personal identifiers (phones, e-mails, resident numbers, cards), then
times the index-time steps that tokens touch — analysis (Kiwi, spaCy lemmas), building the index document and
bulk indexing into a throw-away index — once with tokens and once with raw values (the old behaviour), alternating
rounds in the same run. The identifier scan itself runs in both modes (pivots and counts need it) and is timed
apart. Prints figures; asserts nothing.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def rrn(rng: random.Random) -> str:
    body = f"{rng.randint(50, 99):02d}{rng.randint(1, 12):02d}{rng.randint(1, 28):02d}{rng.choice('12')}" \
           f"{rng.randint(0, 99999):05d}"
    weights = [2, 3, 4, 5, 6, 7, 8, 9, 2, 3, 4, 5]
    check = (11 - sum(int(d) * w for d, w in zip(body, weights)) % 11) % 10
    return f"{body[:6]}-{body[6:]}{check}"


def card(rng: random.Random) -> str:
    digits = [4] + [rng.randint(0, 9) for _ in range(14)]
    total = sum(d if i % 2 else (d * 2 - 9 if d * 2 > 9 else d * 2) for i, d in enumerate(reversed(digits)))
    digits.append((10 - (total + 0) % 10) % 10)
    # recompute with the check digit in place (Luhn over all 16 digits must be 0 mod 10)
    for check in range(10):
        digits[-1] = check
        s = sum(d if i % 2 == 0 else (d * 2 - 9 if d * 2 > 9 else d * 2) for i, d in enumerate(reversed(digits)))
        if s % 10 == 0:
            break
    text = "".join(map(str, digits))
    return "-".join(text[i : i + 4] for i in range(0, 16, 4))


def documents(count: int, seed: int = 11) -> list[str]:
    from evidex.samples import EN_LINES, KO_LINES

    rng = random.Random(seed)
    out = []
    for _ in range(count):
        lines = rng.sample(KO_LINES, 3) + rng.sample(EN_LINES, 2)
        lines.append(f"연락처 010-{rng.randint(1000, 9999)}-{rng.randint(1000, 9999)}, 메일 "
                     f"user{rng.randint(1, 10**6)}@example.com, 주민번호 {rrn(rng)}, 카드 {card(rng)}")
        out.append("\n".join(lines))
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--docs", type=int, default=3000)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()

    from evidex.node.client import make_client
    from evidex.pipeline.indexer import BulkIndexer
    from evidex.settings import load_settings
    from extractors.base import Extracted, Status
    from index_config import ensure_indices
    from index_config.analysis import analyse_many
    from index_config.documents import build_document
    from models.identifiers import find_identifiers
    from models.identifiers.tokens import blank_identifiers
    from models.types import Enrichment

    settings = load_settings()
    client = make_client(settings)
    texts = documents(args.docs)
    secret = b"bench-secret"
    t0 = time.perf_counter()
    found = [find_identifiers(t, secret=secret) for t in texts]
    scan_s = time.perf_counter() - t0
    ids = sum(len(f) for f in found)

    class Row:
        def __init__(self, n: int) -> None:
            self.item_id = f"bench-{n}"
            self.sha256, self.size, self.path, self.name = "0" * 64, 100, f"doc_{n}.txt", f"doc_{n}.txt"
            self.parent_id, self.root_id, self.depth = None, self.item_id, 0
            self.batch_id, self.agency, self.case_id, self.exhibit = "B", "knpa", "C", None

    rows = [Row(n) for n in range(len(texts))]
    extracted = [Extracted(status=Status.OK, text=t) for t in texts]
    enrichments = [Enrichment(entities=tuple(f)) for f in found]
    analyse_many(texts[:20])  # load Kiwi and spaCy outside the timings

    def one_round(tokens: bool) -> float:
        prefix = f"benchtok{uuid.uuid4().hex[:8]}"
        ensure_indices(client, prefix)
        indexer = BulkIndexer(client, f"{prefix}-docs")
        started = time.perf_counter()
        plain = [blank_identifiers(t, e.entities) if tokens else t for t, e in zip(texts, enrichments)]
        analysed = analyse_many(plain)
        docs = [build_document(r, x, e, shared_with=[], analysed=a, secret=secret, identifier_tokens=tokens)
                for r, x, e, a in zip(rows, extracted, enrichments, analysed)]
        indexer.index(docs)
        elapsed = time.perf_counter() - started
        client.indices.delete(index=f"{prefix}-docs-v1,{prefix}-audit-v1,{prefix}-records-v1", ignore_unavailable=True)
        return elapsed

    with_tokens, without = [], []
    for _ in range(args.rounds):
        without.append(one_round(False))
        with_tokens.append(one_round(True))
    base, tok = statistics.median(without), statistics.median(with_tokens)
    print(f"documents: {len(texts)}, identifiers: {ids} ({ids / len(texts):.1f} per document)")
    print(f"identifier scan (both modes): {len(texts) / scan_s:,.0f} documents/s")
    print(f"analysis + build + bulk index, raw values : {len(texts) / base:,.0f} documents/s (median of {args.rounds})")
    print(f"analysis + build + bulk index, with tokens: {len(texts) / tok:,.0f} documents/s")
    print(f"cost of tokens: {100 * (tok / base - 1):+.1f} % time (ratio {tok / base:.3f})")


if __name__ == "__main__":
    main()
