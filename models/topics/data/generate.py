"""Deterministic generator of the bilingual labelled topic corpus (``corpus.jsonl`` next to this file).

Documents are assembled from the phrase pools in ``phrases_ko``/``phrases_en``: a heading of the document's
kind, topical lines of each of its topics, neutral filler lines, structured rows (access logs, payment
records), sometimes lines in the other language. Noise documents carry no topic and often use a topic's
keyword in an unrelated sense. A fixed share of each label set is marked ``"split": "test"``; the last
``HELD_OUT_LINES`` lines of every topical pool appear only in test documents, so the test part also measures
phrasings the model never saw. Some documents get OCR-like damage (lost spaces, confused glyphs).

Run ``python -m models.topics.data.generate`` to rewrite the file; the same seed gives the same bytes.
"""

from __future__ import annotations

import argparse
import json
import random
from collections.abc import Callable
from pathlib import Path

from models.topics.data import phrases_en, phrases_ko

CORPUS_PATH = Path(__file__).with_name("corpus.jsonl")
DEFAULT_SEED = 20260615
SINGLE_PER_TOPIC = 80
PAIRS_PER_COMBINATION = 12
TRIPLES = 16
NOISE_DOCS = 160
TEST_SHARE = 0.2
HELD_OUT_LINES = 2
OCR_DAMAGE_SHARE = 0.12

# Topic pairs that co-occur naturally in this case's documents.
PAIRS: tuple[tuple[str, str], ...] = (
    ("incident_security", "leak_scale_legal"), ("leak_scale_legal", "consumer_damage"),
    ("fraud_payments_loans", "consumer_damage"), ("fraud_payments_loans", "seizure_intl_coop"),
    ("seizure_intl_coop", "incident_security"), ("hard_to_cancel", "consumer_damage"),
    ("night_work_health", "logistics_workers"), ("tax_matters", "hard_to_cancel"),
    ("tax_matters", "logistics_workers"), ("leak_scale_legal", "fraud_payments_loans"),
)
TRIPLE_SETS: tuple[tuple[str, str, str], ...] = (
    ("incident_security", "leak_scale_legal", "consumer_damage"),
    ("fraud_payments_loans", "seizure_intl_coop", "leak_scale_legal"),
    ("night_work_health", "logistics_workers", "tax_matters"),
    ("hard_to_cancel", "consumer_damage", "tax_matters"),
)

_SYSTEMS = ["회원 DB", "주문 API", "admin console", "배송지 관리 시스템", "고객센터 CRM", "auth server", "S3 버킷",
            "payment gateway", "내부 위키", "BI 대시보드", "인증 서버", "CDN origin"]
_COUNTRIES_KO = ["중국", "미국", "베트남", "싱가포르", "캄보디아", "필리핀", "에스토니아", "일본", "아일랜드"]
_COUNTRIES_EN = ["China", "the United States", "Vietnam", "Singapore", "Cambodia", "the Philippines", "Estonia",
                 "Japan", "Ireland", "Delaware"]
_HUBS = ["이천", "고양", "부천", "대구", "덕평", "인천 4", "동탄", "Icheon", "Goyang", "Bucheon", "Daegu"]
_CITIES = ["부산", "제주", "강릉", "Busan", "Jeju", "Gangneung", "속초"]
_SURNAMES = ["김", "이", "박", "최", "정", "강", "조", "윤", "장", "임"]
_EN_NAMES = ["J. Park", "S. Kim", "Lee Min-ji", "D. Choi", "A. Jung", "M. Han", "R. Yoon", "K. Seo"]
_ENDPOINTS = ["/admin/export", "/api/v2/members", "/api/v1/orders", "/internal/addr/bulk", "/auth/token",
              "/static/logo.png", "/cs/tickets", "/report/daily.csv"]


def _num(rng: random.Random, lo: int, hi: int) -> str:
    return f"{rng.randint(lo, hi):,}"


