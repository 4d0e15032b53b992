"""Entity hygiene: why a model's PERSON/ORG/LOCATION mention cannot be a facet value.

One filter with named reasons, applied to every model mention (gazetteer matches are trusted). Each reason is a
class of junk seen on real documents, not a list of bad values. The last two apply to English-model mentions
only (KLUE marks lone surnames and ``A씨`` as persons). Lower-case mentions are kept: web text writes
``florida`` and ``taco bell``; foreign-language sentences, where most lower-case junk came from, no longer reach
the English model (``models.ner.chunking.segment_language``).

    line_break   the span runs across a line, cell or tab break (``Sid\\nVincent``, ``Potsdam\\nInformationen``)
    identifier   URL, e-mail address, file name, hex digest, base64 run, or shaped like an identifier
    amount       a number, amount or unit with no name in it (``KRW 90bn``, ``165bn``, ``40``)
    script       letters mostly in scripts neither model reads (Cyrillic, Greek, Arabic…; Hanja and kana are
                 kept, Korean text writes Chinese and Japanese names in them), private-use/control characters,
                 or mis-decoded UTF-8 (``EntÃ£o``)
    technical    a file format, protocol, algorithm, hardware or tax/currency code (``RAM``, ``VAT``, ``SHA-256``)
    predicate    ends in a Korean predicate (``사실을 신고하였다``)
    font         a Korean typeface or style name (``바탕체``, ``나눔고딕``)
    repeated     Hangul words that repeat themselves (``누름틀롱 누름틀롱``, ``틀롱 누름틀롱 누름``: a form field's or a
                 table's repeated cell, or a model's slice of one)
    reference    a reference to a part of a document (``Annex A.``, ``Section 4.2``, ``별첨 1``, ``제3조``)
    common_noun  a PERSON of three or more syllables that Kiwi's core dictionary knows only as a common noun,
                 or as a compound of such nouns (``심전도``, ``게이트웨이``, ``보안담당자``; see ``models.ner.lexicon``)
    header       the name of a mail or memo header field (``From``, ``cc``, ``Author``, ``Attendees``, ``수신``)
    too_short    fewer than two letters and digits
    digits       the last word has digits glued to lower-case letters (``John Smith46``, ``Sheet1``)
"""

from __future__ import annotations

import re
from typing import Final

NAME_LABELS: Final = frozenset({"PERSON", "ORG", "LOCATION"})
REASONS: Final = ("line_break", "identifier", "amount", "script", "technical", "predicate", "font", "repeated",
                  "reference", "common_noun", "header", "too_short", "digits")
ENGLISH_SOURCE: Final = "spacy-en"

_BREAK = re.compile(r"[\n\r\t\v\f\u2028\u2029]")
_URL = re.compile(r"(?i)\b(?:https?://|ftp://|www\.)|\.(?:com|net|org|kr|io|de|fr)(?:/|$)")
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)*")
_FILE = re.compile(r"(?i)\S\.(?:gif|png|jpe?g|bmp|svg|pdf|docx?|xlsx?|pptx?|hwpx?|zip|7z|rar|txt|csv|json|xml|"
                   r"html?|msg|eml|exe|dll|js|py|sh)$")
_HEX = re.compile(r"\b[0-9a-fA-F]{16,}\b")
# a ticket, error or part code: E-404, SEC-1182, CVE_2024, DCF-F-2476
_CODE = re.compile(r"[A-Z]{1,6}(?:[-_][A-Z]{1,6})*[-_]?\d{2,}")
_BASE64 = re.compile(r"[A-Za-z0-9+/]{20,}={0,2}")
_NUMBER = re.compile(r"\d")
_AMOUNT = re.compile(
    r"(?i)^(?:krw|usd|eur|jpy|cny|rmb|gbp|won|us\$|\$|₩|€|£|¥)?\s*[+-]?\d[\d.,\s]*"
    r"(?:bn|b|mn|m|k|tn|million|billion|trillion|thousand|won|dollars?|%|원|만|억|조|천|달러|위안|엔|건|명|개|배|"
    r"kb|mb|gb|tb|ms|s|kg|km|m2|㎡)?\.?\s*(?:krw|usd|eur|won|원)?$"
)
_PRIVATE = re.compile(r"[\ue000-\uf8ff\x00-\x08\x0e-\x1f\x7f-\x9f\ufffd]")
_PREDICATE_END = re.compile(r"[\uac00-\ud7a3]*(다|니다|습니다|요)$")
_FONT = re.compile(r"^[\uac00-\ud7a3A-Za-z]{0,4}(?:고딕|명조|굴림|돋움|바탕|궁서|신명|견명|견고딕)(?:체)?$|^[\uac00-\ud7a3]{1,3}체$"
                   r"|^HY[\uac00-\ud7a3]{1,8}[LMB]$")  # HY헤드라인M, HY그래픽M: the fonts of Korean public documents
