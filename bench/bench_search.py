"""Search latency through the one query builder, beside plain Elasticsearch, and export documents/s.

Usage: .venv/bin/python bench/bench_search.py [--docs 200000] [--rounds 3] [--export-max 200000] [--keep]
       .venv/bin/python bench/bench_search.py --reuse PREFIX   (search the index a --keep run left; kept)
       [--modes hits,service-warm] [--search-only]   (a shorter run: some modes, no part-by-part times or export)

A million documents load in about 50 minutes on two busy cores: load once with ``--keep`` (its own data directory,
e.g. ``EVIDEX_DATA_DIR=/work/bench-node EVIDEX_ES_LOCAL_PORT=9270 EVIDEX_ES_HEAP=3g``), then ``--reuse``.

Builds a throw-away index of generated bilingual documents (agencies, cases, dates, people, organisations,
codenames, identifier tokens) straight from a pool of a few thousand sentences, each analysed once (Kiwi
morphemes, English lemmas, character bigrams), so a million documents load without days of NLP.
Then runs a fixed set of ~100 queries (Korean, English, mixed, phrases, operators, codenames) as a masked
investigator of one agency, alternating in the same run:

- ``service``: ``SearchService.search`` as the API runs it by default (access filter, facets, highlights, masking,
  audit record): hits and facets (themselves two requests) at once, the facets' request cache cleared first
  (cold; the node's query cache, which holds the access filter's bit set on a running service, is kept);
- ``service-warm``: the same with the facets' answer still in Elasticsearch's request cache (the same query again
  on an unchanged index: a next page, another sort);
- ``hits``: ``search(facets=False, exact_total=False)``, what the page asks first;
- ``facets``: ``SearchService.facets``, what the page asks after the hits (request cache cleared first);
- ``one-request``: the service with ``split_facets`` off: aggregations and an exact count in the hits' request,
  as before facets had a request of their own;
- ``no-bigrams``: ``service`` with its ``text_bi``/``text_tri`` clauses taken out of the query;
- ``hits-unmarked``: ``hits`` through the older fields only, as on an index not yet reindexed since ``text_tri``
  and ``text_ko_pairs`` were added: a CJK word of 3+ characters through its bigrams (``text_bi``) instead of its
  trigrams, a word of several morphemes as their phrase in ``text_ko`` instead of the phrase of their pairs.

Prints p50/p95 of each and their ratios to plain, the Elasticsearch node's CPU per query of each mode (one more
pass), where a ``hits`` search's time goes (Elasticsearch wall time, token-table fetch, audit journal, the rest in
Python), Elasticsearch's own time per request part, and export documents/s. Deletes its
indices unless ``--keep``. Asserts nothing.
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import random
import statistics
import sys
import tempfile
import time
import uuid
from collections import defaultdict
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

AGENCIES = [("knpa", 0.4), ("pipc", 0.2), ("fsc", 0.2), ("ftc", 0.2)]
ORGS_KO = ["쿠팡", "네이버", "카카오", "토스", "배민", "당근마켓", "무신사", "야놀자", "넥스트데이터랩", "블루문서버",
           "한빛물류", "세종페이", "다온커머스", "미래정보통신"]
ORGS_EN = ["Coupang", "Naver", "Kakao", "Toss", "Baemin", "Musinsa", "Yanolja", "NextDataLab", "Hanbit Logistics"]
PEOPLE_KO = ["김민수", "이영희", "박지훈", "최수정", "정우진", "강하늘", "윤서연", "장동민", "한지민", "오세훈"]
PEOPLE_EN = ["Kim Minsu", "Lee Younghee", "Park Jihoon", "Choi Sujeong", "Jung Woojin", "Yoon Seoyeon"]
NOUNS_KO = ["고객", "개인정보", "배송지", "결제", "환불", "서버", "접속", "기록", "보고서", "협력사", "계약", "유출",
            "인증", "서명키", "직원", "회의", "송금", "계좌", "조사", "사고", "주문", "회원", "데이터", "백업",
            "로그", "관리자", "비밀번호", "암호화", "정산", "수수료", "광고", "쿠폰", "이메일", "연락처", "위치",
            "탈퇴", "약관", "동의", "제3자", "위탁"]
JOSA = ["의", "가", "는", "를", "와", "에서", "으로", ""]
PREDICATES_KO = ["확인하였다", "보고하였다", "삭제하였다", "유출되었다", "전송하였다", "요청하였다", "검토하였다",
                 "변경하였다", "접근하였다", "보관하였다"]
NOUNS_EN = ["customer", "payment", "refund", "shipping", "address", "server", "access", "log", "contract",
            "account", "transfer", "report", "password", "backup", "membership", "coupon", "invoice", "breach",
            "database", "consent", "vendor", "audit", "key", "employee"]
VERBS_EN = ["paid", "shipped", "reviewed", "leaked", "transferred", "reported", "cancelled", "deleted", "copied",
            "encrypted", "accessed", "approved"]
SYLLABLES = "가나다라마바사아자차카타파하노로누두루무부수우주추쿠투푸후비리미시이지치키티피히몬란론잔탄한"
STATUSES = [("ok", 0.9), ("partial", 0.06), ("encrypted", 0.02), ("corrupt", 0.02)]
TOPICS = ["data_breach", "payments", "logistics", "labour", "advertising", "contracts"]


MODES = ("plain", "service", "service-warm", "hits", "hits-unmarked", "facets", "one-request", "no-bigrams")
COLD = ("service", "facets", "one-request", "no-bigrams")
"""Modes measured with Elasticsearch's request cache cleared first."""


