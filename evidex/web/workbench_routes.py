"""The workbench's API: sessions, a document's family, page images, near-duplicates, annotations, saved searches.

Every read goes through the query builder (access filter, masking, audit). Page images of a document with
personal identifiers are served only to roles that may see raw identifiers: a picture cannot be masked reliably
(OCR misses, handwriting), so masked roles read the masked text instead.
"""

from collections.abc import Callable
from importlib import resources
from pathlib import Path
from typing import Annotated, Any

from fastapi import Depends, FastAPI, HTTPException, Query, Request, Response
from pydantic import BaseModel, Field

from evidex.custody.backends import open_store
from evidex.search.builder import AccessDenied, Filters, SearchService
from evidex.search.family import Family
from evidex.search.identity import User
from evidex.search.users import UserDirectory
from evidex.search.workspace import Annotations, SavedSearches
from evidex.settings import Settings
from evidex.web.pages import PageUnavailable, render_page
from evidex.web.sessions import COOKIE, SessionStore


class SignIn(BaseModel):
    token: str = Field(min_length=8, max_length=200)


class TagChange(BaseModel):
    tag: str = Field(max_length=200)
    remove: bool = False


class Note(BaseModel):
    text: str = Field(max_length=8000)


class Star(BaseModel):
    starred: bool = True


class SavedSearch(BaseModel):
    name: str = Field(max_length=200)
    query: str = Field("", max_length=4000)
    filters: dict[str, str | list[str]] = Field(default_factory=dict)
    """Several values of one filter (entity) are kept one a line."""


MAX_ENTITY_FILTERS = 10


def entity_pivots(values: list[str]) -> list[tuple[str, str]]:
    """``LABEL:value`` filters (repeated ``entity=``) as (label, value) pairs; 422 for a malformed one or too many."""
    if len(values) > MAX_ENTITY_FILTERS:
        raise HTTPException(422, f"at most {MAX_ENTITY_FILTERS} entity filters at once")
    pivots: list[tuple[str, str]] = []
    for entity in values:
        label, sep, value = entity.partition(":")
        if not sep or not value:
            raise HTTPException(422, "entity must look like LABEL:value, e.g. ORG:쿠팡")
        if (label.upper(), value) not in pivots:
            pivots.append((label.upper(), value))
    return pivots


def add_session_routes(app: FastAPI, directory: UserDirectory, sessions: SessionStore,
                       service: SearchService) -> None:
    """``/api/session``: sign in with a token (a cookie comes back), who am I, sign out."""

    def who(user: User, csrf: str) -> dict[str, Any]:
        return {"user": user.name, "agency": user.agency, "roles": list(user.roles), "csrf": csrf}

    @app.post("/api/session")
    def sign_in(body: SignIn, response: Response) -> dict[str, Any]:
        user = directory.resolve(body.token)
        if user is None:
            raise HTTPException(401, "this token is not valid (unknown, expired or revoked)")
        session_id, session = sessions.open(body.token)
        response.set_cookie(COOKIE, session_id, httponly=True, samesite="strict", path="/",
                            max_age=int(sessions.ttl_s))
        service.audit.write(user, "sign_in")
        return who(user, session.csrf)

    @app.get("/api/session")
    def current(request: Request) -> dict[str, Any]:
        session = sessions.get(request.cookies.get(COOKIE))
        user = directory.resolve(session.token) if session else None
        if user is None or session is None:
            raise HTTPException(401, "not signed in")
        return who(user, session.csrf)

    @app.delete("/api/session")
    def sign_out(request: Request, response: Response) -> dict[str, str]:
        sessions.close(request.cookies.get(COOKIE))
        response.delete_cookie(COOKIE, path="/")
        return {"signed_out": "yes"}


