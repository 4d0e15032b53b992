"""Clerks upload a batch through the page: files streamed to disk within a size limit, then the ingest flow.

The agency is the signed-in user's own; the manifest fields (case, exhibit, seized by, seized on, shared with)
come with the form. The upload returns at once with its id; the batch list shows its state, counts and receipt.
"""

import json
import os
import re
import threading
import uuid
from collections.abc import Callable
from datetime import datetime, timezone
from pathlib import Path
from typing import Annotated, Any

from fastapi import Depends, FastAPI, Form, HTTPException, UploadFile

from evidex.custody.backends import open_catalog
from evidex.search.identity import User
from evidex.settings import Settings

UPLOAD_ROLES = ("clerk", "investigator", "admin")
_UNSAFE = re.compile(r"[\x00-\x1f/\\]+")


def _safe_name(name: str) -> str:
    name = _UNSAFE.sub("_", name or "").strip(". ") or "file"
    return name[:200]


class Uploads:
    """Upload folders under ``<data_dir>/uploads`` with a ``state.json`` each."""

    def __init__(self, settings: Settings, ingest: Callable[..., Any]) -> None:
        self.settings = settings
        self.root = settings.data_dir / "uploads"
        self.ingest = ingest

    def _state_path(self, upload_id: str) -> Path:
        return self.root / upload_id / "state.json"

    def write_state(self, key: str, **state: Any) -> None:
        path = self._state_path(key)
        current = json.loads(path.read_text(encoding="utf-8")) if path.exists() else {}
        current.update(state)
        tmp = path.with_suffix(".tmp")
        tmp.write_text(json.dumps(current, ensure_ascii=False), encoding="utf-8")
        os.replace(tmp, path)

    def states(self, agency: str | None) -> list[dict[str, Any]]:
        out = []
        if self.root.exists():
            for path in self.root.glob("*/state.json"):
                state = json.loads(path.read_text(encoding="utf-8"))
                if agency is None or state.get("agency") == agency:
                    out.append(state)
        return out

    async def receive(self, user: User, files: list[UploadFile], fields: dict[str, Any]) -> str:
        upload_id = uuid.uuid4().hex[:16]
        folder = self.root / upload_id / "files"
        folder.mkdir(parents=True, mode=0o700)
        limit = self.settings.max_upload_mb * 1024 * 1024
        total = 0
        try:
            for upload in files:
                target = folder / _safe_name(upload.filename or "file")
                with open(target, "wb") as out:
                    while chunk := await upload.read(1024 * 1024):
                        total += len(chunk)
                        if total > limit:
                            raise HTTPException(413, f"the upload exceeds {self.settings.max_upload_mb} MB; "
                                                     "hand over larger batches on a drive (evidex ingest)")
                        out.write(chunk)
        except HTTPException:
            import shutil

            shutil.rmtree(self.root / upload_id, ignore_errors=True)
            raise
        self.write_state(upload_id, upload_id=upload_id, agency=user.agency, by=user.name, bytes=total,
                         files=len(files), state="queued", received=datetime.now(timezone.utc).isoformat(),
                         **fields)
        threading.Thread(target=self._run, args=(upload_id, folder, user, fields), daemon=True).start()
        return upload_id

    def _run(self, upload_id: str, folder: Path, user: User, fields: dict[str, Any]) -> None:
        from evidex.pipeline.batch import BatchSpec

        self.write_state(upload_id, state="ingesting")
        try:
            spec = BatchSpec(folder, user.agency, fields["case_id"], fields.get("exhibit") or None,
                             fields.get("seized_by") or user.name, (), tuple(fields.get("shared_with") or ()))
            summary = self.ingest(spec, self.settings)
            self.write_state(upload_id, state="done", batch_id=summary.batch_id, statuses=summary.statuses)
        except Exception as exc:  # noqa: BLE001 - the state records why; the server goes on
            self.write_state(upload_id, state="failed", error=f"{type(exc).__name__}: {str(exc)[:300]}")