def weighted(rng: random.Random, pairs: list[tuple[str, float]]) -> str:
    return rng.choices([p for p, _ in pairs], weights=[w for _, w in pairs])[0]


class Pool:
    """A few thousand sentences, each analysed once, with the entities, codenames and tokens they carry."""

    def __init__(self, size: int, seed: int, secret: bytes) -> None:
        from index_config.analysis import analyse_many
        from index_config.bigrams import bigrams, trigrams
        from models.identifiers import keyed_hash, mask
        from models.identifiers.tokens import TOKEN_PATTERN, token_for

        rng = random.Random(seed)
        self.codenames = sorted({"".join(rng.choice(SYLLABLES) for _ in range(rng.randint(2, 6)))
                                 for _ in range(300)})
        self.texts: list[str] = []
        self.entities: list[dict[str, list[str]]] = []
        self.tokens: list[dict[str, str]] = []
        for n in range(size):
            people: list[str] = []
            orgs: list[str] = []
            table: dict[str, str] = {}
            if n % 5 < 3:  # Korean, some with English words
                org, person = rng.choice(ORGS_KO), rng.choice(PEOPLE_KO)
                nouns = rng.sample(NOUNS_KO, 3)
                words = [f"{org}{rng.choice(JOSA)}", *(f"{w}{rng.choice(JOSA)}" for w in nouns),
                         f"{person}이", rng.choice(PREDICATES_KO)]
                if rng.random() < 0.3:
                    words.insert(2, f"{rng.choice(NOUNS_EN)} 내역")
                if rng.random() < 0.25:
                    words.insert(1, f"코드명 {rng.choice(self.codenames)}{rng.choice(JOSA)}")
                people.append(person)
                orgs.append(org)
            else:
                org, person = rng.choice(ORGS_EN), rng.choice(PEOPLE_EN)
                a, b, c = rng.sample(NOUNS_EN, 3)
                words = [org, rng.choice(VERBS_EN), "the", a, b, "of", person, "after", "the", c, "review"]
                if rng.random() < 0.1:
                    words += ["codename", rng.choice(self.codenames)]
                people.append(person)
                orgs.append(org)
            if rng.random() < 0.05:
                phone = f"010-{rng.randint(1000, 9999)}-{rng.randint(1000, 9999)}"
                token = token_for("PHONE", keyed_hash("PHONE", phone.replace("-", ""), secret))
                table[token] = mask("PHONE", phone)
                words += ["연락처", token]
            self.texts.append(" ".join(words) + ".")
            self.entities.append({"PERSON": people, "ORG": orgs})
            self.tokens.append(table)
        blank = [TOKEN_PATTERN.sub(" ", t) for t in self.texts]
        analysed = analyse_many(blank)
        self.korean = [ko for ko, _ in analysed]
        self.english = [en for _, en in analysed]
        self.bigrams = [bigrams(t) for t in self.texts]
        self.trigrams = [trigrams(t) for t in self.texts]


