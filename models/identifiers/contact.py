"""Phone numbers (Korean domestic, +82, international → E.164) and e-mail addresses (lower-cased).

The patterns below find the ways people write numbers; whether a number fits its country's numbering plan is
libphonenumber's call (``phonenumbers``): a possible number, a valid length for its country code and prefix. Not
its stricter "valid" test: that one rejects ranges its metadata lists as unallocated (``010-59xx-xxxx``), and a
number written in evidence is a phone number whether or not the range was handed out when the metadata was.
"""

from __future__ import annotations

import functools
import re

import phonenumbers

from models.identifiers.base import Detector, Hit, context_before, digits_of, words

# Korean prefixes after the trunk 0: mobile 010/011/016-019, Seoul 02, regional 031-064, VoIP 070,
# toll-free 080, personal "safe numbers" 0502-0508.
_AREA = r"1[016789]|2|3[1-3]|4[1-4]|5[1-5]|6[1-4]|70|80|50[2-8]"
_KR_BODY = (
    r"(?P<area>" + _AREA + r")\)?(?P<s1>[-. ]?|\) ?)(?P<mid>\d{3,4})(?P<s2>[-. ]?)(?P<last>\d{4})"
    r"(?![0-9A-Za-z])(?![-.][0-9])"
)
# Domestic: "(02) 123-4567", "010-1234-5678", "01012345678". International Korean: "+82 10 1234 5678",
# "+82-(0)10-…", "+82 010-…". Each pattern starts with a plain character so the engine can skip ahead.
KR_PHONE_PATTERN = re.compile(r"[(0](?<![0-9A-Za-z+].)(?<![0-9][-.].)(?:(?<=\()0|(?<=0))" + _KR_BODY)
KR_INTL_PHONE_PATTERN = re.compile(r"\+(?<![0-9A-Za-z+].)[ ]?82[-. ]?(?:\(0\)[-. ]?)?\(?0?" + _KR_BODY)
# Nationwide "representative" numbers (1588-xxxx, 1644-xxxx, 1800-xxxx…): only written with a dash.
REP_PHONE_PATTERN = re.compile(r"1(?<![0-9A-Za-z+\-.].)([568]\d\d)-(\d{4})(?![0-9A-Za-z])(?![-.][0-9])")
# Digit runs are possessive (``\d++``) so a long run of digits cannot be split in exponentially many ways.
INTL_PHONE_PATTERN = re.compile(
    r"\+(?<![0-9A-Za-z+].)(?!82)\d++(?:[ .-]?(?:\(\d++\)|\d++)){1,6}+(?![0-9A-Za-z])(?![-.][0-9])"
)
_PHONE_WORDS = words(r"전화", r"연락처", r"휴대", r"핸드폰", r"\btel\b", r"phone", r"mobile", r"\bcell\b", r"\bfax\b",
                     r"팩스", r"call", r"contact", r"번호")
_REP_WORDS = words(r"대표", r"고객", r"센터", r"콜", r"문의", r"상담", r"전화", r"\btel\b", r"phone", r"call",
                   r"hotline", r"support", r"ARS")


@functools.lru_cache(maxsize=16384)
def e164(number: str, strict: bool = False) -> str | None:
    """``number`` (``+`` and digits) in E.164 when libphonenumber finds it possible (or valid, ``strict``)."""
    try:
        parsed = phonenumbers.parse(number)
    except phonenumbers.NumberParseException:
        return None
    ok = phonenumbers.is_valid_number(parsed) if strict else phonenumbers.is_possible_number(parsed)
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164) if ok else None


def korean_e164(area: str, mid: str, last: str) -> str | None:
    """E.164 for a Korean number split into prefix (without the trunk 0), middle and last groups."""
    if mid[0] == "0" or (area == "70" and len(mid) != 4):
        return None  # exchanges never start with 0; VoIP numbers are 070-XXXX-XXXX
    return e164(f"+82{area}{mid}{last}")


def _resolve_kr(match: re.Match[str], text: str) -> Hit | None:
    area, mid, last = match.group("area"), match.group("mid"), match.group("last")
    start = match.start()
    raw = match.group(0)
    if raw.startswith("(") and ")" not in raw:
        start += 1
    if raw[0] != "+" and not (match.group("s1") or match.group("s2")):
        if not (area.startswith("1") and len(mid) == 4) and not context_before(text, start, _PHONE_WORDS, 30):
            return None  # an unbroken run of 9-11 digits is only a landline with context
    norm = korean_e164(area, mid, last)
    return Hit("PHONE", norm, start, match.end()) if norm else None


