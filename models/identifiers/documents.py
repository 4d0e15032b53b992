"""Passport numbers, driver's licence numbers and vehicle plates (Korean formats).

Passport and licence numbers look like many other codes, so both need context words nearby. Plates have a
distinctive Hangul letter in the middle and are accepted without context.
"""

from __future__ import annotations

import re

from models.identifiers.base import LEAD, RIGHT, Detector, Hit, context_around, digits_of, words

_PASSPORT_WORDS = words(r"여권", r"passport", r"\bPP\s?(?:no|#)", r"旅券", r"护照")
_LICENCE_WORDS = words(r"면허", r"driv\w*\s*licen[cs]e", r"driver'?s?\s*(?:no|number|#)", r"\bDL\s?(?:no|#|:)",
                       r"licen[cs]e\s*(?:no|number|#)")

# Old passports: type letter + 8 digits; since December 2021: M + 3 digits + letter + 4 digits.
PASSPORT_PATTERN = re.compile(r"[MSRGD](?<![0-9A-Za-z].)[ ]?(?:\d{8}|\d{3}[A-Z]\d{4})" + RIGHT)

_REGION_CODES = {
    "서울": "11", "부산": "12", "경기": "13", "강원": "14", "충북": "15", "충남": "16", "전북": "17", "전남": "18",
    "경북": "19", "경남": "20", "제주": "21", "대구": "22", "인천": "23", "광주": "24", "대전": "25", "울산": "26",
    "경기북부": "28", "세종": "29",
}
_REGION_NUMBERS = frozenset(_REGION_CODES.values())
_REGION_ALT = "|".join(sorted(_REGION_CODES, key=len, reverse=True))
LICENCE_PATTERN = re.compile(r"\d" + LEAD + r"\d(?P<dl_sep>[- ]?)\d{2}(?P=dl_sep)\d{6}(?P=dl_sep)\d{2}" + RIGHT)
NAMED_LICENCE_PATTERN = re.compile(r"(?:" + _REGION_ALT + r")[ ]?\d{2}([- ]?)\d{6}\1\d{2}" + RIGHT)

_PLATE_LETTERS = "가나다라마거너더러머버서어저고노도로모보소오조구누두루무부수우주아바사자배하허호"
_PLATE_REGIONS = "서울|부산|대구|인천|광주|대전|울산|세종|경기|강원|충북|충남|전북|전남|경북|경남|제주"
_UNIT_AFTER = "억만원천백명개년월일건호번회세층"
PLATE_PATTERN = re.compile(
    r"\d(?<![0-9].)\d{1,2}[ ]?[" + _PLATE_LETTERS + r"][ ]?\d{4}(?![0-9])(?![" + _UNIT_AFTER + r"])"
)
_PLATE_REGION_BEFORE = re.compile(r"(?:" + _PLATE_REGIONS + r")[ ]?\Z")
_PLATE_PARTS = re.compile(r"(\d{2,3}) ?(.) ?(\d{4})")


def _resolve_passport(match: re.Match[str], text: str) -> Hit | None:
    start, end = match.span()
    if not context_around(text, start, end, _PASSPORT_WORDS, 40, 10):
        return None
    norm = match.group(0).replace(" ", "")
    if len(set(norm[1:])) == 1:
        return None
    return Hit("PASSPORT", norm, start, end)


def normalize_passport(raw: str) -> str | None:
    compact = re.sub(r"[\s-]", "", raw).upper()
    return compact if re.fullmatch(r"[MSRGD](?:\d{8}|\d{3}[A-Z]\d{4})", compact) else None


def _licence_norm(raw: str) -> str | None:
    region_name = raw[:2] if not raw[0].isdigit() else None
    digits = digits_of(raw)
    if region_name:
        code = _REGION_CODES.get(raw[:4].strip()) or _REGION_CODES.get(region_name)
        digits = (code or "") + digits
    if len(digits) != 12 or digits[:2] not in _REGION_NUMBERS:
        return None
    return f"{digits[:2]}-{digits[2:4]}-{digits[4:10]}-{digits[10:]}"


def _resolve_licence(match: re.Match[str], text: str) -> Hit | None:
    start, end = match.span()
    norm = _licence_norm(match.group(0))
    if norm is None or not context_around(text, start, end, _LICENCE_WORDS, 40, 10):
        return None
    return Hit("DRIVER_LICENSE", norm, start, end)


def normalize_licence(raw: str) -> str | None:
    raw = raw.strip()
    if not (LICENCE_PATTERN.fullmatch(raw) or NAMED_LICENCE_PATTERN.fullmatch(raw)):
        return None
    return _licence_norm(raw)


def _plate(raw: str, region: str) -> str:
    number, letter, serial = _PLATE_PARTS.fullmatch(raw).groups()  # type: ignore[union-attr]
    return f"{region}{number}{letter}{serial}"


def _resolve_plate(match: re.Match[str], text: str) -> Hit | None:
    start = match.start()
    before = _PLATE_REGION_BEFORE.search(text, max(0, start - 3), start)
    region = before.group(0).strip() if before else ""
    if before:
        start = before.start()
    elif start > 0 and "가" <= text[start - 1] <= "힣":
        return None  # "종로12가…" style place names glued to the digits are not plates
    return Hit("VEHICLE_PLATE", _plate(match.group(0), region), start, match.end())


def normalize_plate(raw: str) -> str | None:
    raw = raw.strip()
    for match in PLATE_PATTERN.finditer(raw):
        if match.end() == len(raw):
            prefix = raw[: match.start()].strip()
            if prefix and not _PLATE_REGION_BEFORE.fullmatch(prefix):
                return None
            return _plate(match.group(0), prefix)
    return None


DETECTORS = (
    Detector("passport", PASSPORT_PATTERN, _resolve_passport, 57),
    Detector("licence", LICENCE_PATTERN, _resolve_licence, 58),
    Detector("licence_named", NAMED_LICENCE_PATTERN, _resolve_licence, 58),
    Detector("plate", PLATE_PATTERN, _resolve_plate, 45),
)