def documents(pool: Pool, count: int, seed: int) -> Any:
    """Index source dicts built from pool sentences (nothing analysed per document)."""
    from datetime import date, timedelta

    from index_config.bigrams import SEPARATOR, morpheme_pairs, name_parts

    rng = random.Random(seed)
    start = date(2024, 1, 1)
    size = len(pool.texts)
    for n in range(count):
        picks = [rng.randrange(size) for _ in range(rng.randint(3, 8))]
        agency = weighted(rng, AGENCIES)
        case = f"{agency.upper()}-{rng.randint(1, 3)}"
        name = f"{rng.choice(['report', 'mail', 'dump', '진술서', '회의록'])}_{n}.{rng.choice(['txt', 'pdf', 'eml'])}"
        path = f"{case}/exhibit-{rng.randint(1, 40)}/{name}"
        entities: dict[str, list[str]] = defaultdict(list)
        masks: dict[str, str] = {}
        for i in picks:
            for label, values in pool.entities[i].items():
                entities[label].extend(v for v in values if v not in entities[label])
            masks.update(pool.tokens[i])
        korean = sum(1 for i in picks if pool.korean[i])
        shared = rng.random()
        text = " ".join(pool.texts[i] for i in picks)
        korean_text = " ".join(pool.korean[i] for i in picks if pool.korean[i])
        yield f"bench-{n}", {
            "item_id": f"bench-{n}", "sha256": f"{rng.getrandbits(256):064x}", "size": len(text) * 2,
            "path": path, "name": name, "extension": name.rsplit(".", 1)[1], "content_type": "text/plain",
            "root_id": f"bench-{n}", "depth": 0, "batch_id": f"B-{agency}-{n // 50_000}", "agency": agency,
            "case_id": case, "owner_agency": agency,
            "shared_with": ["task-force"] if shared < 0.2 else (["knpa"] if shared < 0.3 else []),
            "status": weighted(rng, STATUSES), "language": "ko" if korean * 2 >= len(picks) else "en",
            "title": name, "date": (start + timedelta(days=rng.randrange(730))).isoformat(),
            "text": text,
            "text_ko": korean_text,
            "text_en": " ".join(pool.english[i] for i in picks if pool.english[i]),
            "text_bi": f" {SEPARATOR} ".join(pool.bigrams[i] for i in picks if pool.bigrams[i]),
            "text_tri": f" {SEPARATOR} ".join(pool.trigrams[i] for i in picks if pool.trigrams[i]),
            "text_ko_pairs": morpheme_pairs(korean_text),
            "name_terms": name_parts(name), "path_terms": name_parts(path), "text_chars": len(text),
            "entities": dict(entities), "pii_hashes": [t.rsplit("_", 1)[1] for t in masks],
            "pii_masks": masks, "pii_values": {t: "010-0000-0000" for t in masks},
            "topics": rng.sample(TOPICS, rng.randint(0, 2)), "indexed_at": "2026-01-01T00:00:00+00:00",
        }


def load(client: Any, alias: str, pool: Pool, count: int) -> float:
    """Bulk-load ``count`` documents with refresh off and an asynchronous translog; returns documents/s."""
    from evidex.pipeline.indexer import BulkIndexer
    from index_config.documents import IndexDoc

    indexer = BulkIndexer(client, alias)
    indexer.relax_refresh()
    client.indices.put_settings(index=alias, settings={"index": {"translog.durability": "async"}})
    started = time.perf_counter()
    chunk: list[IndexDoc] = []
    with ThreadPoolExecutor(2) as workers:
        pending: list[Any] = []
        for doc_id, source in documents(pool, count, seed=7):
            chunk.append(IndexDoc(doc_id, source))
            if len(chunk) == 2000:
                pending.append(workers.submit(indexer.index, chunk))
                chunk = []
                while len(pending) > 3:
                    pending.pop(0).result()
        if chunk:
            pending.append(workers.submit(indexer.index, chunk))
        for future in pending:
            future.result()
    client.indices.put_settings(index=alias, settings={"index": {"translog.durability": "request"}})
    indexer.restore_refresh()
    return count / (time.perf_counter() - started)