def _resolve_rep(match: re.Match[str], text: str) -> Hit | None:
    if not context_before(text, match.start(), _REP_WORDS, 30):
        return None
    norm = e164("+821" + match.group(1) + match.group(2))
    return Hit("PHONE", norm, match.start(), match.end()) if norm else None


def _intl_norm(raw: str) -> str | None:
    digits = digits_of(raw.replace("(0)", ""))  # "(0)" is the trunk prefix some countries print after the code
    if not 8 <= len(digits) <= 15 or digits[0] == "0" or digits.startswith("82"):
        return None  # E.164 allows at most 15 digits; +82 numbers go through the Korean rules
    return e164("+" + digits)


def _resolve_intl(match: re.Match[str], text: str) -> Hit | None:
    norm = _intl_norm(match.group(0))
    return Hit("PHONE", norm, match.start(), match.end()) if norm else None


def normalize_phone(raw: str) -> str | None:
    """E.164 of a phone number typed as a query (``010-1234-5678``, ``+82 10 1234 5678``, ``+1 415 555 2671``)."""
    raw = raw.strip()
    match = KR_PHONE_PATTERN.fullmatch(raw) or KR_INTL_PHONE_PATTERN.fullmatch(raw)
    if match:
        return korean_e164(match.group("area"), match.group("mid"), match.group("last"))
    match = REP_PHONE_PATTERN.fullmatch(raw)
    if match:
        return e164("+821" + match.group(1) + match.group(2))
    if INTL_PHONE_PATTERN.fullmatch(raw):
        return _intl_norm(raw)
    return None


# E-mail: anchored on "@" so that ordinary words cost nothing; the local part is read backwards.
_LABEL = r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
EMAIL_PATTERN = re.compile(
    r"@(" + _LABEL + r"(?:\." + _LABEL + r")*\.([A-Za-z]{2,24}))(?![A-Za-z0-9-])(?!\.[A-Za-z0-9])"
)
_LOCAL_CHARS = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._%+-'")
_FILE_TLDS = frozenset({"png", "jpg", "jpeg", "gif", "svg", "webp", "bmp", "ico", "pdf", "css", "js", "html", "htm"})


def _local_start(text: str, at: int) -> int:
    i = at
    while i > 0 and at - i < 64 and text[i - 1] in _LOCAL_CHARS:
        i -= 1
    while i < at and text[i] in ".'-":
        i += 1
    return i


def _email_norm(local: str, domain: str, tld: str) -> str | None:
    if not local or local.endswith(".") or ".." in local or tld.lower() in _FILE_TLDS:
        return None
    return f"{local}@{domain}".lower()


def _resolve_email(match: re.Match[str], text: str) -> Hit | None:
    at = match.start()
    start = _local_start(text, at)
    if start > 0 and text[start - 1] in "/@":
        return None  # a path segment or a double "@"
    token_start = max(text.rfind(" ", 0, start), text.rfind("\n", 0, start)) + 1
    if "://" in text[token_start:start]:
        return None  # user-info inside a URL ("ftp://user:pass@host")
    norm = _email_norm(text[start:at], match.group(1), match.group(2))
    return Hit("EMAIL", norm, start, match.end()) if norm else None


def normalize_email(raw: str) -> str | None:
    raw = raw.strip()
    if raw.lower().startswith("mailto:"):
        raw = raw[7:]
    local, sep, rest = raw.rpartition("@")
    match = EMAIL_PATTERN.fullmatch("@" + rest) if sep else None
    if not match or _local_start(raw, len(local)) != 0:
        return None
    return _email_norm(local, match.group(1), match.group(2))


DETECTORS = (
    Detector("phone_kr", KR_PHONE_PATTERN, _resolve_kr, 55),
    Detector("phone_kr_intl", KR_INTL_PHONE_PATTERN, _resolve_kr, 55),
    Detector("phone_rep", REP_PHONE_PATTERN, _resolve_rep, 54),
    Detector("phone_intl", INTL_PHONE_PATTERN, _resolve_intl, 53),
    Detector("email", EMAIL_PATTERN, _resolve_email, 90),
)