SLOTS: dict[str, Callable[[random.Random], str]] = {
    "date": lambda r: r.choice([f"2026-{r.randint(1, 11):02d}-{r.randint(1, 28):02d}",
                                f"{r.randint(1, 11)}월 {r.randint(1, 28)}일", f"{r.randint(1, 28)} June 2026",
                                f"{r.randint(1, 11)}/{r.randint(1, 28)}"]),
    "ip": lambda r: f"{r.choice([45, 103, 185, 211, 58, 121])}.{r.randint(0, 255)}.{r.randint(0, 255)}."
                    f"{r.randint(1, 254)}",
    "system": lambda r: r.choice(_SYSTEMS),
    "days": lambda r: str(r.choice([3, 5, 7, 14, 30, 45, 90, 120, 180])),
    "n": lambda r: r.choice([f"{r.randint(30, 34)},{r.randint(100, 999)},{r.randint(100, 999)}",
                             f"{r.randint(3000, 3400)}만", f"약 {r.randint(30, 34)}00만", "33.7 million"]),
    "n1": lambda r: str(r.randint(2, 9)),
    "n2": lambda r: _num(r, 12, 980),
    "n3": lambda r: _num(r, 1_000, 90_000),
    "pct": lambda r: f"{r.randint(2, 99)}.{r.randint(0, 9)}",
    "amount": lambda r: _num(r, 9_000, 4_900_000),
    "rate": lambda r: str(r.choice([60, 120, 365, 500, 1200, 3000])),
    "country": lambda r: r.choice(_COUNTRIES_KO + _COUNTRIES_EN),
    "fee": lambda r: _num(r, 500, 15_000),
    "hub": lambda r: r.choice(_HUBS),
    "pm": lambda r: str(r.randint(5, 11)),
    "am": lambda r: str(r.randint(4, 8)),
    "mins": lambda r: str(r.choice([15, 20, 30, 45, 60])),
    "hours": lambda r: str(r.randint(2, 11)),
    "hours2": lambda r: str(r.choice([52, 56, 60, 64, 68, 72])),
    "temp": lambda r: str(r.randint(31, 38)),
    "year": lambda r: str(r.randint(2019, 2025)),
    "person": lambda r: f"{r.choice(_SURNAMES)}{r.choice(['OO', '○○', '주무관', '수사관', '팀장'])}",
    "person_en": lambda r: r.choice(_EN_NAMES),
    "ext": lambda r: str(r.randint(1000, 9999)),
    "city": lambda r: r.choice(_CITIES),
}


def _fill(template: str, rng: random.Random) -> str:
    out = template
    for name, make in SLOTS.items():
        token = "{" + name + "}"
        while token in out:
            out = out.replace(token, make(rng), 1)
    return out


def _access_log_row(rng: random.Random) -> str:
    user = rng.choice(["svc_batch", "admin01", "ex_dev_kim", "ops", "guest", "u" + str(rng.randint(100, 999))])
    status = rng.choice([200, 200, 200, 403, 401, 500])
    return (f"2026-{rng.randint(1, 11):02d}-{rng.randint(1, 28):02d}T{rng.randint(0, 23):02d}:"
            f"{rng.randint(0, 59):02d}:{rng.randint(0, 59):02d}Z {rng.choice(['GET', 'POST'])} "
            f"{rng.choice(_ENDPOINTS)}?page={rng.randint(1, 900)} {status} {SLOTS['ip'](rng)} user={user}")


def _payment_row(rng: random.Random) -> str:
    method = rng.choice(["간편결제", "카드", "BNPL", "gift card", "easy-pay", "상품권"])
    origin = rng.choice(["해외IP", "overseas IP", "KR", "new device", "신규 기기", "KR"])
    return (f"TX-{rng.randint(10000, 99999)}, 2026-{rng.randint(1, 11):02d}-{rng.randint(1, 28):02d} "
            f"{rng.randint(0, 23):02d}:{rng.randint(0, 59):02d}, {_num(rng, 1_000, 990_000)}원, {method}, {origin}")


# Structured rows by topic; ``None`` stands for noise (ordinary traffic and purchases).
_ROWS: dict[str | None, Callable[[random.Random], str]] = {
    "incident_security": _access_log_row, "fraud_payments_loans": _payment_row, None: _access_log_row,
}


def _pools(lang: str) -> tuple[dict[str, list[str]], dict[str, list[str]], list[str], list[str]]:
    mod = phrases_ko if lang == "ko" else phrases_en
    return mod.HEADS, mod.LINES, mod.FILLERS, mod.NOISE


def _other(lang: str) -> str:
    return "en" if lang == "ko" else "ko"


def _topic_lines(lang: str, topic: str, test: bool) -> list[str]:
    pool = _pools(lang)[1][topic]
    return pool if test else pool[:-HELD_OUT_LINES]


_GLYPHS = {"l": "1", "1": "l", "O": "0", "0": "O", "rn": "m", "이": "0|", "다": "다.", "e": "c"}


