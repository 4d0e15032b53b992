"""Spreadsheet values as the sheet shows them, from their Excel number format code.

``display(value, code)`` covers what workbooks mostly use: ``General``; fixed decimals and
thousands separators (``#,##0.00``); percentages; scientific notation; currency and literal text
(``"₩"#,##0``, ``[$$-409]#,##0.00``, ``0"원"``); sections for negative and zero values
(``#,##0;(#,##0);"-"``); and date/time codes (``yyyy-mm-dd``, ``m/d/yy h:mm``, ``yyyy"년" m"월" d"일"``,
``AM/PM``, elapsed ``[h]:mm``). Colours and conditions (``[Red]``, ``[>=100]``) are ignored;
codes it cannot read give the General form, never an error.
"""

from __future__ import annotations

import datetime as dt
import re

_BRACKET = re.compile(r"\[[^\]]*\]")
_CURRENCY = re.compile(r"\[\$([^\]-]*)(?:-[0-9A-Fa-f]+)?\]")
_QUOTED = re.compile(r'"([^"]*)"|\\(.)|_.|\*.')
_DATE_TOKEN = r"yyyy|yy|mmmmm|mmmm|mmm|mm|m|dddd|ddd|dd|d|hh|h|ss|s|am/pm|a/p|\.0+"
#: A quoted literal, an escaped character, a padding/fill directive, or one date/time token.
_DATE_PART = re.compile(r'"([^"]*)"|\\(.)|_.|\*.|' + _DATE_TOKEN, re.IGNORECASE)
#: Literals are held out of the code as one private-use character each while digits are drawn.
_HELD = re.compile("[\ue000-\uf8ff]")
_NUMBER = re.compile(r"[#0?][#0?,]*(?:\.[#0?]*)?(?:[Ee][+-][0-9]+)?|\.[#0?]+")
_MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August", "September",
           "October", "November", "December")
_DAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
#: Built-in format ids that files may reference without writing the code out (ECMA-376 18.8.30).
BUILTIN = {0: "General", 1: "0", 2: "0.00", 3: "#,##0", 4: "#,##0.00", 9: "0%", 10: "0.00%", 11: "0.00E+00",
           14: "yyyy-mm-dd", 15: "d-mmm-yy", 16: "d-mmm", 17: "mmm-yy", 18: "h:mm AM/PM", 19: "h:mm:ss AM/PM",
           20: "h:mm", 21: "h:mm:ss", 22: "yyyy-mm-dd h:mm", 37: "#,##0;(#,##0)", 38: "#,##0;(#,##0)",
           39: "#,##0.00;(#,##0.00)", 40: "#,##0.00;(#,##0.00)", 45: "mm:ss", 46: "[h]:mm:ss", 47: "mm:ss.0",
           48: "##0.0E+0", 49: "@"}


def general(value: float) -> str:
    """Excel's General form: integers as is, other numbers with up to 10 significant digits."""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if float(value).is_integer() and abs(value) < 1e15:
        return str(int(value))
    text = f"{value:.10g}"
    return text.replace("e+", "E+").replace("e-", "E-")


