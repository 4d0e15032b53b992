"""IPv4/IPv6 addresses, URLs and bare domain names."""

from __future__ import annotations

import ipaddress
import re
from urllib.parse import urlsplit

from models.identifiers.base import Detector, Hit, context_before, words

IPV4_PATTERN = re.compile(r"\d(?<![0-9A-Za-z.].)(?<![0-9][-/].)\d{0,2}(?:\.\d{1,3}){3}(?![0-9A-Za-z])(?!\.\d)")
# IPv6 is anchored on a colon followed shortly by another one, then widened both ways; ipaddress decides.
IPV6_PATTERN = re.compile(r":(?=[0-9A-Fa-f]{0,4}:)")
_HEX_COLON = frozenset("0123456789abcdefABCDEF:")
_HEX_COLON_DOT = _HEX_COLON | {"."}
_VERSION_WORDS = words(r"\bv(?:er)?\.?\s*$", r"version", r"버전", r"build", r"release", r"ver\.?\s*$", r"OID", r"SNMP")


def _resolve_ipv4(match: re.Match[str], text: str) -> Hit | None:
    raw = match.group(0)
    for part in raw.split("."):
        if int(part) > 255 or (part[0] == "0" and len(part) > 1):
            return None
    if _VERSION_WORDS.search(text, max(0, match.start() - 12), match.start()):
        return None
    return Hit("IP", raw, match.start(), match.end())


def _resolve_ipv6(match: re.Match[str], text: str) -> Hit | None:
    start = match.start()
    floor = max(0, start - 5)  # only a first colon has at most four hex digits before it
    while start > floor and text[start - 1] in _HEX_COLON:
        start -= 1
    if ":" in text[start : match.start()] or (start > 0 and (text[start - 1] in _HEX_COLON_DOT or
                                                            text[start - 1].isalnum())):
        return None  # not the first colon of the candidate, or glued to a word
    end = match.end()
    ceiling = min(len(text), start + 46)  # the longest textual IPv6 address is 45 characters
    while end < ceiling and text[end] in _HEX_COLON_DOT:
        end += 1
    if end == ceiling and end < len(text) and text[end] in _HEX_COLON_DOT:
        return None
    while end > match.end() and (text[end - 1] == "." or (text[end - 1] == ":" and text[end - 2] != ":")):
        end -= 1
    if end < len(text) and text[end].isalnum():
        return None
    raw = text[start:end]
    if raw.count(":") < 2 or not any(ch not in ":" for ch in raw):
        return None
    try:
        address = ipaddress.IPv6Address(raw)
    except ValueError:
        return None
    return Hit("IP", _ip_norm(address), start, end)


def _ip_norm(address: ipaddress.IPv4Address | ipaddress.IPv6Address) -> str:
    """Compressed form; an IPv4-mapped IPv6 address (``::ffff:10.0.0.1``) pivots with its IPv4 address."""
    mapped = getattr(address, "ipv4_mapped", None)
    return str(mapped) if mapped is not None else address.compressed


def normalize_ip(raw: str) -> str | None:
    try:
        return _ip_norm(ipaddress.ip_address(raw.strip().strip("[]")))
    except ValueError:
        return None


# URLs: ASCII only, so a Korean particle glued to the end ("…/login에서") stays outside.
URL_PATTERN = re.compile(
    r"[hHfFwW](?<![A-Za-z0-9].)"
    r"(?:(?<=[hH])(?:[tT][tT]|[xX][xX])[pP][sS]?://|(?<=[fF])[tT][pP][sS]?://|(?<=[wW])[wW][wW]\.)"
    r"[A-Za-z0-9\-._~:/?#\[\]@!$&'()*+,;=%]+"
)
_TRAILING = ".,;:!?'\"*"

