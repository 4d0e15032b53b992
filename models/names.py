"""One key per real-world name, so two agencies' documents that name the same person or company meet.

Korean: spacing dropped (``홍 길동`` = ``홍길동``), honorifics and job titles after a person's name dropped
(``홍길동 씨``, ``홍길동 대표``), company forms dropped (``주식회사``, ``(주)``, ``㈜``). English: case and
punctuation folded, company suffixes dropped (``Coupang, Inc.`` = ``coupang``). Romanised and Hangul variants of
the case's companies and agencies already share one norm through the case gazetteer (``Coupang`` → ``쿠팡``).
Matching is exact on the key: fuzzy matching of names was not precise enough to rely on for evidence.
"""

from __future__ import annotations

import re
import unicodedata

KEYED_LABELS = ("PERSON", "ORG")
_HONORIFICS = ("선생님", "사장님", "대표님", "부장님", "과장님", "팀장님", "님", "씨", "군", "양", "대표이사", "대표",
               "사장", "회장", "부회장", "이사", "전무", "상무", "부장", "차장", "과장", "대리", "팀장", "실장",
               "본부장", "변호사", "검사", "판사", "의원", "교수", "박사")
_KO_COMPANY = re.compile(r"주식회사|유한회사|유한책임회사|\(주\)|㈜|\(유\)")
_EN_SUFFIX = re.compile(r"\b(?:inc|incorporated|corp|corporation|co|company|ltd|limited|llc|plc|gmbh|ag|sa)\b\.?",
                        re.IGNORECASE)
_PUNCT = re.compile(r"[^\w\s]", re.UNICODE)
_HANGUL = re.compile(r"[\uac00-\ud7a3]")


def _strip_honorific(name: str) -> str:
    for suffix in sorted(_HONORIFICS, key=len, reverse=True):
        if name.endswith(suffix) and len(name) - len(suffix) >= 2:
            return name[: -len(suffix)]
    return name


def canonical_name(label: str, value: str) -> str | None:
    """The matching key of a PERSON or ORG value, or None when nothing name-like is left."""
    text = unicodedata.normalize("NFKC", value).strip()
    if label == "ORG":
        text = _KO_COMPANY.sub(" ", text)
        text = _EN_SUFFIX.sub(" ", text)
    text = _PUNCT.sub(" ", text).casefold()
    if _HANGUL.search(text):
        text = "".join(text.split())
        if label == "PERSON":
            text = _strip_honorific(text)
    else:
        text = " ".join(text.split())
    if len(text) < 2 or text.isdigit():
        return None
    return text


def xref_key(label: str, value: str) -> str | None:
    """``LABEL|key`` for cross-referencing an entity or a non-sensitive identifier (None to leave it out)."""
    if label in KEYED_LABELS:
        key = canonical_name(label, value)
        return f"{label}|{key}" if key else None
    return f"{label}|{value}" if value else None
