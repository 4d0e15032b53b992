"""Korean road-name addresses (…로/…길 + building number) and lot addresses (…동/…리 + 번지).

The particle 로 ("to, by") and words ending in 동 are everywhere in Korean prose, so an address is accepted
only when it carries an administrative prefix (province, 시/군/구), the 번길/번지 markers, or an address
keyword shortly before. The pattern is anchored on the road/lot suffix and then extended to the left.
"""

from __future__ import annotations

import re

from models.identifiers.base import Detector, Hit, context_before, words

_PROVINCES = {
    "서울특별시": "서울특별시", "서울시": "서울특별시", "서울": "서울특별시",
    "부산광역시": "부산광역시", "부산시": "부산광역시", "부산": "부산광역시",
    "대구광역시": "대구광역시", "대구시": "대구광역시", "대구": "대구광역시",
    "인천광역시": "인천광역시", "인천시": "인천광역시", "인천": "인천광역시",
    "광주광역시": "광주광역시", "광주시": "광주광역시", "광주": "광주광역시",
    "대전광역시": "대전광역시", "대전시": "대전광역시", "대전": "대전광역시",
    "울산광역시": "울산광역시", "울산시": "울산광역시", "울산": "울산광역시",
    "세종특별자치시": "세종특별자치시", "세종시": "세종특별자치시", "세종": "세종특별자치시",
    "경기도": "경기도", "경기": "경기도", "강원특별자치도": "강원특별자치도", "강원도": "강원특별자치도",
    "강원": "강원특별자치도", "충청북도": "충청북도", "충북": "충청북도", "충청남도": "충청남도", "충남": "충청남도",
    "전북특별자치도": "전북특별자치도", "전라북도": "전북특별자치도", "전북": "전북특별자치도",
    "전라남도": "전라남도", "전남": "전라남도", "경상북도": "경상북도", "경북": "경상북도",
    "경상남도": "경상남도", "경남": "경상남도", "제주특별자치도": "제주특별자치도", "제주도": "제주특별자치도",
    "제주": "제주특별자치도",
}
_PROVINCE_ALT = "|".join(sorted(_PROVINCES, key=len, reverse=True))
_ADMIN = r"(?:(?P<prov>" + _PROVINCE_ALT + r")\s)?(?P<units>(?:(?:[가-힣]{1,6}[시군구]\s){1,2}(?:[가-힣]{1,5}[읍면]\s)?)?)"
_ROAD = (
    r"(?P<road>[가-힣]{1,10}(?:\d{1,3}번?)?(?:대로|로|길)(?:\s?(?P<beon>\d{1,4}번?길))?)"
    r"\s?(?P<bno>(?:지하\s?)?\d{1,4}(?:-\d{1,4})?)"
)
_LOT = r"(?P<lot>[가-힣]{1,6}(?:\d?[동리]|\d가))\s?(?P<lno>(?:산\s?)?\d{1,5}(?:-\d{1,5})?)(?P<bunji>\s?번지)?"
_AFTER = (r"(?![0-9])(?!\.\d)(?![가천만억조])(?!\s?(?:[명개시분초년월일원건회차배층호%]|번(?!지)|세\b"
          r"|(?:포인트|퍼센트|프로|달러|위안|가지|곳|엔|대|위|p|pt|bp)(?![가-힣A-Za-z])))")

# Anchor: the suffix and the number; the full pattern is then matched on a window that ends at the anchor.
ANCHOR_PATTERN = re.compile(r"(?:로|길|동|리|가)\s?(?:\d{1,4}번?길\s?)?(?:지하\s?|산\s?)?\d{1,5}(?:-\d{1,5})?(?:\s?번지)?" + _AFTER)
_FULL_ROAD = re.compile(r"(?<![가-힣])" + _ADMIN + _ROAD + r"\Z")
_FULL_LOT = re.compile(r"(?<![가-힣])" + _ADMIN + _LOT + r"\Z")
_ADDRESS_WORDS = words(r"주소", r"소재지", r"거주", r"주거지", r"배송지", r"사무소", r"본점", r"본사", r"사업장",
                       r"address", r"addr\b", r"located", r"도로명", r"지번", r"자택", r"위치")
_WINDOW = 60


def _norm(match: re.Match[str], tail: str) -> str:
    parts = []
    if match.group("prov"):
        parts.append(_PROVINCES[match.group("prov")])
    parts.extend(match.group("units").split())
    parts.extend(tail.split())
    return " ".join(parts)


def _resolve(anchor: re.Match[str], text: str) -> Hit | None:
    end = anchor.end()
    lo = max(0, anchor.start() - _WINDOW)
    window = text[lo:end]
    for full, is_road in ((_FULL_ROAD, True), (_FULL_LOT, False)):
        match = full.search(window)
        if not match:
            continue
        start = lo + match.start()
        units = match.group("units").split()
        # "당시", "필요시" end in 시 too: a lone …시 counts only next to a province or another unit
        has_admin = bool(match.group("prov")) or len(units) > 1 or any(u[-1] in "구군" for u in units)
        if is_road:
            marked = bool(match.group("beon")) or bool(re.search(r"\d(?:번)?길$", match.group("road")))
            tail = f"{match.group('road')} {match.group('bno')}"
        else:
            marked = bool(match.group("bunji"))
            tail = f"{match.group('lot')} {match.group('lno')}{'번지' if marked else ''}"
        keyword = context_before(text, start, _ADDRESS_WORDS, 20)
        if not (has_admin or marked or keyword):
            return None
        if is_road and not (marked or keyword) and match.group("road").endswith("으로"):
            return None  # "경기 부진으로 40": the particle 으로 after a noun; no road name ends in it
        return Hit("ADDRESS", _norm(match, tail), start, end)
    return None


def normalize_address(raw: str) -> str | None:
    text = "주소 " + " ".join(raw.split())  # a query is an address by intent: give it the context word
    for anchor in ANCHOR_PATTERN.finditer(text):
        if anchor.end() == len(text):
            hit = _resolve(anchor, text)
            return hit.norm if hit and hit.start == 3 else None
    return None


DETECTORS = (Detector("address", ANCHOR_PATTERN, _resolve, 30),)