def add_workbench_routes(app: FastAPI, service: SearchService, settings: Settings,
                         current_user: Callable[..., User]) -> None:
    Caller = Annotated[User, Depends(current_user)]
    family = Family(service)
    notes = Annotations(service, settings.data_dir)
    saved = SavedSearches(settings.data_dir)
    store = open_store(settings)
    cache = settings.cache_dir / "pages"

    def visible(user: User, doc_id: str, action: str) -> dict[str, Any]:
        try:
            return service.get(user, doc_id, action=action)
        except AccessDenied as exc:
            raise HTTPException(404, str(exc)) from exc

    @app.get("/api/facets")
    def facet_counts(user: Caller, q: str = "", agency: str | None = None, case: str | None = None,
                     status: str | None = None, type: str | None = None, topic: str | None = None,
                     language: str | None = None, entity: Annotated[list[str] | None, Query()] = None,
                     tag: str | None = None, reveal: bool = False) -> dict[str, Any]:
        """Facets and the exact total of a search (same parameters), asked after ``/api/search?facets=false``."""
        if agency:
            settings.check_agency(agency)
        pivots = entity_pivots(entity or [])
        result = service.facets(user, q, Filters(agency=agency, case_id=case, status=status, content_type=type,
                                                 topic=topic, language=language, tag=tag,
                                                 entity=pivots[0] if pivots else None, entities=tuple(pivots[1:])),
                                reveal=reveal)
        return {"total": result.total, "facets": result.facets}

    @app.get("/api/documents/{doc_id}/family")
    def relatives(user: Caller, doc_id: str) -> dict[str, Any]:
        try:
            return family.relatives(user, doc_id)
        except AccessDenied as exc:
            raise HTTPException(404, str(exc)) from exc

    @app.get("/api/documents/{doc_id}/similar")
    def similar(user: Caller, doc_id: str) -> dict[str, Any]:
        try:
            return {"similar": family.similar(user, doc_id)}
        except AccessDenied as exc:
            raise HTTPException(404, str(exc)) from exc

    @app.get("/api/diff")
    def diff(user: Caller, a: str, b: str) -> dict[str, Any]:
        """Two documents compared: ``diff`` (unified, by line) and ``words`` ([op, text], by word)."""
        try:
            return family.diff(user, a, b)
        except AccessDenied as exc:
            raise HTTPException(404, str(exc)) from exc

    @app.get("/api/documents/{doc_id}/identifiers")
    def identifiers(user: Caller, doc_id: str, reveal: bool = False) -> dict[str, Any]:
        """The document's personal identifiers as the caller may see them, each with the token that pivots on it.

        A search for the token (``q=pii_phone_…``) finds every readable document naming the same value, by its
        keyed hash: a masked role can follow a number it cannot read.
        """
        from models.identifiers.tokens import label_of

        visible(user, doc_id, "view_identifiers")
        table = "pii_values" if reveal and user.may_reveal_pii else "pii_masks"
        raw = service.client.get(index=service.docs, id=doc_id, source_includes=[table])["_source"].get(table) or {}
        return {"identifiers": [{"label": label_of(token), "value": shown, "token": token}
                                for token, shown in sorted(raw.items(), key=lambda kv: (label_of(kv[0]), kv[1]))]}

    @app.get("/api/documents/{doc_id}/pages/{number}")
    def page_image(user: Caller, doc_id: str, number: int) -> Response:
        source = visible(user, doc_id, "view_page")
        if (source.get("pii_total") or 0) > 0 and not user.may_reveal_pii:
            raise HTTPException(403, "page images of documents with personal identifiers are shown only to privacy "
                                     "officers and admins; the text is masked for your role")
        try:
            png = render_page(store.blob_path(source["sha256"]), source.get("content_type") or "", number,
                              cache / source["sha256"])
        except PageUnavailable as exc:
            raise HTTPException(404, str(exc)) from exc
        return Response(png, media_type="image/png", headers={"Cache-Control": "private, max-age=3600"})

    @app.post("/api/documents/{doc_id}/tags")
    def tag(user: Caller, doc_id: str, body: TagChange) -> dict[str, Any]:
        return _annotate(user, doc_id, tag=body.tag, remove=body.remove)

    @app.post("/api/documents/{doc_id}/notes")
    def note(user: Caller, doc_id: str, body: Note) -> dict[str, Any]:
        return _annotate(user, doc_id, text=body.text)

    @app.post("/api/documents/{doc_id}/star")
    def star(user: Caller, doc_id: str, body: Star) -> dict[str, Any]:
        return _annotate(user, doc_id, starred=body.starred)

    def _annotate(user: User, doc_id: str, **change: Any) -> dict[str, Any]:
        try:
            result = notes.change(user, doc_id, **change)
        except AccessDenied as exc:
            raise HTTPException(404, str(exc)) from exc
        result["notes"] = service.display(user, result["notes"])
        return result

    @app.get("/api/saved-searches")
    def saved_list(user: Caller) -> dict[str, Any]:
        return {"saved": [{**item, "filters": {k: v.split("\n") if k == "entity" else v
                                               for k, v in (item.get("filters") or {}).items()}}
                          for item in saved.list(user)]}

    @app.post("/api/saved-searches")
    def saved_add(user: Caller, body: SavedSearch) -> dict[str, Any]:
        filters = {k: "\n".join(v[:10]) if isinstance(v, list) else v for k, v in body.filters.items()}
        return saved.save(user, body.name, body.query, filters)

    @app.delete("/api/saved-searches/{name}")
    def saved_delete(user: Caller, name: str) -> dict[str, Any]:
        if not saved.delete(user, name):
            raise HTTPException(404, f"no saved search {name[:100]!r}")
        return {"deleted": name}

    static = Path(str(resources.files("evidex.web").joinpath("static")))
    if static.is_dir():
        from fastapi.staticfiles import StaticFiles

        app.mount("/static", StaticFiles(directory=static), name="static")
