"""Which stored originals a census reads: the dump files of a case's (or one batch's) batches a user may see."""

from __future__ import annotations

import json
from pathlib import Path

from evidex.census.report import Source, masked_name
from evidex.custody.backends import open_catalog, open_store
from evidex.settings import Settings
from extractors.dumps import dump_format

TASK_FORCE = "task-force"


def visible(batch: dict, agency: str, is_admin: bool) -> bool:
    """True when a user of ``agency`` may read ``batch`` (own, shared with it or with the whole task force)."""
    shared = json.loads(batch.get("shared_with") or "[]")
    return is_admin or batch["agency"] == agency or agency in shared or TASK_FORCE in shared


def case_sources(settings: Settings, secret: bytes, case_id: str, batch_id: str | None, agency: str,
                 is_admin: bool) -> list[Source]:
    """The dump files of the case's visible batches, archives whose members were catalogued left out."""
    catalog = open_catalog(settings)
    store = open_store(settings)
    try:
        batches = [b for b in catalog.batches() if b["case_id"] == case_id
                   and (batch_id is None or b["batch_id"] == batch_id) and visible(b, agency, is_admin)]
        found: list[Source] = []
        for batch in batches:
            items = list(catalog.items(batch["batch_id"]))
            parents = {i.parent_id for i in items if i.parent_id}
            shared = tuple(json.loads(batch.get("shared_with") or "[]"))
            for item in sorted(items, key=lambda i: i.path):
                fmt = dump_format(item.name)
                if fmt is None or item.name.lower().endswith(".txt") or (fmt == "zip" and item.item_id in parents):
                    continue  # a zip whose members are items of their own is read through them
                path = store.blob_path(item.sha256)
                if path.is_file():
                    found.append(Source(len(found), masked_name(item.path, secret), path, item.sha256, item.item_id,
                                        item.batch_id, item.agency, item.case_id, shared))
        return found
    finally:
        catalog.close()


def path_sources(paths: list[Path], secret: bytes) -> list[Source]:
    """Files (or every dump file under directories) named on the command line."""
    files: list[Path] = []
    for path in paths:
        files += sorted(p for p in path.rglob("*") if p.is_file()) if path.is_dir() else [path]
    chosen = [p for p in files if dump_format(p.name) is not None]
    return [Source(i, masked_name(p.name, secret), p) for i, p in enumerate(chosen)]