# a document part: its name, then a number, letter or roman numeral (``Annex A.``, ``Schedule 2(b)``, ``§ 3``)
_REFERENCE = re.compile(
    r"(?i)^(?:annex|appendix|attachment|enclosure|exhibit|schedule|section|sec\.?|article|art\.?|clause|chapter|"
    r"part|table|figure|fig\.?|page|p\.|paragraph|para\.?|item|note|form|box|§)\s*"
    r"(?:[a-z](?:-?\d+)?|[ivxlc]+|\d+(?:[.\-]\d+)*[a-z]?)(?:\s*\(\w{1,3}\))?\.?$"
    r"|^(?:별첨|별지|별표|부록|첨부|붙임|참고|서식|표|그림|사진|각주)\s*(?:제\s*)?(?:\d+|[A-Za-z가-하])\s*(?:호|번|장|절)?\.?$"
    r"|^제\s*\d+\s*(?:조|항|호|장|절|관|편)(?:의\s*\d+)?$"
)
_SYLLABLES = re.compile(r"[\uac00-\ud7a3]{3,}")
# the fields of a mail or memo header (a model reads ``From: 서철원`` as a person called "From")
_HEADER = re.compile(r"(?i)^(?:from|to|cc|bcc|subject|sent|date|re|fw|fwd|author|authors|attendees|participants|"
                     r"recipients?|sender|signed|prepared by|reviewed by|approved by|memo|발신|수신|참조|제목|작성자|"
                     r"참석자|보낸 사람|받는 사람)\s*:?$")
_GLUED_DIGITS = re.compile(r"(?:^|\s)[A-Za-z]*[a-z]\d+$")
_BRAND = re.compile(r"\d+[A-Z]$")  # 3M, 7E: a digit and a capital is a name, not "3 m"
_MOJIBAKE = re.compile(r"[ÃÂ][\x80-\xbf]|â€")
_TECHNICAL: Final = frozenset(
    # formats and encodings
    "PDF PDFA HWP HWPX HWPML ODT ODS ODF MSG EML PST DOC DOCX XLS XLSX PPT PPTX CSV TSV JSON XML HTML HTM YAML TXT RTF ZIP "
    "UTF ASCII MIME JPEG JPG PNG GIF TIFF SVG MP3 MP4 "
    # networks, protocols, software
    "IP ID URL URI API SDK SMS MMS OTP VPN DB DBMS PC OS CPU GPU RAM ROM SSD HDD USB HTTP HTTPS FTP SFTP SSH SSL "
    "TLS DNS TCP UDP SQL NAS LAN WAN WIFI LTE WAF IDS IPS MFA SSO LDAP CVE UI UX QR AI ML LLM "
    # algorithms
    "SHA MD5 AES RSA DES HMAC PGP GPG ECC "
    # tax, money and units
    "VAT GST KRW USD EUR JPY CNY GBP PER COR PMR KPI ROI EBITDA FY YOY QOQ PDT".split()
)


