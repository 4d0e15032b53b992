"""Passport numbers, driver's licence numbers and vehicle plates (Korean formats).

Passport and licence numbers look like many other codes, so both need context words nearby. Plates have a
distinctive Hangul letter in the middle and are accepted without context.
"""

from __future__ import annotations

import re

from models.identifiers.base import LEFT, RIGHT, Detector, Hit, context_around, words

_PASSPORT_WORDS = words(r"여권", r"passport", r"\bPP\s?(?:no|#)", r"旅券", r"护照")
_LICENCE_WORDS = words(r"면허", r"driv\w*\s*licen[cs]e", r"driver'?s?\s*(?:no|number|#)", r"\bDL\s?(?:no|#|:)",
                       r"licen[cs]e\s*(?:no|number|#)")

# Old passports: type letter + 8 digits; since December 2021: M + 3 digits + letter + 4 digits.
PASSPORT_PATTERN = re.compile(LEFT + r"([MSRGDmsrgd])[ ]?(\d{8}|\d{3}[A-Za-z]\d{4})" + RIGHT)

_REGION_CODES = {
    "서울": "11", "부산": "12", "경기": "13", "강원": "14", "충북": "15", "충남": "16", "전북": "17", "전남": "18",
    "경북": "19", "경남": "20", "제주": "21", "대구": "22", "인천": "23", "광주": "24", "대전": "25", "울산": "26",
    "경기북부": "28", "세종": "29",
}
_REGION_NUMBERS = frozenset(_REGION_CODES.values())
_REGION_ALT = "|".join(sorted(_REGION_CODES, key=len, reverse=True))
LICENCE_PATTERN = re.compile(
    LEFT + r"(?:(" + _REGION_ALT + r")[ ]?|(\d{2})([- ]?))(\d{2})([- ]?)(\d{6})\5(\d{2})" + RIGHT
)

_PLATE_LETTERS = "가나다라마거너더러머버서어저고노도로모보소오조구누두루무부수우주아바사자배하허호"
_PLATE_REGIONS = "서울|부산|대구|인천|광주|대전|울산|세종|경기|강원|충북|충남|전북|전남|경북|경남|제주"
_UNIT_AFTER = "억만원천백명개년월일건호번회세층"
PLATE_PATTERN = re.compile(
    r"(?<![0-9])(?:(" + _PLATE_REGIONS + r")[ ]?)?(\d{2,3})[ ]?([" + _PLATE_LETTERS + r"])[ ]?(\d{4})"
    r"(?![0-9])(?![" + _UNIT_AFTER + r"])"
)


def _resolve_passport(match: re.Match[str], text: str) -> Hit | None:
    start, end = match.span()
    if not context_around(text, start, end, _PASSPORT_WORDS, 40, 10):
        return None
    norm = (match.group(1) + match.group(2)).upper()
    if len(set(norm[1:])) == 1:
        return None
    return Hit("PASSPORT", norm, start, end)


def normalize_passport(raw: str) -> str | None:
    compact = re.sub(r"[\s-]", "", raw).upper()
    return compact if re.fullmatch(r"[MSRGD](?:\d{8}|\d{3}[A-Z]\d{4})", compact) else None


def _licence_norm(region_name: str | None, region: str | None, year: str, serial: str, check: str) -> str | None:
    code = _REGION_CODES.get(region_name) if region_name else region
    if code not in _REGION_NUMBERS:
        return None
    return f"{code}-{year}-{serial}-{check}"


def _resolve_licence(match: re.Match[str], text: str) -> Hit | None:
    start, end = match.span()
    if match.group(2) and match.group(3) != match.group(5):
        return None
    norm = _licence_norm(match.group(1), match.group(2), match.group(4), match.group(6), match.group(7))
    if norm is None or not context_around(text, start, end, _LICENCE_WORDS, 40, 10):
        return None
    return Hit("DRIVER_LICENSE", norm, start, end)


def normalize_licence(raw: str) -> str | None:
    match = LICENCE_PATTERN.fullmatch(raw.strip())
    if not match:
        return None
    return _licence_norm(match.group(1), match.group(2), match.group(4), match.group(6), match.group(7))


def _resolve_plate(match: re.Match[str], text: str) -> Hit | None:
    region, number, letter, serial = match.groups()
    start = match.start() if region else match.start(2)
    if start > 0 and "가" <= text[start - 1] <= "힣" and not region:
        # "종로12가…" style place names glued to the digits are not plates
        return None
    return Hit("VEHICLE_PLATE", f"{region or ''}{number}{letter}{serial}", start, match.end())


def normalize_plate(raw: str) -> str | None:
    match = PLATE_PATTERN.fullmatch(raw.strip())
    if not match:
        return None
    region, number, letter, serial = match.groups()
    return f"{region or ''}{number}{letter}{serial}"


DETECTORS = (
    Detector("passport", PASSPORT_PATTERN, _resolve_passport, 57),
    Detector("licence", LICENCE_PATTERN, _resolve_licence, 58),
    Detector("plate", PLATE_PATTERN, _resolve_plate, 45),
)
