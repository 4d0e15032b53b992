"""``/api/xref``: what other agencies hold of the caller's values, and the requests that ask them to share it."""

from collections.abc import Callable
from dataclasses import asdict
from typing import Annotated, Any

from fastapi import Depends, FastAPI, HTTPException
from pydantic import BaseModel, Field

from evidex.search.access_requests import AccessRequests
from evidex.search.builder import AccessDenied, SearchService
from evidex.search.identity import User
from evidex.search.xref import CrossReference, Recount, batch_owner
from evidex.settings import Settings


class NewRequest(BaseModel):
    ref: str = Field(max_length=700, description="A match's ref from GET /api/xref")
    to: str = Field(max_length=80, description="The holding agency")
    case: str = Field(max_length=200)
    message: str = Field("", max_length=2000)


class Answer(BaseModel):
    accept: bool
    scope: str = Field("documents", description="documents (the matching ones) or batch (their whole batches)")


class Exclusion(BaseModel):
    batch: str = Field(max_length=200)
    excluded: bool = True


def add_xref_routes(app: FastAPI, service: SearchService, settings: Settings,
                    current_user: Callable[..., User]) -> None:
    """Attach the cross-reference routes; every one reads through the search service and is audited."""
    Caller = Annotated[User, Depends(current_user)]
    xref = CrossReference(service, settings.data_dir)
    requests = AccessRequests(xref, settings.data_dir, list(settings.agencies))

    @app.get("/api/xref")
    def cross_reference(user: Caller, case: str | None = None, batch: str | None = None,
                        doc: str | None = None, reveal: bool = False, limit: int = 200) -> dict[str, Any]:
        """Values of the caller's case, batch or one document (``doc``: the workbench's "also held by")."""
        try:
            result = xref.compute(user, case_id=case, batch_id=batch, doc_id=doc, reveal=reveal,
                                  limit=max(1, min(limit, 2000)))
        except AccessDenied as exc:
            raise HTTPException(404, str(exc)) from exc
        return asdict(result)

    @app.post("/api/xref/requests")
    def create_request(user: Caller, body: NewRequest) -> dict[str, Any]:
        settings.check_agency(body.to)
        return asdict(requests.create(user, body.ref, body.to, body.case, body.message))

    @app.get("/api/xref/requests")
    def list_requests(user: Caller) -> dict[str, Any]:
        return {"requests": [requests.describe(user, r) for r in requests.visible(user)]}

    @app.post("/api/xref/requests/{request_id}/answer")
    def answer_request(user: Caller, request_id: str, body: Answer) -> dict[str, Any]:
        try:
            return asdict(requests.answer(user, request_id, accept=body.accept, scope=body.scope))
        except PermissionError as exc:
            raise HTTPException(403, str(exc)) from exc

    @app.post("/api/xref/exclusions")
    def exclude_batch(user: Caller, body: Exclusion) -> dict[str, Any]:
        owner = batch_owner(settings, body.batch)
        if owner is None or not (user.agency == owner and (user.is_admin or "investigator" in user.roles)):
            raise HTTPException(403, "only the owning agency's admin or investigator may exclude its batch")
        xref.excluded.set(body.batch, owner, body.excluded)
        service.audit.write(user, "xref_exclusion", filters={"batch_id": body.batch, "excluded": body.excluded})
        recount = Recount(service.client, service.docs, settings.data_dir, list(settings.agencies))
        counted = recount.refresh({"term": {"batch_id": body.batch}})  # its values counted again at once
        return {"batch": body.batch, "excluded": body.excluded, "values_recounted": counted}
