"""Language of a document.

``Extracted.language`` is the dominant language's ISO 639-1 code (``"ko"``, ``"en"``, ``"zh"``,
``"ja"``…) or ``None`` when there is too little text. ``Extracted.languages`` lists every
language holding at least ``SIGNIFICANT_SHARE`` of the text, dominant first; a document is
*mixed* exactly when ``len(languages) > 1`` (``language`` is never ``"mixed"``, so a search
analyser can always be chosen from it).
"""

from __future__ import annotations

import re

SIGNIFICANT_SHARE = 15  # percent
_SAMPLE_CHARS = 60_000
_MIN_LETTERS = 12
_CTRL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff]")
_CODES = {"zh-Hant": "zh", "zh": "zh", "iw": "he", "jw": "jv"}


def detect_languages(text: str) -> tuple[str | None, tuple[str, ...]]:
    """Return ``(dominant language, significant languages)`` for ``text``."""
    sample = _CTRL.sub(" ", text[:_SAMPLE_CHARS])
    if sum(ch.isalpha() for ch in sample[:5000]) < _MIN_LETTERS:
        return None, ()
    try:
        import pycld2

        _reliable, _bytes, details = pycld2.detect(sample.encode("utf-8", "ignore"), bestEffort=True)
    except Exception:
        return _by_script(sample)
    found: list[str] = []
    for _name, code, percent, _score in details:
        if code in ("un", "xxx") or percent < SIGNIFICANT_SHARE:
            continue
        code = _CODES.get(code, code.split("-")[0])
        if code not in found:
            found.append(code)
    if not found:
        return _by_script(sample)
    return found[0], tuple(found)


def _by_script(sample: str) -> tuple[str | None, tuple[str, ...]]:
    counts = {
        "ko": len(re.findall(r"[\uac00-\ud7a3\u1100-\u11ff\u3130-\u318f]", sample)),
        "ja": len(re.findall(r"[\u3040-\u30ff]", sample)),
        "zh": len(re.findall(r"[\u4e00-\u9fff]", sample)),
        "en": len(re.findall(r"[A-Za-z]", sample)),
    }
    total = sum(counts.values())
    if not total:
        return None, ()
    ranked = [k for k, v in sorted(counts.items(), key=lambda kv: -kv[1]) if v * 100 >= SIGNIFICANT_SHARE * total]
    return (ranked[0] if ranked else None), tuple(ranked)