def query_set(pool: Pool, seed: int = 3) -> list[str]:
    """~100 fixed queries: Korean, English, mixed, phrases, operators, codenames, particles."""
    rng = random.Random(seed)
    queries = rng.sample(NOUNS_KO, 20) + [f"{o}의" for o in rng.sample(ORGS_KO, 5)] + rng.sample(ORGS_KO, 5)
    queries += rng.sample(NOUNS_EN, 12) + ["payments", "shipped", "leaking", "reviews", "accounts", "refunded"]
    queries += [f"{rng.choice(ORGS_KO)} {rng.choice(NOUNS_EN)}" for _ in range(10)]
    queries += [f"{rng.choice(NOUNS_KO)} {rng.choice(NOUNS_KO)}" for _ in range(5)]
    queries += ['"고객 개인정보"', '"배송지 정보"', '"shipping address"', '"customer payment"', '"서버 접속"',
                '"paid the refund"', '"계약 유출"', '"access log"']
    queries += ["배송지 | 결제", "쿠팡 -환불", "+협력사 +서버", "refund | chargeback", "customer -coupon",
                "(결제 | 송금) 계좌", "개인정보~1", "passw*", "회원 +탈퇴 -광고", "breach | 유출"]
    queries += rng.sample(pool.codenames, 10)
    queries += [f"{c}가" for c in rng.sample(pool.codenames, 3)] + [c[1:] for c in rng.sample(
        [c for c in pool.codenames if len(c) >= 4], 3)]
    queries += PEOPLE_KO[:3] + ["Lee Younghee", "NextDataLab"]
    return queries


class Timed:
    """Delegates to an object and adds the wall time of each named method call to ``spent``."""

    def __init__(self, target: Any, spent: dict[str, float], names: dict[str, str]) -> None:
        self._target, self._spent, self._names = target, spent, names

    def __getattr__(self, name: str) -> Any:
        value = getattr(self._target, name)
        if name not in self._names or not callable(value):
            return value
        key = self._names[name]

        def timed(*args: Any, **kwargs: Any) -> Any:
            started = time.perf_counter()
            try:
                return value(*args, **kwargs)
            finally:
                self._spent[key] += time.perf_counter() - started

        return timed


def strip_bigrams(clause: Any) -> Any:
    """``clause`` without the parts that read ``text_bi`` or ``text_tri`` (the bigram recall)."""
    if isinstance(clause, list):
        return [strip_bigrams(c) for c in clause if not _reads_bigrams(c)]
    if isinstance(clause, dict):
        return {k: strip_bigrams(v) for k, v in clause.items()}
    return clause


def _reads_bigrams(clause: Any) -> bool:
    if not isinstance(clause, dict) or len(clause) != 1:
        return False
    (kind, body), = clause.items()
    if kind == "constant_score":
        return _reads_bigrams(body.get("filter"))
    if kind in ("match", "match_phrase", "term"):
        return "text_bi" in body or "text_tri" in body
    return kind == "simple_query_string" and body.get("fields") in (["text_bi"], ["text_tri"])


def es_breakdown(client: Any, service: Any, user: Any, queries: list[str]) -> dict[str, list[float]]:
    """Server-side ``took`` (ms) of the service's requests part by part, and of the plain query."""
    from evidex.search.builder import Filters
    from evidex.search.paging import facet_aggregations
    from evidex.search.query import highlight_request
    from evidex.search.results import HIT_FIELDS

    took: dict[str, list[float]] = defaultdict(list)
    for q in queries:
        prepared = service.prepare(user, q)
        query = service.build_query(user, prepared, Filters())
        hits = dict(index=service.docs, size=10, track_total_hits=False, source_includes=list(HIT_FIELDS))
        before = dict(index=service.docs, size=10, track_total_hits=True,
                      source_excludes=["text", "metadata", "pii_masks", "pii_values"])
        aggs = facet_aggregations(tags_of=user.agency)
        parts = {
            "plain match": dict(index=service.docs, size=10, query={"match": {"text": q}}),
            "hits, no count": dict(hits, query=query),
            "hits, count to 10,000": dict(hits, query=query, track_total_hits=10_000),
            "hits, exact count": dict(hits, query=query, track_total_hits=True),
            "hits+highlight": dict(hits, query=query, highlight=highlight_request(prepared)),
            "highlight 1 frag": dict(hits, query=query, highlight=_highlight_variant(service, prepared, fragments=1)),
            "highlight, no wildcards": dict(hits, query=query,
                                            highlight=_highlight_variant(service, prepared, wildcards=False)),
            "facets (size 0)": dict(index=service.docs, size=0, track_total_hits=True, query=query, aggs=aggs,
                                    request_cache=False),
            "one request": dict(before, query=query, aggs=aggs, highlight=highlight_request(prepared)),
        }
        for name, request in parts.items():
            took[name].append(float(client.search(**request)["took"]))
    return took


