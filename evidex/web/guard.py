"""What every response of the API carries: security headers, and errors as short messages, never tracebacks.

A refused query is the status it names (422, 429 …); an unreachable index is 503; anything unexpected is a 500
with a reference to the server log, never the exception text (it could hold a path or a value).
"""

from __future__ import annotations

import base64
import hashlib
import logging
import re
import uuid

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from evidex.search.builder import SearchUnavailable
from evidex.search.query import QueryRefused
from evidex.settings import UnknownAgency

log = logging.getLogger("evidex.web")
_SCRIPT = re.compile(r"<script>(.*?)</script>", re.S)


def page_csp(page_html: str) -> str:
    """A Content-Security-Policy that allows only this page's own inline script (by its hash) and same-origin calls."""
    hashes = " ".join(
        "'sha256-" + base64.b64encode(hashlib.sha256(body.encode("utf-8")).digest()).decode() + "'"
        for body in _SCRIPT.findall(page_html))
    return ("default-src 'none'; connect-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; "
            f"script-src 'self' {hashes}; base-uri 'none'; form-action 'self'; frame-ancestors 'none'")


def install_guards(app: FastAPI, *, csp: str) -> None:
    """Security headers on every response and the error handlers of the whole application."""

    @app.middleware("http")
    async def headers(request: Request, call_next):  # noqa: ANN001, ANN202
        response = await call_next(request)
        response.headers.setdefault("Content-Security-Policy", csp)
        response.headers["X-Frame-Options"] = "DENY"
        response.headers["X-Content-Type-Options"] = "nosniff"
        response.headers["Referrer-Policy"] = "no-referrer"
        response.headers["Cross-Origin-Opener-Policy"] = "same-origin"
        if request.url.path.startswith("/api/"):
            response.headers["Cache-Control"] = "no-store"
        return response

    @app.exception_handler(QueryRefused)
    async def refused(request: Request, exc: QueryRefused) -> JSONResponse:
        return JSONResponse({"detail": str(exc)}, status_code=exc.status)

    @app.exception_handler(UnknownAgency)
    async def unknown_agency(request: Request, exc: UnknownAgency) -> JSONResponse:
        return JSONResponse({"detail": str(exc)}, status_code=422)

    @app.exception_handler(PermissionError)
    async def forbidden(request: Request, exc: PermissionError) -> JSONResponse:
        return JSONResponse({"detail": str(exc)}, status_code=403)

    @app.exception_handler(SearchUnavailable)
    async def unavailable(request: Request, exc: SearchUnavailable) -> JSONResponse:
        return JSONResponse({"detail": "the search index is unavailable; try again shortly"}, status_code=503)

    @app.exception_handler(Exception)
    async def unexpected(request: Request, exc: Exception) -> JSONResponse:
        if isinstance(exc, StarletteHTTPException):
            return JSONResponse({"detail": exc.detail}, status_code=exc.status_code, headers=exc.headers)
        ref = uuid.uuid4().hex[:12]
        log.error("unexpected error %s on %s %s: %s", ref, request.method, request.url.path, type(exc).__name__)
        return JSONResponse({"detail": f"internal error (reference {ref})"}, status_code=500)
