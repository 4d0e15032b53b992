"""Random but valid (and deliberately invalid) identifier values for the labelled test set.

Every factory takes a ``random.Random`` so the generated set is reproducible. Positive factories return
``(surface text, norm, subtype)``; negative factories return a surface text that must not be tagged.
"""

from __future__ import annotations

import datetime as dt
import ipaddress
import random

from models.identifiers.checksums import (
    base58check_encode, brn_check_ok, crn_check_ok, eip55_encode, frn_check_ok, luhn_ok, rrn_check_ok, segwit_encode,
)
from models.identifiers.korean import classify_registration

Value = tuple[str, str, str]
_RRN_W = (2, 3, 4, 5, 6, 7, 8, 9, 2, 3, 4, 5)


def _digits(rng: random.Random, n: int) -> str:
    return "".join(rng.choice("0123456789") for _ in range(n))


def _date(rng: random.Random, lo: dt.date, hi: dt.date) -> dt.date:
    return lo + dt.timedelta(days=rng.randrange((hi - lo).days + 1))


def _check_rrn(body: str, foreign: bool) -> str:
    base = (11 - sum(int(c) * w for c, w in zip(body, _RRN_W)) % 11) % 10
    return str((base + 2) % 10 if foreign else base)


def registration(rng: random.Random, *, foreign: bool = False, post2020: bool = False, style: str = "dash") -> Value:
    """RRN/FRN; pre-2020 numbers carry a correct check digit, post-2020 ones a random (wrong) final digit."""
    if post2020:
        born = _date(rng, dt.date(2020, 10, 1), dt.date(2025, 6, 30)) if not foreign else \
            _date(rng, dt.date(1950, 1, 1), dt.date(2005, 12, 31))
    else:
        born = _date(rng, dt.date(1935, 1, 1), dt.date(2019, 12, 31))
    century_digits = {1900: "12", 2000: "34"} if not foreign else {1900: "56", 2000: "78"}
    g = rng.choice(century_digits[born.year // 100 * 100])
    body = born.strftime("%y%m%d") + g + _digits(rng, 5)
    check = _check_rrn(body, foreign)
    if post2020:
        check = rng.choice([d for d in "0123456789" if d != check])
    digits = body + check
    surface = {"dash": f"{digits[:6]}-{digits[6:]}", "plain": digits, "space": f"{digits[:6]} {digits[6:]}"}[style]
    return surface, f"{digits[:6]}-{digits[6:]}", ("post2020" if post2020 else "pre2020")


def bad_registration(rng: random.Random) -> str:
    """A pre-2020 RRN with a wrong check digit, or an impossible date."""
    surface, _, _ = registration(rng)
    digits = surface.replace("-", "")
    if rng.random() < 0.5:
        wrong = rng.choice([d for d in "0123456789" if d != digits[12]])
        digits = digits[:12] + wrong
    else:
        digits = digits[:2] + rng.choice(["13", "00", "19"]) + digits[4:]
    return f"{digits[:6]}-{digits[6:]}"


_ISSUERS = (("4", 16), ("4", 16), ("4", 16), ("51", 16), ("55", 16), ("2221", 16), ("2720", 16), ("34", 15),
            ("37", 15), ("6011", 16), ("65", 16), ("3530", 16), ("3589", 16), ("62", 16), ("36", 14), ("4", 13))


def card(rng: random.Random, *, style: str = "dash") -> Value:
    prefix, length = rng.choice(_ISSUERS)
    while True:
        body = prefix + _digits(rng, length - len(prefix) - 1)
        digits = next(body + c for c in "0123456789" if luhn_ok(body + c))
        if len(set(digits)) > 2:
            break
    if length == 15:
        groups = [digits[:4], digits[4:10], digits[10:]]
    elif length == 16:
        groups = [digits[i : i + 4] for i in range(0, 16, 4)]
    else:
        groups = [digits]
    sep = {"dash": "-", "space": " ", "plain": ""}[style]
    return sep.join(groups), digits, f"len{length}"


def bad_card(rng: random.Random) -> str:
    surface, digits, _ = card(rng)
    wrong = next(c for c in "0123456789" if c != digits[-1] and not luhn_ok(digits[:-1] + c))
    return surface[:-1] + wrong


def brn(rng: random.Random, *, dashed: bool = True) -> Value:
    while True:
        body = rng.choice("123456789") + _digits(rng, 8)
        digits = next((body + c for c in "0123456789" if brn_check_ok(body + c)), None)
        if digits:
            break
    norm = f"{digits[:3]}-{digits[3:5]}-{digits[5:]}"
    return (norm if dashed else digits), norm, "dash" if dashed else "plain"


def bad_brn(rng: random.Random) -> str:
    surface, norm, _ = brn(rng)
    digits = norm.replace("-", "")
    wrong = next(c for c in "0123456789" if not brn_check_ok(digits[:-1] + c))
    return surface[:-1] + wrong


def crn(rng: random.Random) -> Value:
    while True:
        body = rng.choice(["1101", "1201", "1301", "1345", "1601", "2001", "1111"]) + rng.choice(["11", "21", "41"])
        body += _digits(rng, 6)
        digits = next(body + c for c in "0123456789" if crn_check_ok(body + c))
        norm = f"{digits[:6]}-{digits[6:]}"
        return norm, norm, "rrn-like" if classify_registration(digits, strong_context=False) else "dash"


def phone(rng: random.Random, kind: str) -> Value:
    """Korean and international phone numbers in the many ways people write them."""
    mid, last = str(rng.randint(2000, 9999)), _digits(rng, 4)
    if kind == "mobile":
        fmt = rng.choice(["{a}-{m}-{l}", "{a}.{m}.{l}", "{a} {m} {l}", "{a}{m}{l}", "({a}) {m}-{l}"])
        return fmt.format(a="010", m=mid, l=last), f"+8210{mid}{last}", "mobile"
    if kind == "plus82":
        fmt = rng.choice(["+82 10 {m} {l}", "+82-10-{m}-{l}", "+82 (0)10 {m} {l}", "+8210{m}{l}", "+82 010-{m}-{l}"])
        return fmt.format(m=mid, l=last), f"+8210{mid}{last}", "plus82"
    if kind == "landline":
        area = rng.choice(["02", "031", "032", "042", "051", "053", "055", "062", "064", "070"])
        m = mid if area in ("02", "070") or rng.random() < 0.5 else mid[:3]
        fmt = rng.choice(["{a}-{m}-{l}", "({a}) {m}-{l}", "{a}) {m}-{l}", "{a}.{m}.{l}"])
        if fmt.startswith("{a})"):
            fmt = "{a}-{m}-{l}"
        return fmt.format(a=area, m=m, l=last), f"+82{area[1:]}{m}{last}", "landline"
    if kind == "rep":
        head = rng.choice(["1588", "1544", "1577", "1600", "1644", "1661", "1800", "1899"])
        return f"{head}-{last}", f"+82{head}{last}", "rep"
    cc, fmt = rng.choice([("1", "+1 {a} {b} {c}"), ("1", "+1-{a}-{b}-{c}"), ("44", "+44 20 {b} {c}"),
                          ("81", "+81 3-{b}-{c}"), ("86", "+86 138 {b} {c}"), ("49", "+49 30 {b}{c}"),
                          ("84", "+84 90 {b} {c}"), ("63", "+63 917 {b} {c}")])
    a, b, c = str(rng.randint(201, 989)), str(rng.randint(200, 999)) + rng.choice("0123456789"), _digits(rng, 4)
    if fmt.startswith("+1"):
        b = b[:3]
    surface = fmt.format(a=a, b=b, c=c)
    return surface, "+" + "".join(ch for ch in surface if ch.isdigit()), "intl"


_FIRST = ["hong", "kim.minsu", "lee_jh", "park2", "choi.sy", "john.doe", "a.smith", "j.kim", "data-team", "sales"]
_DOMAINS = ["naver.com", "daum.net", "hanmail.net", "gmail.com", "kakao.com", "korea.kr", "police.go.kr",
            "example.co.kr", "leak-corp.com", "mail.shop.co.kr", "outlook.com", "pipc.go.kr"]


def email(rng: random.Random) -> Value:
    local = rng.choice(_FIRST) + rng.choice(["", str(rng.randint(1, 99)), "+leak"])
    domain = rng.choice(_DOMAINS)
    surface = f"{local}@{domain}"
    if rng.random() < 0.25:
        surface = surface.upper() if rng.random() < 0.3 else surface[0].upper() + surface[1:]
    return surface, surface.lower(), "plain"


def ipv4(rng: random.Random) -> Value:
    parts = [str(rng.choice([10, 172, 192, 203, 211, 58, 121, 175, 1])), *(str(rng.randint(0, 255)) for _ in range(3))]
    surface = ".".join(parts)
    return surface, surface, "v4"


def ipv6(rng: random.Random) -> Value:
    groups = [rng.choice(["2001", "fe80", "2404", "240e"])] + [f"{rng.randint(0, 65535):x}" for _ in range(7)]
    for i in rng.sample(range(1, 7), rng.randint(0, 3)):
        groups[i] = "0"
    address = ipaddress.IPv6Address(":".join(groups))
    surface = rng.choice([address.compressed, address.exploded, address.compressed.upper()])
    return surface, address.compressed, "v6"


def url(rng: random.Random) -> Value:
    host = rng.choice(["www.leak-corp.com", "Example.CO.KR", "pastebin.com", "files.darkdump.net", "192.168.10.5",
                       "login.naver.com", "shop.example.com:8443"])
    path = rng.choice(["", "/", "/login", "/raw/x8Kd2", "/board/view?id=1024&page=2", "/files/dump_2023.zip"])
    scheme = rng.choice(["https://", "http://"])
    surface = scheme + host + path
    host_l = host.lower()
    norm_path = "" if path == "/" else path
    return surface, (scheme.lower() + host_l + norm_path), "url"


def domain(rng: random.Random) -> Value:
    value = rng.choice(["leak-corp.com", "naver.com", "darkdump.net", "shop.example.co.kr", "fss.go.kr",
                        "coupang.com", "telegram.org", "exfil-storage.io"])
    return value, value, "domain"


def crypto(rng: random.Random, kind: str) -> Value:
    payload = bytes(rng.randrange(256) for _ in range(32))
    if kind == "p2pkh":
        return (value := base58check_encode(b"\x00" + payload[:20])), value, kind
    if kind == "p2sh":
        return (value := base58check_encode(b"\x05" + payload[:20])), value, kind
    if kind == "bech32":
        return (value := segwit_encode("bc", 0, payload[:20])), value, kind
    if kind == "bech32m":
        return (value := segwit_encode("bc", 1, payload)), value, kind
    lower = "0x" + payload[:20].hex()
    if kind == "eth":
        return lower, lower, kind
    return eip55_encode(lower), lower, "eip55"


def bad_crypto(rng: random.Random) -> str:
    """A valid address with one character changed (checksum must catch it)."""
    value, _, kind = crypto(rng, rng.choice(["p2pkh", "bech32", "eip55"]))
    alphabet = {"p2pkh": "23456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz",
                "bech32": "qpzry9x8gf2tvdw0s3jn54khce6mua7l", "eip55": ""}[kind]
    if kind == "eip55":
        i = next(i for i in range(2, 42) if value[i].isalpha())
        return value[:i] + value[i].swapcase() + value[i + 1 :]
    i = rng.randrange(6, len(value) - 1)
    return value[:i] + rng.choice([c for c in alphabet if c != value[i]]) + value[i + 1 :]


def passport(rng: random.Random) -> Value:
    if rng.random() < 0.6:
        value = rng.choice("MMMSR") + _digits(rng, 8)
    else:
        value = "M" + _digits(rng, 3) + rng.choice("ABCDEFGHJKLNPRSTUVWXYZ") + _digits(rng, 4)
    return value, value, "old" if value[1:].isdigit() else "new"


_REGIONS = {"서울": "11", "부산": "12", "경기": "13", "대구": "22", "인천": "23", "광주": "24", "대전": "25"}


def licence(rng: random.Random) -> Value:
    name = rng.choice(sorted(_REGIONS))
    year, serial, check = f"{rng.randint(0, 99):02d}", _digits(rng, 6), _digits(rng, 2)
    norm = f"{_REGIONS[name]}-{year}-{serial}-{check}"
    if rng.random() < 0.3:
        return f"{name} {year}-{serial}-{check}", norm, "region-name"
    return norm, norm, "numeric"


_BANK_FORMATS = (("국민은행", (6, 2, 6)), ("신한은행", (3, 3, 6)), ("우리은행", (4, 3, 6)), ("하나은행", (3, 6, 5)),
                 ("농협", (3, 4, 4, 2)), ("기업은행", (3, 6, 2, 3)), ("카카오뱅크", (4, 2, 7)), ("Shinhan Bank", (3, 3, 6)),
                 ("KB Kookmin Bank", (6, 2, 6)), ("우체국", (6, 2, 6)))


def bank_account(rng: random.Random) -> tuple[str, Value]:
    bank, groups = rng.choice(_BANK_FORMATS)
    parts = [rng.choice("123456789") + _digits(rng, n - 1) for n in groups]
    surface = "-".join(parts)
    return bank, (surface, "".join(parts), "dash")


_PLATE_LETTERS = "가나다라마거너더러머버서어저고노도로모보소오조구누두루무부수우주아바사자허하호배"


def plate(rng: random.Random) -> Value:
    letter = rng.choice(_PLATE_LETTERS)
    kind = rng.choice(["2digit", "3digit", "region", "spaced"])
    head = str(rng.randint(10, 99)) if kind != "3digit" else str(rng.randint(100, 699))
    tail = _digits(rng, 4)
    if kind == "region":
        region = rng.choice(["서울", "부산", "경기", "인천"])
        return f"{region}{head}{letter}{tail}", f"{region}{head}{letter}{tail}", kind
    if kind == "spaced":
        return f"{head}{letter} {tail}", f"{head}{letter}{tail}", kind
    return f"{head}{letter}{tail}", f"{head}{letter}{tail}", kind


_ROADS = ["테헤란로", "세종대로", "판교역로", "동작대로29길", "중앙로12번길", "올림픽로", "해운대로", "봉은사로",
          "디지털로", "가산디지털1로", "월드컵북로", "한강대로"]
_DISTRICTS = [("서울특별시", "강남구"), ("서울", "영등포구"), ("경기도", "성남시 분당구"), ("부산광역시", "해운대구"),
              ("인천광역시", "연수구"), ("대전", "유성구"), ("", "마포구")]
_FULL = {"서울": "서울특별시", "대전": "대전광역시"}
_DONGS = ["역삼동", "삼성동", "신림동", "봉천동", "정자동", "우동", "송도동", "장항리", "오포읍 신현리"]


def address(rng: random.Random, kind: str) -> Value:
    province, units = rng.choice(_DISTRICTS)
    prefix = " ".join(p for p in (province, units) if p)
    norm_prefix = " ".join(p for p in (_FULL.get(province, province), units) if p)
    number = str(rng.randint(1, 999)) + (f"-{rng.randint(1, 30)}" if rng.random() < 0.3 else "")
    if kind == "road":
        road = rng.choice(_ROADS)
        tail = f"{road} {number}"
    else:
        road = rng.choice(_DONGS)
        tail = f"{road} {number}" + ("번지" if rng.random() < 0.5 else "")
    return f"{prefix} {tail}", f"{norm_prefix} {tail}", kind


def bare_road(rng: random.Random) -> Value:
    value = f"{rng.choice(_ROADS)} {rng.randint(1, 999)}"
    return value, value, "bare-road"
