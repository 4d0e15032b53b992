"""HTTP API and the small search page (``evidex serve``).

Identity is an injected dependency (bearer tokens from ``evidex users add``); every read goes through
``SearchService``, which applies the access filter and writes the audit record. Tests may override the
identity dependency, never the service.
"""

from dataclasses import asdict
from importlib import resources
from typing import Annotated, Any

from fastapi import Depends, FastAPI, HTTPException, Query, Request
from fastapi.responses import FileResponse, HTMLResponse
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from evidex.custody.backends import open_store
from evidex.search.builder import AccessDenied, Filters, SearchService
from evidex.search.custody_view import visible_custody
from evidex.search.family import Family
from evidex.search.identity import User
from evidex.search.users import UserDirectory
from evidex.settings import Settings
from evidex.web.export_routes import add_export_routes
from evidex.web.workbench_routes import add_session_routes, add_workbench_routes, entity_pivots
from evidex.web.xref_routes import add_xref_routes
from evidex.web.guard import install_guards, page_csp
from evidex.web.upload_routes import add_upload_routes
from evidex.web.sessions import COOKIE, CSRF_HEADER, UNSAFE_METHODS, SessionStore
from evidex.web.reference import api_reference_page

_bearer = HTTPBearer(auto_error=False)
DOWNLOAD_ROLES = ("investigator", "privacy_officer", "admin")
"""Originals are unmasked evidence: analysts and clerks work with the masked text."""


def create_app(settings: Settings, service: SearchService) -> FastAPI:
    """The application, bound to one settings object and one search service."""
    app = FastAPI(title="Evidex", version="1", docs_url=None, redoc_url=None, openapi_url="/api/openapi.json")
    directory = UserDirectory(settings.data_dir, ttl_days=settings.token_ttl_days)
    store = open_store(settings)
    workbench = resources.files("evidex.web").joinpath("static/index.html")
    page_html = (workbench if workbench.is_file() else resources.files("evidex.web").joinpath("index.html")) \
        .read_text(encoding="utf-8")
    install_guards(app, csp=page_csp(page_html))

    sessions = SessionStore()

    def current_user(request: Request,
                     creds: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)]) -> User:
        if creds:
            user = directory.resolve(creds.credentials)
        else:
            session = sessions.get(request.cookies.get(COOKIE))
            user = directory.resolve(session.token) if session else None
            if user is not None and request.method in UNSAFE_METHODS and \
                    not sessions.csrf_ok(session, request.headers.get(CSRF_HEADER)):  # type: ignore[arg-type]
                raise HTTPException(403, f"missing or wrong {CSRF_HEADER} header for this session")
        if user is None:
            raise HTTPException(401, "sign in, or send a valid bearer token (evidex users add)",
                                headers={"WWW-Authenticate": "Bearer"})
        return user

    app.state.current_user = current_user
    Caller = Annotated[User, Depends(current_user)]

    @app.get("/api/search")
    def search(user: Caller, q: str = "", agency: str | None = None, case: str | None = None,
               status: str | None = None, type: str | None = None, topic: str | None = None,
               language: str | None = None,
               entity: Annotated[list[str] | None, Query(description="LABEL:value; repeat for several")] = None,
               limit: Annotated[int, Query(ge=1, le=1000)] = 20, offset: Annotated[int, Query(ge=0)] = 0,
               reveal: bool = False, sort: str = "relevance", tag: str | None = None,
               cursor: Annotated[str | None, Query(description="'' starts cursor paging; then next_cursor")] = None,
               group_copies: bool = True, facets: bool = True,
               exact_total: Annotated[bool, Query(description="false: without facets, count only up to 10,000 "
                                                               "(faster; /api/facets gives the exact total)")] = True,
               ) -> dict[str, Any]:
        if agency:
            settings.check_agency(agency)
        pivots = entity_pivots(entity or [])
        result = service.search(user, q, Filters(agency=agency, case_id=case, status=status, content_type=type,
                                                 topic=topic, language=language, entity=pivots[0] if pivots else None,
                                                 entities=tuple(pivots[1:]), tag=tag),
                                limit=limit, offset=offset, reveal=reveal, markup="html", sort=sort, cursor=cursor,
                                facets=facets, exact_total=exact_total)
        hits = [asdict(h) for h in result.hits]
        if group_copies:
            hits = group_by_original(hits, Family(service).occurrences(user, sorted({h["sha256"] for h in hits
                                                                                     if h.get("sha256")})))
        similar = Family(service).similar_counts(user, [h["doc_id"] for h in hits])
        for hit in hits:
            hit["similar_count"] = similar.get(hit["doc_id"], 0)
        return {"total": result.total, "total_exact": result.total_exact, "hits": hits, "facets": result.facets,
                "next_cursor": result.next_cursor, "explain": result.explain}

    def _doc(user: User, doc_id: str, action: str, reveal: bool = False) -> dict[str, Any]:
        try:
            return service.get(user, doc_id, reveal=reveal, action=action)
        except AccessDenied as exc:
            raise HTTPException(404, str(exc)) from exc

    @app.get("/api/documents/{doc_id}")
    def document(user: Caller, doc_id: str, reveal: bool = False) -> dict[str, Any]:
        source = _doc(user, doc_id, "view", reveal)
        return {"id": doc_id, **source}

    @app.get("/api/documents/{doc_id}/original")
    def original(user: Caller, doc_id: str) -> FileResponse:
        if not any(role in DOWNLOAD_ROLES for role in user.roles):
            raise HTTPException(403, f"downloading originals needs one of the roles {', '.join(DOWNLOAD_ROLES)}")
        source = _doc(user, doc_id, "download", reveal=False)
        path = store.blob_path(source["sha256"])
        if not path.is_file():
            raise HTTPException(410, f"original {source['sha256']} is missing from the evidence store")
        return FileResponse(path, filename=source.get("name") or source["sha256"],
                            media_type="application/octet-stream")

    @app.get("/api/documents/{doc_id}/custody")
    def custody(user: Caller, doc_id: str) -> dict[str, Any]:
        source = _doc(user, doc_id, "view_custody", reveal=False)
        seen = visible_custody(user, store.custody_events(source["batch_id"], source["sha256"]), settings)
        return {"id": doc_id, "sha256": source["sha256"], "path": source.get("path"),
                "events": service.display(user, seen.events), "other_holders": seen.other_holders}

    @app.get("/", response_class=HTMLResponse)
    def page(request: Request) -> str:
        return page_html

    @app.get("/api/docs", response_class=HTMLResponse)
    def reference() -> str:
        return api_reference_page(app.openapi())

    add_session_routes(app, directory, sessions, service)
    add_workbench_routes(app, service, settings, current_user)
    add_upload_routes(app, settings, current_user)
    add_export_routes(app, service, settings, current_user)
    __import__("evidex.web.census_routes", fromlist=["x"]).add_census_routes(app, service, settings, current_user)
    add_xref_routes(app, service, settings, current_user)
    return app


def group_by_original(hits: list[dict[str, Any]], copies: dict[str, list[dict[str, str]]]) -> list[dict[str, Any]]:
    """One hit per stored original on a page; each carries every occurrence of it the caller may see."""
    seen: set[str] = set()
    out = []
    for hit in hits:
        sha = hit.get("sha256")
        if sha and sha in seen:
            continue
        if sha:
            seen.add(sha)
        hit["occurrences"] = copies.get(sha or "", [])
        out.append(hit)
    return out


def app_from_settings(settings: Settings) -> FastAPI:
    from evidex.search.factory import search_service

    return create_app(settings, search_service(settings))