def _highlight_variant(service: Any, prepared: Any, *, fragments: int = 3, wildcards: bool = True) -> Any:
    """The service's highlighting with fewer fragments, or without its ``*word*`` clauses (measured only)."""
    import copy

    from evidex.search.query import highlight_request

    highlight = copy.deepcopy(highlight_request(prepared))
    text = highlight["fields"]["text"]
    text["number_of_fragments"] = fragments
    if not wildcards:
        should = text["highlight_query"]["bool"]["should"]
        text["highlight_query"]["bool"]["should"] = [c for c in should if "wildcard" not in c] or should[:1]
    return highlight


def clear_request_cache(client: Any, alias: str) -> None:
    """Empty the shard request cache (the facets' answers) and nothing else.

    ``_cache/clear?request=true`` alone also empties the node's query cache (Elasticsearch clears every cache when
    neither ``query`` nor ``fielddata`` is named), which on a running service keeps each agency's access filter as
    a bit set; naming a field that does not exist keeps that cache, as a live node would have it.
    """
    client.indices.clear_cache(index=alias, request=True, fields="_bench_no_such_field_")


def node_pids(client: Any) -> list[int]:
    """Process ids of the cluster's nodes that run on this machine (empty for a remote cluster)."""
    info = client.nodes.info(metric="process")["nodes"]
    pids = [int(node["process"]["id"]) for node in info.values()]
    return [pid for pid in pids if Path(f"/proc/{pid}/stat").exists()] if len(pids) == len(info) else []


def node_cpu_ms(pids: list[int]) -> float:
    """CPU milliseconds the processes ``pids`` have used so far (from /proc: node stats lag by a second)."""
    total = 0
    for pid in pids:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        total += int(fields[11]) + int(fields[12])  # utime + stime, in clock ticks
    return total * 1000 / os.sysconf("SC_CLK_TCK")