def _ocr_damage(text: str, rng: random.Random) -> str:
    out = []
    for ch in text:
        roll = rng.random()
        if ch == " " and roll < 0.3:
            continue
        if roll < 0.03:
            out.append(_GLYPHS.get(ch, ch))
        elif roll < 0.045:
            continue
        else:
            out.append(ch)
    return "".join(out)


def make_document(rng: random.Random, labels: tuple[str, ...], test: bool = False) -> tuple[str, str]:
    """One passage with the given topics (none: noise); returns (text, language tag).

    Training documents (``test=False``) never use the held-out lines of a topic.
    """
    lang = "ko" if rng.random() < 0.55 else "en"
    mixed = rng.random() < 0.15
    heads, lines, fillers, noise = _pools(lang)
    body: list[str] = []
    for rank, topic in enumerate(labels):
        count = rng.randint(1, 4) if rank == 0 else rng.randint(1, 2)
        pool_lang = _other(lang) if mixed and rank > 0 else lang
        body += rng.sample(_topic_lines(pool_lang, topic, test), count)
        if mixed and rank == 0 and rng.random() < 0.5:
            body.append(rng.choice(_topic_lines(_other(lang), topic, test)))
        if topic in _ROWS and rng.random() < 0.35:
            body += [_ROWS[topic](rng) for _ in range(rng.randint(2, 6))]
    if not labels:
        body += rng.sample(noise, rng.randint(1, 3))
        if rng.random() < 0.2:
            body += [_ROWS[None](rng) for _ in range(rng.randint(2, 5))]
        if mixed:
            body.append(rng.choice(_pools(_other(lang))[3]))
    elif rng.random() < 0.25:
        body.append(rng.choice(noise))
    body += rng.sample(fillers, rng.choice([0, 0, 1, 1, 2]))
    rng.shuffle(body)
    head = rng.choice(heads[labels[0]]) if labels else ""
    bullet = rng.choice(["", "", "- ", "• ", "* "])
    sep = rng.choice(["\n", "\n", " "])
    text = sep.join(bullet + _fill(line, rng) for line in body)
    if head:
        text = _fill(head, rng) + "\n" + text
    if rng.random() < OCR_DAMAGE_SHARE:
        text = _ocr_damage(text, rng)
    return text, ("mixed" if mixed else lang)


def _label_sets(rng: random.Random, topics: list[str]) -> list[tuple[str, ...]]:
    sets: list[tuple[str, ...]] = [(t,) for t in topics for _ in range(SINGLE_PER_TOPIC)]
    for pair in PAIRS:
        sets += [pair if rng.random() < 0.5 else pair[::-1] for _ in range(PAIRS_PER_COMBINATION)]
    sets += [tuple(rng.sample(TRIPLE_SETS[i % len(TRIPLE_SETS)], 3)) for i in range(TRIPLES)]
    sets += [() for _ in range(NOISE_DOCS)]
    return sets


def generate(seed: int = DEFAULT_SEED) -> list[dict[str, object]]:
    """All corpus records (id, text, labels, lang, split) for ``seed``; deterministic."""
    rng = random.Random(seed)
    topics = list(phrases_ko.LINES)
    records: list[dict[str, object]] = []
    seen: set[str] = set()
    counts: dict[tuple[str, ...], int] = {}
    for labels in _label_sets(rng, topics):
        key = tuple(sorted(labels))
        counts[key] = counts.get(key, 0) + 1
        test = counts[key] % round(1 / TEST_SHARE) == 0  # stratified: every fifth of each label set
        text, lang = make_document(rng, labels, test)
        while text in seen:
            text, lang = make_document(rng, labels, test)
        seen.add(text)
        records.append({"text": text, "labels": list(key), "lang": lang, "split": "test" if test else "train"})
    rng.shuffle(records)
    for i, rec in enumerate(records):
        rec["id"] = f"c{i:04d}"
    return [{k: rec[k] for k in ("id", "split", "lang", "labels", "text")} for rec in records]


def write(path: Path = CORPUS_PATH, seed: int = DEFAULT_SEED) -> int:
    """Write the corpus as JSON lines; returns the number of records."""
    records = generate(seed)
    with path.open("w", encoding="utf-8") as fh:
        for rec in records:
            fh.write(json.dumps(rec, ensure_ascii=False) + "\n")
    return len(records)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED)
    parser.add_argument("--out", type=Path, default=CORPUS_PATH)
    args = parser.parse_args(argv)
    print(f"wrote {write(args.out, args.seed)} records to {args.out}")


if __name__ == "__main__":
    main()