def _letters(text: str) -> tuple[int, int, int]:
    """Counts of Hangul, Latin (incl. accented) and other letters; CJK ideographs and kana count as Hangul."""
    hangul = latin = other = 0
    for char in text:
        if not char.isalpha():
            continue
        code = ord(char)
        if (0xAC00 <= code <= 0xD7A3 or 0x1100 <= code <= 0x11FF or 0x3130 <= code <= 0x318F
                or 0x3040 <= code <= 0x30FF or 0x3400 <= code <= 0x9FFF or 0xF900 <= code <= 0xFAFF):
            hangul += 1
        elif code < 0x250 or 0x1E00 <= code <= 0x1EFF:
            latin += 1
        else:
            other += 1
    return hangul, latin, other


def _technical(text: str) -> bool:
    """An acronym-like mention whose core (``SHA-256`` → ``SHA``, ``PDF/A`` → ``PDFA``) is a technical term."""
    compact = re.sub(r"[\s/\-_.]", "", text)
    core = re.sub(r"\d+$", "", compact)
    return compact.isascii() and core.isupper() and (core in _TECHNICAL or compact in _TECHNICAL)


def _identifier(text: str) -> bool:
    if _URL.search(text) or _EMAIL.search(text) or _FILE.search(text) or _HEX.search(text):
        return True
    run = _BASE64.search(text)
    if run and _NUMBER.search(run.group()) and re.search(r"[a-z]", run.group()) and re.search(r"[A-Z]", run.group()):
        return True
    from models.identifiers.tokens import looks_like_identifier

    return looks_like_identifier(text)


_GLUE = re.compile(r"[A-Za-z0-9][-_#./]?$")


def number_in_code(context: str, start: int, end: int) -> bool:
    """Whether the mention ``context[start:end]`` (a model's QUANTITY, DATE…) is the number of a code written on
    (``SEC-1182``, ``v2.3.1``, ``E-404``): a Latin letter or digit, or one of ``- _ # . /`` after one, right
    before it, or a Latin letter right after it. Korean units and counters are Hangul, so ``3,370만 건`` stays."""
    before = _GLUE.search(context, max(0, start - 2), start)
    after = end < len(context) and context[end].isascii() and context[end].isalpha()
    return bool(before) or after


def _periodic(text: str) -> bool:
    """Hangul that repeats itself (``누름틀롱 누름틀롱``, and a model's slice of such a run, ``틀롱 누름틀롱 누름``): the
    letters, spaces left out, equal themselves shifted by a period, over two letters at least."""
    letters = "".join(text.split())
    if not letters or not all("\uac00" <= c <= "\ud7a3" for c in letters):
        return False
    return any(letters[period:] == letters[:-period] for period in range(1, len(letters) - 1))


def junk_reason(label: str, text: str, source: str = ENGLISH_SOURCE) -> str | None:
    """The reason (one of ``REASONS``) a ``label`` mention ``text`` is not a name, or ``None`` when it may be one.

    ``source`` is the model that found it (``spacy-en`` gets the English-only checks). Labels other than
    PERSON, ORG and LOCATION are never judged.
    """
    if label not in NAME_LABELS:
        return None
    if _BREAK.search(text):
        return "line_break"
    if _identifier(text):
        return "identifier"
    hangul, latin, other = _letters(text)
    if not hangul + latin + other or (_AMOUNT.match(text.strip()) and not _BRAND.match(text.strip())):
        return "amount"
    if _PRIVATE.search(text) or _MOJIBAKE.search(text) or other > hangul + latin:
        return "script"
    if _technical(text):
        return "technical"
    if _CODE.fullmatch(text):
        return "identifier"
    if " " in text and _PREDICATE_END.search(text.rsplit(" ", 1)[-1]):
        return "predicate"
    if hangul and _FONT.match(text.replace(" ", "")):
        return "font"
    if hangul and len(text.split()) >= 2 and _periodic(text):
        return "repeated"
    if _REFERENCE.match(text.strip()):
        return "reference"
    if _HEADER.match(text.strip()):
        return "header"
    if label == "PERSON" and _SYLLABLES.fullmatch(text):
        from models.ner.lexicon import common_noun_compound

        if common_noun_compound(text):
            return "common_noun"
    if source != ENGLISH_SOURCE:
        return None
    if sum(char.isalnum() for char in text) < 2:
        return "too_short"
    if _GLUED_DIGITS.search(text):
        return "digits"
    return None
