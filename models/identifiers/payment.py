"""Payment card numbers (Luhn + issuer ranges) and bank account numbers (only next to a bank's name)."""

from __future__ import annotations

import re

from models.identifiers.base import LEAD, RIGHT, Detector, Hit, context_before, digits_of, words
from models.identifiers.checksums import luhn_ok

# Grouped 4-4-4-4(-3) (space, dash or dot), Amex/Diners 4-6-5 / 4-6-4, or one unbroken run of 13-19 digits.
CARD_PATTERN = re.compile(
    r"\d" + LEAD + r"(?:\d{3}(?P<card_s1>[ .-])\d{4}(?P=card_s1)\d{4}(?P=card_s1)\d{4}(?:(?P=card_s1)\d{1,3})?"
    r"|\d{3}(?P<card_s2>[ .-])\d{6}(?P=card_s2)\d{4,5}|\d{12,18})" + RIGHT
)


def _issuer_lengths(digits: str) -> frozenset[int]:
    """Lengths an issuer allows for this prefix (empty when no known issuer uses the prefix)."""
    p2, p3, p4 = int(digits[:2]), int(digits[:3]), int(digits[:4])
    if digits[0] == "4":
        return frozenset((13, 16, 19))  # Visa
    if 51 <= p2 <= 55 or 2221 <= p4 <= 2720:
        return frozenset((16,))  # Mastercard
    if p2 in (34, 37):
        return frozenset((15,))  # American Express
    if 300 <= p3 <= 305 or p2 in (36, 38, 39):
        return frozenset((14, 16))  # Diners Club
    if p4 == 6011 or 644 <= p3 <= 649 or p2 == 65:
        return frozenset((16, 19))  # Discover
    if 3528 <= p4 <= 3589:
        return frozenset((16, 17, 18, 19))  # JCB
    if p2 == 62:
        return frozenset((16, 17, 18, 19))  # UnionPay
    if p2 in (50, 56, 57, 58, 63, 67):
        return frozenset(range(12, 20))  # Maestro
    return frozenset()


def card_ok(digits: str) -> bool:
    """Issuer range, length, Luhn, and not a run or simple sequence of digits."""
    if len(digits) not in _issuer_lengths(digits) or len(set(digits)) == 1:
        return False
    if digits[1:] in "0123456789012345678901234567890" or digits[:12] in "01234567890123456789":
        return False
    return luhn_ok(digits)


_CARD_WORDS = words(r"카드", r"card", r"결제", r"credit", r"debit", r"visa", r"master", r"amex", r"\bPAN\b", r"\bCC\b",
                    r"신용", r"체크")


def _resolve_card(match: re.Match[str], text: str) -> Hit | None:
    raw = match.group(0)
    digits = digits_of(raw)
    if not card_ok(digits):
        return None
    if raw == digits and len(digits) not in (15, 16) and not context_before(text, match.start(), _CARD_WORDS, 30):
        return None  # unbroken 13/14/17-19 digit runs are mostly other serials: card words required
    return Hit("CARD", digits, match.start(), match.end())


def normalize_card(raw: str) -> str | None:
    digits = digits_of(raw)
    if len(digits) != len(re.sub(r"[\s.-]", "", raw)):
        return None
    return digits if card_ok(digits) else None


_BANK_NAMES = (
    r"은행", r"뱅크", r"bank", r"국민", r"신한", r"우리", r"하나", r"농협", r"기업", r"KB", r"NH", r"IBK", r"SC제일",
    r"씨티", r"우체국", r"새마을금고", r"신협", r"수협", r"산업", r"Shinhan", r"Woori", r"Hana", r"Kookmin",
)
_BANK_BEFORE = words(*_BANK_NAMES, r"계좌", r"account", r"a/c", r"acct", r"입금", r"송금", r"이체")
_BANK_AFTER = words(*_BANK_NAMES)
# Between the bank word and the number: no other digits and no word announcing another kind of number.
_OTHER_NUMBER = words(r"\d", r"문서", r"주문", r"송장", r"운송장", r"승인", r"거래\s?번호", r"order", r"invoice",
                      r"tracking", r"ticket", r"ref", r"전화", r"휴대", r"phone", r"tel")
BANK_PATTERN = re.compile(r"\d" + LEAD + r"(?:\d{1,5}(?:-\d{2,7}){1,4}|\d{9,13})" + RIGHT)


def _bank_context(text: str, start: int, end: int) -> bool:
    window_start = max(0, start - 25)
    last = None
    for last in _BANK_BEFORE.finditer(text, window_start, start):
        pass
    if last is not None and not _OTHER_NUMBER.search(text, last.end(), start):
        return True
    after = _BANK_AFTER.search(text, end, min(len(text), end + 12))
    return after is not None and not _OTHER_NUMBER.search(text, end, after.start())


def _resolve_bank(match: re.Match[str], text: str) -> Hit | None:
    raw = match.group(0)
    digits = digits_of(raw)
    if not 10 <= len(digits) <= 14 or len(set(digits)) == 1:
        return None
    if re.fullmatch(r"(?:19|20)\d\d-?[01]\d-?[0-3]\d.*", raw):  # dates and date-prefixed serials
        return None
    if not _bank_context(text, match.start(), match.end()):
        return None
    return Hit("BANK_ACCOUNT", digits, match.start(), match.end())


def normalize_bank(raw: str) -> str | None:
    digits = digits_of(raw)
    if len(digits) != len(re.sub(r"[\s-]", "", raw)) or not 10 <= len(digits) <= 14:
        return None
    return digits


DETECTORS = (
    Detector("card", CARD_PATTERN, _resolve_card, 70),
    Detector("bank", BANK_PATTERN, _resolve_bank, 40),
)
