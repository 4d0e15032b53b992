"""Korean state-issued numbers: resident/foreigner (RRN/FRN), business (BRN) and corporate (CRN) registration.

Resident and foreigner registration numbers are ``YYMMDD-GSSSSSC``. The seventh digit G gives sex and century
(9/0: 1800s, 1/2: 1900s, 3/4: 2000s; 5-8 the same for foreigners: 5/6 1900s, 7/8 2000s). Until October 2020
the last six digits were a region code, a serial and a check digit; since then numbers issued (new births, new
registrations, changed numbers) end in six random digits. Rules applied here:

* the birth date must exist and not lie in the future; a birth in the 1800s (digit 9/0) needs strong context;
* a correct check digit is enough (dashed or not);
* a wrong check digit is accepted only with strong context (the words 주민등록번호, 외국인등록번호, RRN…
  right before) and only when the number can be post-2020: an RRN whose birth date is on or after 2020-10-01,
  or any FRN (a foreigner born long ago may be registered today). Numbers changed after 2020 for older
  citizens (rare; e.g. leak victims) are therefore missed unless their check digit happens to match.

A 13-digit number that is not a valid RRN/FRN may be a corporate registration number: weights 1,2,… check digit,
accepted only with corporate context, since one random 13-digit number in ten passes the check.
"""

from __future__ import annotations

import datetime as _dt
import re

from models.identifiers.base import LEAD, RIGHT, Detector, Hit, context_before, digits_of, words
from models.identifiers.checksums import brn_check_ok, crn_check_ok, frn_check_ok, rrn_check_ok

_CENTURY = {"9": 1800, "0": 1800, "1": 1900, "2": 1900, "3": 2000, "4": 2000,
            "5": 1900, "6": 1900, "7": 2000, "8": 2000}
_FOREIGN = frozenset("5678")
_CHANGE = _dt.date(2020, 10, 1)

_RRN_WORDS = words(r"주민\s?등록\s?번호", r"주민\s?번호", r"주민등록", r"\bRRN\b", r"resident\s+(?:registration|reg\.?)",
                   r"\bjumin\b", r"생년월일")
_FRN_WORDS = words(r"외국인\s?등록\s?번호", r"외국인\s?번호", r"\bARC\b", r"alien\s+reg", r"foreigner\s+reg",
                   r"\bFRN\b", r"외국인등록증")
_CRN_WORDS = words(r"법인\s?등록\s?번호", r"법인\s?번호", r"corporat\w*\s+reg", r"\bCRN\b", r"법인")
_CRN_LABEL = words(r"법인\s?등록\s?번호", r"법인\s?번호", r"corporat\w*\s+reg\w*\s*(?:no|number|#)", r"\bCRN\b")
_BRN_WORDS = words(r"사업자", r"등록\s?번호", r"business\s+reg", r"\bBRN\b", r"tax\s*(?:id|no)", r"\bbiz\b")

RRN_PATTERN = re.compile(r"\d" + LEAD + r"\d{5}(?:[ ]?[-‐–][ ]?|[ ])?\d{7}" + RIGHT)
BRN_PATTERN = re.compile(r"\d" + LEAD + r"\d{2}(?P<brn_sep>[- ]?)\d{2}(?P=brn_sep)\d{5}" + RIGHT)


def birth_date(digits: str) -> _dt.date | None:
    """The birth date encoded in a 13-digit RRN/FRN, or None when it does not exist or lies in the future."""
    century = _CENTURY[digits[6]]
    try:
        born = _dt.date(century + int(digits[0:2]), int(digits[2:4]), int(digits[4:6]))
    except ValueError:
        return None
    return born if born <= _dt.date.today() else None


def classify_registration(digits: str, *, strong_context: bool) -> str | None:
    """Return ``RRN``/``FRN`` when the 13 digits are a plausible registration number, else None."""
    born = birth_date(digits)
    if born is None:
        return None
    foreign = digits[6] in _FOREIGN
    if born.year < 1900 and not strong_context:
        return None  # century digits 9/0 (born in the 1800s): in modern records these are serials, not people
    if (frn_check_ok if foreign else rrn_check_ok)(digits):
        return "FRN" if foreign else "RRN"
    if not strong_context:
        return None
    if foreign:
        return "FRN"
    return "RRN" if born >= _CHANGE else None


def _format13(digits: str) -> str:
    return f"{digits[:6]}-{digits[6:]}"


def _resolve_registration(match: re.Match[str], text: str) -> Hit | None:
    digits = digits_of(match.group(0))
    start, end = match.span()
    if len(set(digits)) == 1:
        return None
    if crn_check_ok(digits) and context_before(text, start, _CRN_LABEL, 20):
        return Hit("CRN", _format13(digits), start, end)  # labelled as a corporate number: trust the label
    foreign = digits[6] in _FOREIGN
    label = classify_registration(digits, strong_context=False)
    if label is None and birth_date(digits) is not None:
        strong = context_before(text, start, _FRN_WORDS if foreign else _RRN_WORDS, 30)
        label = classify_registration(digits, strong_context=strong) if strong else None
    if label:
        return Hit(label, _format13(digits), start, end)
    if crn_check_ok(digits) and context_before(text, start, _CRN_WORDS, 30):
        return Hit("CRN", _format13(digits), start, end)
    return None


def _resolve_brn(match: re.Match[str], text: str) -> Hit | None:
    digits = digits_of(match.group(0))
    start, end = match.span()
    if digits.startswith("000") or len(set(digits)) == 1 or not brn_check_ok(digits):
        return None
    if match.group("brn_sep") != "-" and not context_before(text, start, _BRN_WORDS, 30):
        return None
    return Hit("BRN", f"{digits[:3]}-{digits[3:5]}-{digits[5:]}", start, end)


def normalize_registration(label: str, raw: str) -> str | None:
    """Normalise an RRN/FRN/CRN typed as a query; the query itself counts as strong context."""
    digits = digits_of(raw)
    if len(digits) != 13 or len(digits_of(raw)) != len(re.sub(r"[\s\-‐–]", "", raw)):
        return None
    if label == "CRN":
        return _format13(digits) if crn_check_ok(digits) else None
    found = classify_registration(digits, strong_context=True)
    return _format13(digits) if found == label else None


def normalize_brn(raw: str) -> str | None:
    digits = digits_of(raw)
    if len(digits) != 10 or len(digits) != len(re.sub(r"[\s\-]", "", raw)) or not brn_check_ok(digits):
        return None
    return f"{digits[:3]}-{digits[3:5]}-{digits[5:]}"


DETECTORS = (
    Detector("registration", RRN_PATTERN, _resolve_registration, 75),
    Detector("brn", BRN_PATTERN, _resolve_brn, 60),
)
