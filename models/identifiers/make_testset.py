"""Write the labelled bilingual identifier test set: ``python -m models.identifiers.make_testset [PATH]``.

Sentences, tables and CSV rows in Korean and English, each with its gold identifiers (label, span, norm,
subtype) and look-alike negatives (dates, timestamps, order/invoice/tracking numbers, wrong check digits,
version strings, table figures). The generator is seeded, so the committed JSONL can be regenerated exactly.
A few "hard" records hold real identifiers written in ways the detectors are not expected to catch; they stay
in the set so recall is not flattering.
"""

from __future__ import annotations

import json
import random
import sys
from collections.abc import Callable
from pathlib import Path

from models.identifiers import testset_values as tv

DEFAULT_PATH = Path("tests/models/data/identifiers_testset.jsonl")
SEED = 20201001
Part = str | tuple[str, tuple[str, str, str]]

_KO_NAMES = ["홍길동", "김민수", "이지현", "박서준", "최유나", "정하늘", "강도윤", "윤서연", "장민호", "임수빈"]
_EN_NAMES = ["John Park", "Emily Kim", "David Lee", "Sarah Choi", "Michael Jung", "Grace Yoon"]
_COMPANIES = ["(주)한빛데이터", "누리커머스 주식회사", "Leak Corp Korea", "(주)블루마켓", "세종정보통신(주)"]


