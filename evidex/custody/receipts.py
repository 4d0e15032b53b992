"""Batch receipts: what an agency handed over, its hashes, and what could not be read and why.

Each receipt also carries the custody log's head when it was written (``custody_head``: seq and keyed hash). The
clerk keeps the receipt, so a later rewrite or truncation of the log is caught by ``evidex verify --receipt``
even when whoever did it also had the chain's key. With an S3 store a copy of every receipt is kept in the bucket
(``receipts/<batch>.json``): ``verify`` on any machine checks those too, and ``local_receipt`` fetches one.
"""

from __future__ import annotations

import json
import os
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

from evidex.custody.catalog import ItemCatalog


def build_receipt(catalog: ItemCatalog, batch_id: str, redact: Callable[[str], str],
                  custody: Any = None) -> dict[str, Any]:
    """The receipt of one batch from the catalogue (paths and reasons with identifiers masked), with the head of
    ``custody`` (default: the catalogue's custody log: the file next to SQLite, or the PostgreSQL chain)."""
    batch = catalog.batch(batch_id)
    if batch is None:
        raise LookupError(f"no batch {batch_id}")
    items = []
    statuses: Counter = Counter()
    for item in catalog.items(batch_id):
        statuses[item.status or item.state] += 1
        items.append({"path": redact(item.path), "sha256": item.sha256 or None, "size": item.size,
                      "embedded_in": item.parent_id, "status": item.status or item.state,
                      "reason": redact(item.reason) if item.reason else None})
    return {
        "batch_id": batch_id, "agency": batch["agency"], "case_id": batch["case_id"], "exhibit": batch["exhibit"],
        "submitted_by": batch["submitted_by"], "received_at": batch["received_at"],
        "manifest_sha256": batch["manifest_sha256"], "files": batch["files"], "bytes": batch["bytes"],
        "statuses": dict(statuses), "items": items,
        "custody_head": head.as_dict() if (head := (custody or catalog.custody_log()).head()) else None,
    }


def write_receipt(data_dir: Path, receipt: dict[str, Any], store: Any = None) -> Path:
    """``<data_dir>/receipts/<batch>.json``; with a shared ``store`` (S3) a copy goes next to the manifests too,
    so every machine's ``verify`` checks it and any machine can show it (``local_receipt``)."""
    data = json.dumps(receipt, ensure_ascii=False, indent=1).encode("utf-8")
    path = _keep(data_dir, str(receipt["batch_id"]), data)
    if store is not None:
        store.put_receipt(str(receipt["batch_id"]), data)
    return path


def local_receipt(data_dir: Path, batch_id: str, store: Any = None) -> Path | None:
    """This machine's receipt file of ``batch_id``, fetched from a shared store when another machine wrote it."""
    path = data_dir / "receipts" / f"{batch_id}.json"
    if path.is_file() or store is None:
        return path if path.is_file() else None
    data = store.receipt_bytes(batch_id)
    return _keep(data_dir, batch_id, data) if data is not None else None


def _keep(data_dir: Path, batch_id: str, data: bytes) -> Path:
    path = data_dir / "receipts" / f"{batch_id}.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.write_bytes(data)
    os.replace(tmp, path)  # a reader (or verify) never sees half a receipt
    return path
