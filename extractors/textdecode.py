"""Turn bytes of unknown encoding into text: BOMs, UTF-8, UTF-16, CP949/EUC-KR, then a detector."""

from __future__ import annotations

import codecs
import re

_BOMS: tuple[tuple[bytes, str], ...] = (
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)
_HANGUL = re.compile(r"[\uac00-\ud7a3]")

#: Declared charsets mapped to the superset Python should decode them with.
_CHARSET_ALIASES = {
    "euc-kr": "cp949", "euc_kr": "cp949", "ks_c_5601-1987": "cp949", "ks_c_5601": "cp949",
    "ksc5601": "cp949", "korean": "cp949", "x-windows-949": "cp949", "uhc": "cp949",
    "gb2312": "gb18030", "gbk": "gb18030", "x-gbk": "gb18030", "cn-gb": "gb18030",
    "big5": "big5hkscs", "x-big5": "big5hkscs", "big5-hkscs": "big5hkscs",
    "shift_jis": "cp932", "shift-jis": "cp932", "sjis": "cp932", "x-sjis": "cp932",
    "iso-8859-1": "cp1252", "latin1": "cp1252", "us-ascii": "utf-8", "ascii": "utf-8",
    "unicode-1-1-utf-7": "utf-7", "utf8": "utf-8",
}


def normalise_charset(name: str | None) -> str | None:
    """A Python codec name for a declared charset (supersets for legacy CJK sets), or None."""
    if not name:
        return None
    key = name.strip().strip('"').lower()
    key = _CHARSET_ALIASES.get(key, key)
    try:
        return codecs.lookup(key).name
    except LookupError:
        return None


def decode_bytes(data: bytes, declared: str | None = None) -> tuple[str, str]:
    """Decode ``data``; return ``(text, encoding used)``. Never raises.

    Order: BOM, a declared charset that decodes cleanly, strict UTF-8, BOM-less UTF-16,
    CP949 when it yields Hangul, charset-normalizer, then CP1252 with replacement.
    """
    for bom, enc in _BOMS:
        if data.startswith(bom):
            return data[len(bom):].decode(enc, "replace"), enc
    codec = normalise_charset(declared)
    if codec:
        try:
            return data.decode(codec), codec
        except UnicodeDecodeError:
            nearly = _nearly(data, codec)
            if nearly is not None:
                return nearly, codec
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError as exc:
        if exc.start > len(data) - 4 and len(data) > 4:  # a character cut at the end of a sample
            return data[: exc.start].decode("utf-8"), "utf-8"
        nearly = _nearly(data, "utf-8")
        if nearly is not None:
            return nearly, "utf-8"
    utf16 = _utf16_guess(data)
    if utf16:
        return data.decode(utf16, "replace"), utf16
    korean = _try_korean(data)
    if korean is not None:
        return korean, "cp949"
    try:
        from charset_normalizer import from_bytes

        best = from_bytes(data[:200_000]).best()
        if best is not None and best.encoding:
            return data.decode(best.encoding, "replace"), best.encoding
    except Exception:
        pass
    if codec:
        return data.decode(codec, "replace"), codec
    return data.decode("cp1252", "replace"), "cp1252"


def _nearly(data: bytes, codec: str) -> str | None:
    """Text in ``codec`` when only a few bytes are broken (a damaged sequence, not another charset)."""
    if codec.startswith("utf-16") or codec.startswith("utf-32"):
        return None
    text = data.decode(codec, "replace")
    broken = text.count("\ufffd") - data.count("\ufffd".encode(codec, "ignore") or b"\x00\x00\x00\x00")
    non_ascii = sum(1 for b in data if b > 127)
    return text if non_ascii >= 100 and broken * 100 <= non_ascii else None


def _utf16_guess(data: bytes) -> str | None:
    sample = data[:4096]
    if len(sample) < 4:
        return None
    half = len(sample) / 2
    even, odd = sample[0::2].count(0), sample[1::2].count(0)
    if odd > 0.3 * half and even < 0.05 * half:
        return "utf-16-le"
    if even > 0.3 * half and odd < 0.05 * half:
        return "utf-16-be"
    return None


def _try_korean(data: bytes) -> str | None:
    """CP949 decoding, accepted when most non-ASCII characters come out as Hangul syllables."""
    try:
        text = data.decode("cp949")
    except UnicodeDecodeError as exc:
        if exc.start < len(data) - 2:
            return None
        text = data[: exc.start].decode("cp949")
    non_ascii = sum(1 for ch in text if ord(ch) > 127)
    if non_ascii == 0:
        return None
    hangul = len(_HANGUL.findall(text))
    return text if hangul >= 0.6 * non_ascii else None