class _Negatives:
    """Look-alikes that must not be tagged."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng

    def any(self) -> str:
        return self.rng.choice(self._makers())()

    def _makers(self) -> list[Callable[[], str]]:
        r = self.rng
        d = lambda n: "".join(r.choice("0123456789") for _ in range(n))  # noqa: E731
        y, m, day = r.randint(2015, 2025), r.randint(1, 12), r.randint(1, 28)
        hh, mm, ss = r.randint(0, 23), r.randint(0, 59), r.randint(0, 59)
        return [
            lambda: f"{y}-{m:02d}-{day:02d}", lambda: f"{y}.{m:02d}.{day:02d}", lambda: f"{y}{m:02d}{day:02d}",
            lambda: f"{m:02d}/{day:02d}/{y}", lambda: f"{y}년 {m}월 {day}일",
            lambda: f"{y}-{m:02d}-{day:02d} {hh:02d}:{mm:02d}:{ss:02d}",
            lambda: f"{y}{m:02d}{day:02d}{hh:02d}{mm:02d}{ss:02d}",
            lambda: f"{y}-{m:02d}-{day:02d}T{hh:02d}:{mm:02d}:{ss:02d}+09:00", lambda: f"{hh:02d}:{mm:02d}:{ss:02d}",
            lambda: "1" + d(9), lambda: f"ORD-{y}{m:02d}{day:02d}-{d(6)}", lambda: f"{y}{m:02d}{day:02d}{d(7)}",
            lambda: f"INV-{y}-{d(6)}", lambda: f"{y}{m:02d}{day:02d}-41000012-{d(8)}", lambda: f"{d(4)}-{d(4)}-{d(4)}",
            lambda: d(12), lambda: "1Z" + d(3) + "AA1" + d(10), lambda: "880" + d(10), lambda: d(13),
            lambda: tv.bad_registration(r),
            lambda: tv.bad_card(r), lambda: tv.bad_brn(r), lambda: tv.bad_crypto(r),
            lambda: f"v{r.randint(1, 9)}.{r.randint(0, 20)}.{r.randint(0, 9)}.{r.randint(0, 99)}",
            lambda: f"version {r.randint(1, 20)}.0.{r.randint(0, 9)}.{r.randint(1, 200)}",
            lambda: f"{r.randint(1_000, 999_999_999):,}원",
            lambda: f"978-89-{d(4)}-{d(3)}-{d(1)}", lambda: ":".join(f"{r.randint(0, 255):02X}" for _ in range(6)),
            lambda: f"010-{d(4)}-{d(3)}", lambda: f"{d(3)}-{d(4)}", lambda: "icon@2x.png", lambda: "report_2023.pdf",
            lambda: f"{r.randint(1, 9)}.{r.randint(0, 9)}.{r.randint(0, 9)}", lambda: f"{d(2)}-{d(2)}-{d(6)}-{d(2)}",
            lambda: f"{d(3)}-{d(3)}-{d(6)}", lambda: f"P{d(8)}", lambda: f"12가구 {d(4)}명",
            lambda: "0x" + d(8),
            lambda: f"{r.randint(100, 999)}.{r.randint(100, 999)}.{r.randint(100, 999)}.{r.randint(256, 999)}",
            lambda: d(16), lambda: f"{r.uniform(33, 38):.4f}, {r.uniform(125, 130):.4f}",
            lambda: f"{r.randint(1, 99)}.{d(1)}%",
            lambda: f"{r.randint(1, 999):,}원", lambda: f"{d(5)}",
            lambda: "-".join(f"{r.getrandbits(k * 4):0{k}x}" for k in (8, 4, 4, 4, 12)),
            lambda: f"{r.getrandbits(160):040x}", lambda: f"{r.getrandbits(256):064x}", lambda: f"{d(3)}-{d(2)}-{d(4)}",
            lambda: f"Chrome/{r.randint(100, 130)}.0.{d(4)}.{r.randint(10, 200)}", lambda: "1.3.6.1.2.1.1." + d(1),
            lambda: f"{hh:02d}:{mm:02d}:{ss:02d}.{d(3)}", lambda: "11010519" + d(9) + "X",
            lambda: f"{d(2)}{m:02d}{day:02d}-{d(7)}",
            lambda: f"{d(6)}-{d(2)}-{d(6)}", lambda: f"제{r.randint(1, 99)}조 {r.randint(1, 9)}항",
            lambda: f"{r.randint(2, 9)}가 {d(4)}",
        ]


class _Gen:
    def __init__(self, seed: int) -> None:
        self.rng = random.Random(seed)
        self.neg = _Negatives(self.rng)

    def ko(self) -> str:
        return self.rng.choice(_KO_NAMES)

    def en(self) -> str:
        return self.rng.choice(_EN_NAMES)

    def pick(self, *options: str) -> str:
        return self.rng.choice(options)

    # -- prose ----------------------------------------------------------------------------------------------
    def ko_prose(self) -> list[Part]:
        r, g = self.rng, self
        which = r.randrange(14)
        if which == 12:
            return ["출생신고 처리 결과 신생아 ", g.ko(), "의 주민등록번호 ",
                    ("RRN", tv.registration(r, post2020=True)), "가 부여되었고 보호자 연락처는 ",
                    ("PHONE", tv.phone(r, r.choice(["mobile", "landline"]))), "이다. 처리일시 ", g.neg.any(), "."]
        if which == 13:
            return [f"[카톡] {g.ko()}: 내 번호 ", ("PHONE", tv.phone(r, "mobile")), " 이고 계좌는 ",
                    *(lambda bank, value: [bank, " ", ("BANK_ACCOUNT", value)])(*tv.bank_account(r)),
                    f" 야\n[카톡] {g.ko()}: ㅇㅋ {r.randint(2, 9)}시에 ", g.neg.any(), " 건 처리함"]
        if which == 0:
            return [f"피의자 {g.ko()}(주민등록번호 ", ("RRN", tv.registration(r)), ")는 ",
                    ("PHONE", tv.phone(r, "mobile")), "로 공범과 통화했다. 통화일시 ", g.neg.any(), "."]
        if which == 1:
            return [f"고객 {g.ko()}의 연락처는 ", ("PHONE", tv.phone(r, r.choice(["mobile", "landline", "plus82"]))),
                    ", 이메일은 ", ("EMAIL", tv.email(r)), "입니다. 주문번호 ", g.neg.any(), "."]
        if which == 2:
            return ["결제 카드번호 ", ("CARD", tv.card(r, style=r.choice(["dash", "space", "plain"]))),
                    f"로 {r.randint(1, 99)},{r.randint(100, 999)}원이 승인되었다. 승인번호 ", g.neg.any(), "."]
        if which == 3:
            return ["유출 서버 ", ("IP", tv.ipv4(r)), "에서 ", ("URL", tv.url(r)), " 로 접속한 기록과 ",
                    ("IP", tv.ipv6(r)), " 주소가 확인되었다(로그 버전 ", g.neg.any(), ")."]
        if which == 4:
            return [f"{r.choice(_COMPANIES)}(사업자등록번호 ", ("BRN", tv.brn(r)), ", 법인등록번호 ", ("CRN", tv.crn(r)),
                    ")는 ", g.neg.any(), "에 고객정보를 위탁하였다."]
        if which == 5:
            return ["피해자는 외국인등록번호 ", ("FRN", tv.registration(r, foreign=True, post2020=r.random() < 0.3)),
                    "를 가진 근로자로, 휴대전화 ", ("PHONE", tv.phone(r, "mobile")), "를 사용한다."]
        if which == 6:
            return [f"{g.ko()}의 여권번호는 ", ("PASSPORT", tv.passport(r)), "이고 운전면허번호는 ",
                    ("DRIVER_LICENSE", tv.licence(r)), "이다. 발급일 ", g.neg.any(), "."]
        if which == 7:
            bank, value = tv.bank_account(r)
            return ["환불 계좌: ", bank, " ", ("BANK_ACCOUNT", value), f" (예금주 {g.ko()}), 문서번호 ", g.neg.any()]
        if which == 8:
            return ["차량번호 ", ("VEHICLE_PLATE", tv.plate(r)), " 차량이 ", ("ADDRESS", tv.address(r, "road")),
                    " 앞에서 목격되었다. 서울로 3명이 이동했다."]
        if which == 9:
            return ["비트코인 지갑 ", ("CRYPTO", tv.crypto(r, r.choice(["p2pkh", "p2sh", "bech32", "bech32m"]))),
                    f"로 {r.randint(1, 9)}.{r.randint(1, 99)} BTC, 이더리움 ",
                    ("CRYPTO", tv.crypto(r, r.choice(["eth", "eip55"]))), "로 이체되었다. 거래번호 ", g.neg.any(), "."]
        if which == 10:
            return ["주소지 ", ("ADDRESS", tv.address(r, "lot")), "에 거주하는 ", g.ko(), "의 주민번호는 ",
                    ("RRN", tv.registration(r, style=r.choice(["dash", "plain"]))), "이다."]
        return ["고객센터 ", ("PHONE", tv.phone(r, "rep")), " 또는 ", ("DOMAIN", tv.domain(r)),
                "에서 조회 가능하며, 송장번호 ", g.neg.any(), ", 결제일 ", g.neg.any(), "입니다."]

    def en_prose(self) -> list[Part]:
        r, g = self.rng, self
        which = r.randrange(8)
        if which == 0:
            return [f"{g.en()} (resident registration no. ", ("RRN", tv.registration(r)), ") called ",
                    ("PHONE", tv.phone(r, r.choice(["plus82", "intl"]))), " on ", g.neg.any(), "."]
        if which == 1:
            return ["Please reply to ", ("EMAIL", tv.email(r)), " or see ", ("URL", tv.url(r)),
                    f". Ticket {g.neg.any()}, build ", g.neg.any(), "."]
        if which == 2:
            return ["The dump lists card ", ("CARD", tv.card(r, style=r.choice(["dash", "space", "plain"]))),
                    " (exp 0" + str(r.randint(1, 9)) + "/2" + str(r.randint(5, 9)) + ") and invoice ",
                    g.neg.any(), "."]
        if which == 3:
            return ["Exfiltration went from ", ("IP", tv.ipv4(r)), " to ", ("IP", tv.ipv6(r)), " via ",
                    ("DOMAIN", tv.domain(r)), f"; the agent reported {g.neg.any()}."]
        if which == 4:
            return ["Ransom was paid to ", ("CRYPTO", tv.crypto(r, r.choice(["p2pkh", "bech32", "eip55", "eth"]))),
                    "; a decoy address ", g.neg.any(), " was also posted."]
        if which == 5:
            return [f"Passport no. ", ("PASSPORT", tv.passport(r)), f" belongs to {g.en()}; order ", g.neg.any(), "."]
        if which == 6:
            bank, value = tv.bank_account(r)
            return [f"Wire to {bank} account ", ("BANK_ACCOUNT", value), " was flagged on ", g.neg.any(), "."]
        return ["Vendor BRN ", ("BRN", tv.brn(r, dashed=r.random() < 0.7)), ", hotline ",
                ("PHONE", tv.phone(r, "landline")), ", tracking ", g.neg.any(), "."]

    # -- tables and CSV -------------------------------------------------------------------------------------
    def table(self) -> list[Part]:
        r, g = self.rng, self
        parts: list[Part] = ["| 이름 | 주민번호 | 휴대폰 | 이메일 | 가입일 | 포인트 |\n|---|---|---|---|---|---|\n"]
        for _ in range(r.randint(2, 4)):
            parts += [f"| {g.ko()} | ", ("RRN", tv.registration(r, style=r.choice(["dash", "plain"]))), " | ",
                      ("PHONE", tv.phone(r, "mobile")), " | ", ("EMAIL", tv.email(r)), " | ", g.neg.any(),
                      f" | {r.randint(0, 99999):,} |\n"]
        return parts

    def csv(self) -> list[Part]:
        r, g = self.rng, self
        parts: list[Part] = ["id,name,jumin,phone,email,card_no,last_ip,created_at,order_no\n"]
        for i in range(r.randint(2, 5)):
            parts += [f"{r.randint(10000, 99999)},{g.ko()},", ("RRN", tv.registration(r, style="plain")), ",",
                      ("PHONE", tv.phone(r, "mobile")), ",", ("EMAIL", tv.email(r)), ",",
                      ("CARD", tv.card(r, style="plain")), ",", ("IP", tv.ipv4(r)), ",", g.neg.any(), ",",
                      g.neg.any(), "\n"]
        return parts

    def registry(self) -> list[Part]:
        """A company register export: BRN, CRN, main phone, seat address and web site per row."""
        r = self.rng
        parts: list[Part] = ["상호,사업자등록번호,법인등록번호,대표전화,소재지,홈페이지,등록일\n"]
        for _ in range(r.randint(3, 5)):
            parts += [r.choice(_COMPANIES).replace(",", ""), ",", ("BRN", tv.brn(r)), ",", ("CRN", tv.crn(r)), ",",
                      ("PHONE", tv.phone(r, r.choice(["landline", "rep"]))), ",", ("ADDRESS", tv.address(r, "road")),
                      ",", ("URL", tv.url(r)), ",", self.neg.any().replace(",", ""), "\n"]
        return parts

    def negatives_only(self) -> list[Part]:
        parts: list[Part] = []
        for _ in range(self.rng.randint(4, 8)):
            parts += [self.rng.choice(["번호 ", "No. ", "| ", "코드 ", "", "ref "]), self.neg.any(), "\n"]
        return parts

    def hard(self) -> list[Part]:
        """Real identifiers written in ways the detectors are not built to catch (kept for honest recall)."""
        r = self.rng
        surface, norm, _ = tv.phone(r, "mobile")
        digits = norm[3:]
        which = r.randrange(6)
        if which == 0:
            spaced = f"0{digits[:2]} - {digits[2:6]} - {digits[6:]}"
            return ["전화: ", ("PHONE", (spaced, norm, "spaced-dash")), " 로 회신 바람."]
        if which == 1:
            return [f"{self.ko()} ", ("RRN", tv.registration(r, post2020=True)), " 신생아 명단"]
        if which == 2:
            s, n, _ = tv.card(r, style="space")
            return ["card: ", ("CARD", (s.replace(" ", "."), n, "dotted")), " (from OCR)"]
        if which == 3:
            area = r.choice(["02", "031", "051"])
            number = area + str(r.randint(200, 999)) + str(r.randint(1000, 9999))
            return ["1001,김민수,", ("PHONE", (number, "+82" + number[1:], "plain-landline")), ",seoul\n"]
        if which == 4:
            return ["그는 ", ("ADDRESS", tv.bare_road(r)), "에서 내렸다."]
        return ["mail ", ("EMAIL", ("담당자@회사.한국", "담당자@회사.한국", "idn")), " 로 보냄"]


def _assemble(parts: list[Part]) -> tuple[str, list[dict[str, object]]]:
    text, entities = "", []
    for part in parts:
        if isinstance(part, str):
            text += part
            continue
        label, (surface, norm, subtype) = part
        entities.append({"label": label, "start": len(text), "end": len(text) + len(surface), "text": surface,
                         "norm": norm, "subtype": subtype})
        text += surface
    return text, entities


def generate(seed: int = SEED) -> list[dict[str, object]]:
    """All records of the test set, deterministic for a given seed."""
    gen = _Gen(seed)
    plan = [("ko", "prose", gen.ko_prose, 150), ("en", "prose", gen.en_prose, 70), ("ko", "table", gen.table, 15),
            ("en", "csv", gen.csv, 15), ("ko", "registry", gen.registry, 15),
            ("mixed", "negatives", gen.negatives_only, 40), ("ko", "hard", gen.hard, 12)]
    records = []
    for lang, kind, make, count in plan:
        for i in range(count):
            text, entities = _assemble(make())
            records.append({"id": f"{kind}-{lang}-{i:03d}", "lang": lang, "kind": kind, "text": text,
                            "entities": entities})
    return records


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    path = Path(args[0]) if args else DEFAULT_PATH
    records = generate()
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8") as out:
        for record in records:
            out.write(json.dumps(record, ensure_ascii=False) + "\n")
    total = sum(len(r["entities"]) for r in records)  # type: ignore[arg-type]
    print(f"wrote {len(records)} records, {total} identifiers to {path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
