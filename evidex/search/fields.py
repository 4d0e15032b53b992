"""Field syntax in a query: ``name:customers_dump.csv``, ``from:kim``, ``date:[2025-11-01 TO 2025-11-30]``.

Only the fields below are recognised (anything else with a colon, a URL say, stays text). A value may be quoted
(``subject:"개인정보 유출"``); ``*`` and ``?`` make name, path and author values wildcards.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from index_config.bigrams import name_parts

FIELDS = ("name", "path", "title", "author", "from", "to", "subject", "type", "language", "status", "agency",
          "case", "date")
_FIELD = re.compile(r'(?<![\w:/])(' + "|".join(FIELDS) + r'):(\"[^\"]*\"|\[[^\]]*\]|[^\s()]+)', re.IGNORECASE)
_DAY = re.compile(r"^(\d{4})(?:-(\d{1,2})(?:-(\d{1,2}))?)?$")


class FieldSyntaxError(ValueError):
    """A field value that cannot be read (an impossible date, say)."""


@dataclass(frozen=True)
class FieldClause:
    name: str
    value: str
    clause: dict[str, Any]

    @property
    def describe(self) -> str:
        return f"{self.name}:{self.value}"


def _period(value: str, *, end: bool) -> str | None:
    """The first day of a period (``2025``, ``2025-11``, ``2025-11-30``), or the day after it when ``end``."""
    if value in ("*", ""):
        return None
    match = _DAY.match(value)
    if not match:
        raise FieldSyntaxError(f"date {value!r} is not YYYY, YYYY-MM or YYYY-MM-DD")
    year, month, day = int(match.group(1)), match.group(2), match.group(3)
    try:
        if day:
            start = date(year, int(month), int(day))
            nxt = start + timedelta(days=1)
        elif month:
            start = date(year, int(month), 1)
            nxt = date(year + (start.month == 12), start.month % 12 + 1, 1)
        else:
            start, nxt = date(year, 1, 1), date(year + 1, 1, 1)
    except ValueError as exc:
        raise FieldSyntaxError(f"date {value!r}: {exc}") from exc
    return (nxt if end else start).isoformat()


def date_range(value: str) -> dict[str, Any]:
    """``[A TO B]`` (either end ``*``), ``>A``, ``<B`` or one period, as a range on ``date``."""
    value = value.strip()
    bounds: dict[str, str] = {}
    if value.startswith("[") and value.endswith("]"):
        parts = re.split(r"\s+TO\s+", value[1:-1].strip(), flags=re.IGNORECASE)
        if len(parts) != 2:
            raise FieldSyntaxError(f"date range {value!r} must look like [2025-11-01 TO 2025-11-30]")
        low, high = _period(parts[0], end=False), _period(parts[1], end=True)
    elif value.startswith((">", "<")):
        low = _period(value[1:].lstrip("="), end=False) if value[0] == ">" else None
        high = _period(value[1:].lstrip("="), end=True) if value[0] == "<" else None
    else:
        low, high = _period(value, end=False), _period(value, end=True)
    if low:
        bounds["gte"] = low
    if high:
        bounds["lt"] = high
    return {"range": {"date": bounds}}


def _wild(value: str) -> bool:
    return "*" in value or "?" in value


def clause_for(name: str, value: str) -> dict[str, Any]:
    """The Elasticsearch clause of one ``name:value``."""
    if name in ("name", "path"):
        if _wild(value):
            return {"wildcard": {name: {"value": value, "case_insensitive": True}}}
        return {"match_phrase": {f"{name}_terms": name_parts(value)}}
    if name == "title":
        return {"match_phrase": {"title": value}}
    if name == "author":
        pattern = value if _wild(value) else f"*{value}*"
        return {"wildcard": {"author": {"value": pattern, "case_insensitive": True}}}
    if name in ("from", "to", "subject"):
        target = {"from": "mail_from", "to": "mail_to", "subject": "subject"}[name]
        return {"match_phrase": {target: value}}
    if name == "type":
        lowered = value.lower().lstrip(".")
        return {"bool": {"should": [{"term": {"extension": lowered}}, {"term": {"content_type": value}},
                                    {"wildcard": {"content_type": {"value": f"*{lowered}*"}}}],
                         "minimum_should_match": 1}}
    if name == "date":
        return date_range(value)
    target = {"case": "case_id"}.get(name, name)
    return {"term": {target: value}}


def split_fields(query: str) -> tuple[str, list[FieldClause]]:
    """The query without its field parts, and a clause for each part."""
    found: list[FieldClause] = []

    def take(match: re.Match[str]) -> str:
        name, value = match.group(1).lower(), match.group(2)
        if value.startswith('"') and value.endswith('"') and len(value) >= 2:
            value = value[1:-1]
        if value:
            found.append(FieldClause(name, value, clause_for(name, value)))
        return " "

    rest = _FIELD.sub(take, query)
    return (" ".join(rest.split()) if found else query), found