_stores: dict[str, Any] = {}


def _receipt_file(settings: Settings, batch_id: str) -> Path | None:
    """The batch's receipt here, fetched from the shared store when a worker on another machine wrote it."""
    from evidex.custody.receipts import local_receipt

    store = None
    if settings.store_url:
        from evidex.custody.backends import open_store

        store = _stores.get(settings.store_url) or _stores.setdefault(settings.store_url, open_store(settings))
    return local_receipt(settings.data_dir, _safe_name(batch_id), store)


def _state(counts: dict[str, int], settings: Settings, batch_id: str) -> str:
    """A batch is done once nothing is pending and its receipt is written."""
    if counts.get("pending") or _receipt_file(settings, batch_id) is None:
        return "ingesting"
    return "done"


def add_upload_routes(app: FastAPI, settings: Settings, current_user: Callable[..., User]) -> None:
    Caller = Annotated[User, Depends(current_user)]
    from flows.runtime import run_ingest

    uploads = Uploads(settings, run_ingest)

    @app.post("/api/batches")
    async def upload(user: Caller, files: list[UploadFile], case: Annotated[str, Form(max_length=200)],
                     exhibit: Annotated[str, Form(max_length=200)] = "",
                     seized_by: Annotated[str, Form(max_length=200)] = "",
                     seized_on: Annotated[str, Form(max_length=40)] = "",
                     shared_with: Annotated[str, Form(max_length=1000)] = "") -> dict[str, Any]:
        if not any(role in user.roles for role in UPLOAD_ROLES):
            raise HTTPException(403, f"uploading evidence needs one of the roles {', '.join(UPLOAD_ROLES)}")
        shares = [s.strip() for s in shared_with.split(",") if s.strip()]
        for target in shares:
            settings.check_agency(target, share=True)
        if not files:
            raise HTTPException(422, "no file in the upload")
        upload_id = await uploads.receive(user, files, {"case_id": case, "exhibit": exhibit, "seized_by": seized_by,
                                                        "seized_on": seized_on, "shared_with": shares})
        return {"upload_id": upload_id, "state": "queued"}

    @app.get("/api/batches")
    def batches(user: Caller) -> dict[str, Any]:
        agency = None if user.is_admin else user.agency
        catalog = open_catalog(settings)
        try:
            rows = [r for r in catalog.batches() if agency is None or r["agency"] == agency]
            counts = {r["batch_id"]: catalog.counts(r["batch_id"]) for r in rows}
        finally:
            catalog.close()
        by_batch = {s.get("batch_id"): s for s in uploads.states(agency) if s.get("batch_id")}
        listed = [{"batch_id": r["batch_id"], "agency": r["agency"], "case_id": r["case_id"],
                   "exhibit": r["exhibit"], "received_at": r["received_at"], "files": r["files"],
                   "state": by_batch.get(r["batch_id"], {}).get("state") or _state(counts[r["batch_id"]], settings,
                                                                                   r["batch_id"]),
                   "counts": counts[r["batch_id"]],
                   "receipt_url": f"/api/batches/{r['batch_id']}/receipt"} for r in rows]
        pending = [{"upload_id": s["upload_id"], "case_id": s.get("case_id"), "state": s["state"],
                    "files": s.get("files"), "error": s.get("error")}
                   for s in uploads.states(agency) if s.get("state") != "done"]
        return {"batches": listed, "uploads": pending}

    @app.get("/api/batches/{batch_id}/receipt")
    def receipt(user: Caller, batch_id: str) -> dict[str, Any]:
        path = _receipt_file(settings, batch_id)
        if path is None:
            raise HTTPException(404, f"no receipt for batch {batch_id[:60]}")
        data = json.loads(path.read_text(encoding="utf-8"))
        if not user.is_admin and data.get("agency") != user.agency:
            raise HTTPException(404, f"no receipt for batch {batch_id[:60]}")
        return data
