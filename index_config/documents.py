"""Turn an item, what was extracted from it and its enrichment into one index document."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import PurePosixPath
from typing import Any

from extractors.base import Extracted
from index_config.analysis import english_terms, korean_terms
from index_config.bigrams import bigrams, morpheme_pairs, name_parts, trigrams
from index_config.minhash import bands, signature
from models.identifiers import SOURCE
from models.names import KEYED_LABELS, xref_key
from models.identifiers.tokens import blank_identifiers, looks_like_identifier, tokenize, tokenize_value
from models.types import Enrichment

MAX_VALUES_PER_LABEL = 500
MAX_INDEXED_CHARS = 5_000_000


@dataclass(frozen=True)
class IndexDoc:
    """A document ready for bulk indexing under ``doc_id``."""

    doc_id: str
    source: dict[str, Any]


def _date(metadata: dict[str, Any]) -> str | None:
    for key in ("date", "created", "modified", "sent"):
        value = metadata.get(key)
        if isinstance(value, str) and len(value) >= 10 and value[:4].isdigit():
            return value
    return None


def build_document(item: Any, extracted: Extracted, enrichment: Enrichment, *, shared_with: list[str],
                   analysed: tuple[str, str] | None = None, secret: bytes | None = None,
                   identifier_tokens: bool = True) -> IndexDoc:
    """Assemble one index document; sensitive identifiers go in only as tokens of their keyed hashes.

    The text's identifiers are the enrichment's (offsets into ``extracted.text``); short fields (name, path,
    title, author, reason, metadata) are scanned here when ``secret`` is given. ``analysed`` must have been
    computed on the text with its identifiers blanked (``blank_identifiers``). ``identifier_tokens=False``
    keeps raw values in the text: only ``bench/bench_tokens.py`` uses it, as its baseline.
    """
    if not identifier_tokens:
        secret = None
    tokenized = tokenize(extracted.text, enrichment.entities if identifier_tokens else ())
    text = tokenized.text[:MAX_INDEXED_CHARS]
    if analysed is None:
        plain = blank_identifiers(extracted.text, enrichment.entities)[:MAX_INDEXED_CHARS]
        analysed = (korean_terms(plain, gaps=True), english_terms(plain))
    text_ko, text_en = analysed
    entities: dict[str, list[str]] = {}
    hashes: list[str] = []
    keys: list[str] = []
    for entity in enrichment.entities:
        if entity.sensitive:
            if entity.hashed and entity.hashed not in hashes:
                hashes.append(entity.hashed)
            continue
        if entity.source != SOURCE and looks_like_identifier(entity.norm):
            continue  # a model's span shaped like an identifier never becomes a facet value
        values = entities.setdefault(entity.label, [])
        if entity.norm not in values and len(values) < MAX_VALUES_PER_LABEL:
            values.append(entity.norm)
            if entity.label in KEYED_LABELS or entity.source == SOURCE:
                key = xref_key(entity.label, entity.norm)
                if key and key not in keys:
                    keys.append(key)

    def field_value(value: Any) -> Any:
        if secret is None or value is None:
            return value
        if isinstance(value, str):
            found = tokenize_value(value, secret)
            tokenized.merge(found)
            return found.text
        if isinstance(value, list):
            return [field_value(v) for v in value]
        if isinstance(value, dict):
            return {k: field_value(v) for k, v in value.items()}
        return value

    metadata = field_value({k: _flat(v) for k, v in extracted.metadata.items() if v not in (None, "", [], {})})
    name, path = field_value(item.name), field_value(item.path)
    for token in tokenized.masks:  # identifiers only in a name, path or header pivot like those in the text
        digest = token.rsplit("_", 1)[1]
        if digest not in hashes:
            hashes.append(digest)
    source: dict[str, Any] = {
        "item_id": item.item_id,
        "sha256": item.sha256,
        "size": item.size,
        "path": path,
        "name": name,
        "extension": PurePosixPath(item.name).suffix.lower().lstrip("."),
        "content_type": extracted.content_type,
        "parent_id": item.parent_id,
        "root_id": item.root_id,
        "depth": item.depth,
        "batch_id": item.batch_id,
        "agency": item.agency,
        "case_id": item.case_id,
        "exhibit": item.exhibit,
        "owner_agency": item.agency,
        "shared_with": shared_with,
        "status": extracted.status.value,
        "reason": field_value(extracted.reason),
        "method": extracted.method.value,
        "extractor": extracted.extractor,
        "language": extracted.language,
        "languages": list(extracted.languages),
        "title": metadata.get("title") or name,
        "author": metadata.get("author"),
        "date": _date(metadata),
        "metadata": metadata,
        "page_count": len(extracted.pages) or None,
        "text": text,
        "text_ko": text_ko,
        "text_en": text_en,
        "text_bi": bigrams(text),
        "text_tri": trigrams(text),
        "text_ko_pairs": morpheme_pairs(text_ko),
        "minhash": (sig := signature(text)),
        "near_bands": bands(sig) if sig else [],
        "name_terms": name_parts(name),
        "path_terms": name_parts(path),
        "mail_from": _joined(metadata.get("from")),
        "mail_to": _joined([metadata.get(k) for k in ("to", "cc", "bcc")]),
        "subject": _joined(metadata.get("subject")),
        "text_chars": len(extracted.text),
        "entities": entities,
        "pii_hashes": hashes,
        "xref_keys": keys,
        "pii_masks": tokenized.masks,
        "pii_values": tokenized.values,
        "pii": enrichment.pii,
        "pii_total": sum(enrichment.pii.values()),
        "topics": [t.label for t in enrichment.topics],
        "topic_scores": {t.label: f"{t.score:.3f}" for t in enrichment.topics},
        "pipeline_version": enrichment.pipeline_version,
        "indexed_at": datetime.now(timezone.utc).isoformat(),
    }
    return IndexDoc(item.item_id, source)


_KEPT_WHEN_REFUSED = ("item_id", "sha256", "size", "path", "name", "extension", "content_type", "parent_id",
                      "root_id", "depth", "batch_id", "agency", "case_id", "exhibit", "owner_agency", "shared_with",
                      "pipeline_version", "indexed_at")


def refused_document(doc: IndexDoc, why: str) -> IndexDoc:
    """A minimal stand-in for a document the index refused: identity and access fields, status ``error``."""
    source = {k: doc.source.get(k) for k in _KEPT_WHEN_REFUSED}
    source.update(status="error", reason=f"index refused the document: {why}"[:2000], title=doc.source.get("name"))
    return IndexDoc(doc.doc_id, source)


def _joined(value: Any) -> str | None:
    """Header values (strings or lists of them) as one searchable string."""
    if value is None:
        return None
    if isinstance(value, (list, tuple)):
        parts = [_joined(v) for v in value]
        return " ; ".join(p for p in parts if p) or None
    return str(value) or None


def _flat(value: Any) -> Any:
    """Metadata values as strings or lists of strings (the ``flattened`` field type)."""
    if isinstance(value, (list, tuple)):
        return [str(v)[:1000] for v in value][:200]
    if isinstance(value, dict):
        return {str(k): _flat(v) for k, v in value.items()}
    return str(value)[:1000]