# Bare domains: only TLDs that are not also common words or file extensions.
_TLDS = (
    "com net org edu gov mil int info biz io co ai app dev xyz online site shop store tech tv cc kr jp cn hk tw "
    "sg uk de fr ru vn th ph au ca nl ch se eu asia mobi name pro top club live news blog cloud email link click "
    "onion su la kz mn ua pk bd ir tr br mx ar es pl cz hu ro gr pt fi dk nz za ae sa il eg ng ke ly"
)
TLD_SET = frozenset(_TLDS.split())
DOMAIN_PATTERN = re.compile(r"\.([A-Za-z]{2,6})(?![A-Za-z0-9-])(?!\.[A-Za-z0-9])")
_HOST_CHARS = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-.")
_LABEL_RE = re.compile(r"[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?")


def _host_ok(host: str, *, strict: bool) -> bool:
    if host == "localhost":
        return not strict
    if normalize_ip(host):
        return True
    labels = host.split(".")
    if len(labels) < 2 or not all(_LABEL_RE.fullmatch(label) for label in labels):
        return False
    tld = labels[-1]
    if strict:
        return tld in TLD_SET and not labels[-2].isdigit() and len(labels[-2]) > 1
    return (tld.isalpha() and len(tld) > 1) or tld.startswith("xn--")


def _trim_url(raw: str) -> str:
    while raw:
        if raw[-1] in _TRAILING:
            raw = raw[:-1]
        elif raw[-1] == ")" and raw.count("(") < raw.count(")"):
            raw = raw[:-1]
        elif raw[-1] == "]" and raw.count("[") < raw.count("]"):
            raw = raw[:-1]
        else:
            break
    return raw


def url_norm(raw: str) -> str | None:
    """Lower-case scheme and host, drop default ports and the fragment; ``www.`` gets ``http://``."""
    candidate = raw if "://" in raw else "http://" + raw
    scheme, _, rest = candidate.partition("://")
    scheme = {"hxxp": "http", "hxxps": "https"}.get(scheme.lower(), scheme.lower())
    try:
        parts = urlsplit(f"{scheme}://{rest}")
        host = parts.hostname or ""
        port = parts.port
    except ValueError:
        return None
    if not _host_ok(host, strict=False):
        return None
    netloc = f"[{host}]" if ":" in host else host
    if port and (scheme, port) not in (("http", 80), ("https", 443), ("ftp", 21)):
        netloc += f":{port}"
    if parts.username:
        netloc = f"{parts.username}@{netloc}"
    path = parts.path if parts.path not in ("", "/") else ""
    query = f"?{parts.query}" if parts.query else ""
    return f"{scheme}://{netloc}{path}{query}"


def _resolve_url(match: re.Match[str], text: str) -> Hit | None:
    raw = match.group(0)
    if "," in raw:
        line_start = text.rfind("\n", 0, match.start()) + 1
        line_end = text.find("\n", match.end())
        if text.count(",", line_start, line_end if line_end >= 0 else len(text)) >= 3:
            raw = raw.split(",", 1)[0]  # a comma-separated row: the comma ends the field, not the URL
    raw = _trim_url(raw)
    norm = url_norm(raw) if raw else None
    return Hit("URL", norm, match.start(), match.start() + len(raw)) if norm else None


def normalize_url(raw: str) -> str | None:
    raw = raw.strip()
    return url_norm(raw) if URL_PATTERN.fullmatch(raw) else None


def _resolve_domain(match: re.Match[str], text: str) -> Hit | None:
    if match.group(1).lower() not in TLD_SET:
        return None
    start = match.start()
    while start > 0 and text[start - 1] in _HOST_CHARS:
        start -= 1
    while start < match.start() and text[start] in ".-":
        start += 1
    host = text[start : match.end()]
    if start > 0 and text[start - 1] in "@/_:\\":
        return None
    norm = host.lower()
    if not _host_ok(norm, strict=True):
        return None
    return Hit("DOMAIN", norm, start, match.end())


def normalize_domain(raw: str) -> str | None:
    host = raw.strip().rstrip(".").lower()
    return host if _host_ok(host, strict=True) else None


DETECTORS = (
    Detector("ipv4", IPV4_PATTERN, _resolve_ipv4, 50),
    Detector("ipv6", IPV6_PATTERN, _resolve_ipv6, 50),
    Detector("url", URL_PATTERN, _resolve_url, 85),
    Detector("domain", DOMAIN_PATTERN, _resolve_domain, 20),
)