def percentiles(values: list[float]) -> tuple[float, float]:
    ordered = sorted(values)
    return statistics.median(ordered), ordered[min(len(ordered) - 1, int(round(0.95 * (len(ordered) - 1))))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--docs", type=int, default=200_000)
    parser.add_argument("--sentences", type=int, default=4000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--export-max", type=int, default=200_000)
    parser.add_argument("--keep", action="store_true", help="Leave the bench indices in place.")
    parser.add_argument("--reuse", metavar="PREFIX", help="Search the indices a --keep run left under PREFIX "
                                                          "(printed by it) instead of loading new ones; kept.")
    parser.add_argument("--modes", default=",".join(MODES),
                        help="Comma-separated modes to measure (plain always is): a shorter run on a busy machine.")
    parser.add_argument("--search-only", action="store_true",
                        help="Leave out Elasticsearch's part-by-part times and the export.")
    parser.add_argument("--profile", action="store_true", help="Also print cProfile's top functions of one pass "
                                                                "of service searches.")
    args = parser.parse_args()

    from evidex.node.client import make_client
    from evidex.search.builder import SearchService
    from evidex.search.export import encode_rows, start_export
    from evidex.search.identity import User
    from evidex.search.query import QueryRefused
    from evidex.settings import load_settings
    from index_config import ensure_indices

    settings = load_settings()
    client = make_client(settings)
    prefix = args.reuse or f"benchsearch{uuid.uuid4().hex[:8]}"
    if args.reuse:
        args.keep = True
    secret = b"bench-search-secret"
    workdir = Path(tempfile.mkdtemp(prefix="bench-search-"))
    ensure_indices(client, prefix)
    try:
        started = time.perf_counter()
        pool = Pool(args.sentences, seed=5, secret=secret)
        print(f"sentence pool: {len(pool.texts):,} sentences analysed in {time.perf_counter() - started:.1f} s")
        if args.reuse:
            rate = 0.0
        else:
            print(f"index prefix: {prefix}" + (" (kept)" if args.keep else ""), flush=True)
            rate = load(client, f"{prefix}-docs", pool, args.docs)
        stats = client.indices.stats(index=f"{prefix}-docs", metric="store,docs")["_all"]["primaries"]
        print(f"{'loaded' if rate else 'reused'} {stats['docs']['count']:,} documents at {rate:,.0f} documents/s, "
              f"{stats['store']['size_in_bytes'] / 2**30:.2f} GiB")

        spent: dict[str, float] = defaultdict(float)
        timed_client = Timed(client, spent, {"search": "es_search", "mget": "token_tables"})
        hits_service = SearchService(timed_client, prefix, workdir / "hits", secret)
        hits_service.audit.chain = Timed(hits_service.audit.chain, spent, {"append": "audit_journal"})
        service = SearchService(client, prefix, workdir, secret)

        class WithoutBigrams(SearchService):
            def build_query(self, user: Any, query: Any, filters: Any) -> dict[str, Any]:
                return strip_bigrams(super().build_query(user, query, filters))

        class WithBigrams(SearchService):
            def prepare(self, user: Any, query: str, *, reveal: bool = False) -> Any:
                return dataclasses.replace(super().prepare(user, query, reveal=reveal), complete=frozenset())

        bigram_service = WithBigrams(client, prefix, workdir / "bi", secret)
        one_service = SearchService(client, prefix, workdir / "one", secret)
        one_service.split_facets = False
        plain_service = WithoutBigrams(client, prefix, workdir / "nobi", secret)
        user = User("bench", "knpa", ("investigator",))
        queries = query_set(pool)
        docs_alias = f"{prefix}-docs"

        def run_plain(q: str) -> int:
            return client.search(index=docs_alias, query={"match": {"text": q}}, size=10)["hits"]["total"]["value"]

        runs = {
            "plain": run_plain,
            "service": lambda q: service.search(user, q, limit=10).total,
            "service-warm": lambda q: service.search(user, q, limit=10).total,
            "hits": lambda q: hits_service.search(user, q, limit=10, facets=False, exact_total=False).total,
            "hits-unmarked": lambda q: bigram_service.search(user, q, limit=10, facets=False, exact_total=False).total,
            "facets": lambda q: service.facets(user, q).total,
            "one-request": lambda q: one_service.search(user, q, limit=10).total,
            "no-bigrams": lambda q: plain_service.search(user, q, limit=10).total,
        }
        modes = ["plain"] + [m for m in MODES if m != "plain" and m in args.modes.split(",")]
        for q in queries:  # warm caches and the analysers
            run_plain(q)
            runs["hits"](q)
        spent.clear()  # the warm-up's calls are not the measured ones
        load_before = os.getloadavg()[0]
        times: dict[str, list[float]] = defaultdict(list)
        hits: dict[str, dict[str, int]] = defaultdict(dict)
        refused = 0
        for _ in range(args.rounds):
            for q in queries:
                for mode in modes:
                    if mode in COLD:
                        clear_request_cache(client, docs_alias)
                    t0 = time.perf_counter()
                    try:
                        found = runs[mode](q)
                    except QueryRefused:
                        refused += 1
                        found = -1
                    times[mode].append(time.perf_counter() - t0)
                    hits[mode][q] = found
        base50, base95 = percentiles(times["plain"])
        print(f"\nload average (1 min) {load_before:.1f} before the measured rounds, {os.getloadavg()[0]:.1f} after, "
              f"on {os.cpu_count()} cores")
        print(f"\n{len(queries)} queries × {args.rounds} rounds as {user.name}@{user.agency} (investigator, masked)"
              + (f"; {refused} refused" if refused else ""))
        print(f"{'mode':<12} {'p50 ms':>8} {'p95 ms':>8} {'p50 ×plain':>11} {'p95 ×plain':>11}")
        for mode in modes:
            p50, p95 = percentiles(times[mode])
            print(f"{mode:<12} {p50 * 1000:>8.1f} {p95 * 1000:>8.1f} {p50 / base50:>11.2f} {p95 / base95:>11.2f}")
        if {"service", "no-bigrams"} <= set(modes):
            more = sum(1 for q in queries if hits["service"][q] > hits["no-bigrams"][q])
            print(f"queries finding more with bigrams than without: {more} of {len(queries)}")
        if {"service", "one-request"} <= set(modes):
            differ = [q for q in queries if hits["service"][q] != hits["one-request"][q]]
            print(f"queries whose total differs from one-request's: {len(differ)}"
                  + (f" {differ[:5]}" if differ else ""))
        if {"hits", "hits-unmarked"} <= set(modes):
            differ = [q for q in queries if hits["hits"][q] != hits["hits-unmarked"][q]]
            print(f"queries counting other documents through the added fields than without: {len(differ)}"
                  + (f" {differ[:5]}" if differ else ""))
        calls = len(times["hits"]) or 1
        print("\nwhere a hits search spends its time (mean per query):")
        accounted = 0.0
        for key in ("es_search", "token_tables"):
            accounted += spent[key]
            print(f"  {key:<14} {spent[key] / calls * 1000:7.2f} ms")
        print(f"  {'python (rest)':<14} {(sum(times['hits']) - accounted) / calls * 1000:7.2f} ms")
        print(f"  {'audit_journal':<14} {spent['audit_journal'] / calls * 1000:7.2f} ms (beside the token tables "
              "and masking)")
        from evidex.search.display import TOKEN_TABLE_STATS

        print(f"pages showing tokens, all modes: {TOKEN_TABLE_STATS['known']:,} served from masks already known, "
              f"{TOKEN_TABLE_STATS['fetched']:,} fetched")

        services = (service, hits_service, bigram_service, one_service, plain_service)
        pids = node_pids(client)
        print("\nElasticsearch's CPU per query (the node's process CPU over one more pass of each mode, audit records "
              "sent; steadier than wall time on a busy machine):" if pids else "\n(a remote node: its CPU not measured)")
        cpu: dict[str, float] = {}
        for mode in modes if pids else ():
            for _ in range(2 if mode == "service-warm" else 1):  # warm: a pass to cache the answers first
                for each in services:
                    each.audit.flush()
                before = node_cpu_ms(pids)
                for q in queries:
                    if mode in COLD:
                        clear_request_cache(client, docs_alias)
                    try:
                        runs[mode](q)
                    except QueryRefused:
                        pass
            for each in services:
                each.audit.flush()
            cpu[mode] = (node_cpu_ms(pids) - before) / len(queries)
            print(f"  {mode:<12} {cpu[mode]:7.2f} ms {cpu[mode] / (cpu['plain'] or 1):7.2f}× plain")
        if args.profile:
            import cProfile
            import pstats

            profiler = cProfile.Profile()
            profiler.enable()
            for q in queries:
                runs["service"](q)
            profiler.disable()
            print("\nprofile of one pass of service searches (cumulative):")
            pstats.Stats(profiler, stream=sys.stdout).sort_stats("cumulative").print_stats(40)

        if args.search_only:
            return
        print("\nElasticsearch's own time (took, ms) for the service's request, part by part:")
        for name, values in es_breakdown(client, service, user, queries).items():
            p50, p95 = percentiles(values)
            print(f"  {name:<24} p50 {p50:6.1f}  p95 {p95:6.1f}")

        exported = 0
        t0 = time.perf_counter()
        stream = start_export(service, user, "")
        for chunk in encode_rows(stream, "csv"):
            if stream.rows >= args.export_max:
                break
        stream.close()
        exported = stream.rows
        elapsed = time.perf_counter() - t0
        print(f"\nexport (csv, masked, default fields): {exported:,} rows in {elapsed:.1f} s = "
              f"{exported / elapsed:,.0f} documents/s")
    finally:
        if not args.keep:
            from index_config import specs

            for spec in specs().values():  # every index ensure_indices made, templates too
                client.indices.delete(index=spec.index(prefix), ignore_unavailable=True)
                client.options(ignore_status=404).indices.delete_index_template(name=f"{prefix}-{spec.name}")


if __name__ == "__main__":
    main()
