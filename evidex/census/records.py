"""The records index: one document per leaked record, identifiers only as keyed hashes and masked forms.

``<prefix>-records`` holds, for each row with personal data, ``hash_<type>`` (keyed hashes, for lookups) and
``mask_<type>`` (display forms, same order), the row's case, batch, agency, file and row number, and the batch's
access fields. Raw values are never written. Documents are sent in bulk requests of bounded size; their ids
derive from the file and row, so a resumed census writes each record once.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

from evidex.census.report import Source
from evidex.census.scan import Found
from models.identifiers import SENSITIVE_LABELS, mask

RECORDS = "records"
BULK_DOCS = 2000


def records_alias(prefix: str) -> str:
    return f"{prefix}-{RECORDS}"


def record_id(item_key: str, table: str, row: int) -> str:
    return hashlib.sha256(f"{item_key}\x00{table}\x00{row}".encode()).hexdigest()[:32]


def record_document(source: Source, table: str, row: int, found: Found) -> dict[str, Any]:
    """The index document for one row (no raw value in it)."""
    doc: dict[str, Any] = {
        "case_id": source.case_id, "batch_id": source.batch_id, "owner_agency": source.agency,
        "shared_with": list(source.shared_with), "item_id": source.item_id, "sha256": source.sha256,
        "file": source.name, "table": table, "row": row, "labels": sorted({label for label, _, _ in found}),
    }
    for label, hashed, raw in found:
        if label not in SENSITIVE_LABELS:
            continue
        key = label.lower()
        doc.setdefault(f"hash_{key}", []).append(hashed.hex())
        doc.setdefault(f"mask_{key}", []).append(mask(label, raw))
    return doc


class RecordLoader:
    """Buffers record documents and sends them in bulk requests of at most ``max_bytes`` / ``BULK_DOCS``."""

    def __init__(self, client: Any, prefix: str, max_bytes: int = 4 * 1024 * 1024) -> None:
        self.client = client
        self.alias = records_alias(prefix)
        self.max_bytes = max_bytes
        self.pending: list[str] = []
        self.size = 0
        self.sent = 0
        self.errors = 0

    def __enter__(self) -> "RecordLoader":
        self.client.indices.put_settings(index=self.alias, settings={"index": {"refresh_interval": "-1"}})
        return self

    def __exit__(self, *exc: object) -> None:
        self.flush()
        self.client.indices.put_settings(index=self.alias, settings={"index": {"refresh_interval": "1s"}})
        self.client.indices.refresh(index=self.alias)

    def add(self, source: Source, table: str, row: int, found: Found) -> None:
        action = json.dumps({"index": {"_index": self.alias, "_id": record_id(source.item_id or source.sha256 or
                                                                            source.name, table, row)}})
        body = json.dumps(record_document(source, table, row, found), ensure_ascii=False)
        self.pending += [action, body]
        self.size += len(action) + len(body) + 2
        if self.size >= self.max_bytes or len(self.pending) >= 2 * BULK_DOCS:
            self.flush()

    def flush(self) -> None:
        if not self.pending:
            return
        response = self.client.bulk(operations="\n".join(self.pending) + "\n")
        if response.get("errors"):
            failed = [i["index"] for i in response["items"] if i["index"].get("error")]
            self.errors += len(failed)
            raise RuntimeError(f"the records index refused {len(failed)} record(s): "
                               f"{str(failed[0].get('error', {}).get('type'))}")
        self.sent += len(self.pending) // 2
        self.pending, self.size = [], 0
