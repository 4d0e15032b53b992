"""A JSON-ready view of one ``Extracted`` record, for ``evidex extract``."""

from __future__ import annotations

from typing import Any

from extractors.base import Extracted

PREVIEW_CHARS = 2000


def describe(extracted: Extracted, full: bool = False) -> dict[str, Any]:
    """Return the record as plain JSON types; text is cut to ``PREVIEW_CHARS`` unless ``full``."""
    text = extracted.text if full else _cut(extracted.text)
    return {
        "status": extracted.status.value,
        "reason": extracted.reason,
        "content_type": extracted.content_type,
        "extractor": extracted.extractor,
        "method": extracted.method.value,
        "language": extracted.language,
        "languages": list(extracted.languages),
        "chars": len(extracted.text),
        "text": text,
        "text_truncated": not full and len(extracted.text) > PREVIEW_CHARS,
        "pages": [
            {"number": p.number, "method": p.method.value, "chars": len(p.text),
             **({"reader": p.reader} if p.reader else {}),
             **({"score": p.score} if p.score is not None else {}),
             **({"tables": [[list(r) for r in t.rows] for t in p.tables]} if full and p.tables else {}),
             **({"text": p.text} if full else {})}
            for p in extracted.pages
        ],
        "metadata": _plain(extracted.metadata),
        "children": [
            {
                "name": c.name,
                "inner_path": c.inner_path,
                "path": str(c.path),
                "content_type": c.content_type,
                "status": c.status.value if c.status else None,
                "reason": c.reason,
            }
            for c in extracted.children
        ],
    }


def _cut(text: str) -> str:
    return text if len(text) <= PREVIEW_CHARS else text[:PREVIEW_CHARS] + "…"


def _plain(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set)):
        return [_plain(v) for v in value]
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return str(value)