def display(value: object, code: str | None) -> str:
    """``value`` (number, date/time, text or bool) formatted with the number format ``code``."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, str):
        return value
    code = (code or "General").strip()
    try:
        if isinstance(value, (dt.datetime, dt.date, dt.time, dt.timedelta)):
            return _date(value, code).strip()
        if isinstance(value, (int, float)):
            return _number(float(value), code).strip()
    except (ValueError, OverflowError, IndexError):
        pass
    return general(value) if isinstance(value, (int, float)) else _iso(value)


def is_date_code(code: str | None) -> bool:
    """True when ``code`` shows a date or time (so a serial number should be read as one)."""
    if not code:
        return False
    if "general" in code.lower():
        return False
    first = _QUOTED.sub("", code.split(";")[0])
    first = _BRACKET.sub(lambda m: m.group(0)[1:-1] if re.fullmatch(r"(?i)\[[hms]+\]", m.group(0)) else "", first)
    return bool(re.search(r"(?i)[ymdhs]", first))


def _section(code: str, value: float) -> tuple[str, float]:
    """The section of ``code`` for ``value`` (positive;negative;zero) and the value it shows."""
    sections = code.split(";")
    if value < 0 and len(sections) > 1:
        return sections[1], -value  # the negative section draws its own sign or parentheses
    if value == 0 and len(sections) > 2:
        return sections[2], value
    return sections[0], value


def _number(value: float, code: str) -> str:
    section, shown = _section(code, value)
    section = _CURRENCY.sub(lambda m: '"' + m.group(1) + '"', section)
    section = _BRACKET.sub("", section)
    if section.strip().lower() in ("general", "", "@"):
        return general(value)
    literals: list[str] = []

    def hold(m: re.Match[str]) -> str:
        text = m.group(1) if m.group(1) is not None else (m.group(2) or (" " if m.group(0)[0] == "_" else ""))
        literals.append(text)
        return chr(0xE000 + len(literals) - 1)

    held = _QUOTED.sub(hold, section)
    if "/" in held and "?" in held:  # fractions: not worth a renderer, the plain number is clearer
        return general(shown)
    if "%" in held:
        shown *= 100
    match = _NUMBER.search(held)
    if match is None:  # only literals ("-" for zero, "N/A"): the literal is what shows
        out = held
    else:
        out = held[:match.start()] + _digits(shown, match.group(0)) + held[match.end():]
    return _HELD.sub(lambda m: literals[ord(m.group(0)) - 0xE000], out)


def _digits(value: float, pattern: str) -> str:
    """``value`` drawn with one number pattern (``#,##0.00``, ``0.0E+00``, ``.00``)."""
    exponent = re.search(r"[Ee]([+-])([0-9]+)$", pattern)
    if exponent:
        mantissa = pattern[:exponent.start()]
        decimals = len(mantissa.split(".")[1]) if "." in mantissa else 0
        text = f"{value:.{decimals}E}"
        base, _, power = text.partition("E")
        sign = "-" if power.startswith("-") else ("+" if exponent.group(1) == "+" else "")
        return f"{base}E{sign}{abs(int(power)):0{len(exponent.group(2))}d}"
    integer, _, fraction = pattern.partition(".")
    while integer.endswith(","):  # trailing commas scale by a thousand each
        integer = integer[:-1]
        value /= 1000
    decimals = len(fraction)
    required = len(fraction.rstrip("#?"))
    grouped = "," in integer
    text = f"{abs(value):,.{decimals}f}" if grouped else f"{abs(value):.{decimals}f}"
    whole, _, frac = text.partition(".")
    if decimals > required:
        frac = frac.rstrip("0").ljust(required, "0")
    min_whole = integer.replace(",", "").count("0")
    if whole.replace(",", "") == "0" and min_whole == 0:
        whole = ""
    elif len(whole) < min_whole:
        whole = whole.zfill(min_whole)
    sign = "-" if value < 0 and (whole.strip("0,") or frac.strip("0")) else ""
    return sign + whole + ("." + frac if frac or fraction and required else "")


def _date(value: dt.datetime | dt.date | dt.time | dt.timedelta, code: str) -> str:
    section = code.split(";")[0]
    elapsed = re.search(r"(?i)\[(h+|m+|s+)\]", section)
    if isinstance(value, dt.timedelta) or elapsed:
        return _elapsed(value, section)
    section = _CURRENCY.sub(lambda m: '"' + m.group(1) + '"', section)
    section = _BRACKET.sub("", section)
    if not re.search(r"(?i)[ymdhs]", _QUOTED.sub("", section)):
        return _iso(value)
    if isinstance(value, dt.time):
        value = dt.datetime.combine(dt.date(1899, 12, 31), value)
    elif not isinstance(value, dt.datetime):
        value = dt.datetime.combine(value, dt.time())
    twelve = bool(re.search(r"(?i)am/pm|a/p", section))
    out: list[str] = []
    tokens: list[str] = []
    pos = 0
    for m in _DATE_PART.finditer(section):
        out.append(section[pos:m.start()])
        if m.group(1) is not None or m.group(2) is not None or m.group(0)[0] in "_*":
            out.append(m.group(1) if m.group(1) is not None else (m.group(2) or (" " if m.group(0)[0] == "_" else "")))
        else:
            tokens.append(m.group(0).lower())
            out.append(chr(0xE000 + len(tokens) - 1))
        pos = m.end()
    out.append(section[pos:])
    shown = [_date_token(tokens, i, value, twelve) for i in range(len(tokens))]
    return _HELD.sub(lambda m: shown[ord(m.group(0)) - 0xE000], "".join(out))


def _date_token(tokens: list[str], i: int, value: dt.datetime, twelve: bool) -> str:
    token = tokens[i]
    if token in ("m", "mm"):  # minutes right after hours or right before seconds, else months
        before = next((t for t in reversed(tokens[:i]) if not t.startswith(".")), "")
        after = next((t for t in tokens[i + 1:] if not t.startswith(".")), "")
        if before.startswith("h") or after.startswith("s"):
            return f"{value.minute:0{len(token)}d}"
        return f"{value.month:0{len(token)}d}"
    hour = value.hour % 12 or 12 if twelve else value.hour
    table = {
        "yyyy": f"{value.year:04d}", "yy": f"{value.year % 100:02d}",
        "mmm": _MONTHS[value.month - 1][:3], "mmmm": _MONTHS[value.month - 1], "mmmmm": _MONTHS[value.month - 1][0],
        "d": str(value.day), "dd": f"{value.day:02d}", "ddd": _DAYS[value.weekday()][:3], "dddd": _DAYS[value.weekday()],
        "h": str(hour), "hh": f"{hour:02d}", "s": str(value.second), "ss": f"{value.second:02d}",
        "am/pm": "AM" if value.hour < 12 else "PM", "a/p": "A" if value.hour < 12 else "P",
    }
    if token.startswith("."):
        return "." + f"{value.microsecond / 1e6:.{len(token) - 1}f}"[2:]
    return table.get(token, token)


def _elapsed(value: dt.datetime | dt.date | dt.time | dt.timedelta, section: str) -> str:
    """``[h]:mm:ss`` and the like: hours (or minutes) counted past a day."""
    if isinstance(value, dt.timedelta):
        seconds = value.total_seconds()
    elif isinstance(value, dt.time):
        seconds = value.hour * 3600 + value.minute * 60 + value.second
    else:
        base = dt.datetime(1899, 12, 30)
        full = value if isinstance(value, dt.datetime) else dt.datetime.combine(value, dt.time())
        seconds = (full - base).total_seconds()
    seconds = round(seconds)
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    parts = [str(hours)] + ([f"{minutes:02d}"] if re.search(r"(?i)m", section) else [])
    if re.search(r"(?i)s", section.replace("[", "").replace("]", "")):
        parts.append(f"{secs:02d}")
    return ":".join(parts)


def _iso(value: object) -> str:
    if isinstance(value, dt.datetime) and value.time() == dt.time():
        return value.date().isoformat()
    return value.isoformat() if hasattr(value, "isoformat") else str(value)
