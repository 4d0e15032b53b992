"""``/census`` and ``/api/census``: the census report of a case (JSON, SVG charts, PDF, PNG) for the roles that may see
it, leak lookups and the notification export. Every read is audited.

The page (``static/census.html`` + ``census.js``) holds no data: it asks the API, which answers only ``CENSUS_ROLES``.
A report is the one computed for the caller's agency's view of the case (``evidex census --case``); an admin reads
the report computed by an admin (every batch).
"""

import json
from collections.abc import Callable
from dataclasses import asdict
from importlib import resources
from typing import Annotated, Any

from fastapi import Depends, FastAPI, HTTPException, Query
from fastapi.responses import HTMLResponse, Response, StreamingResponse

from evidex.census import report_path, stored_reports
from evidex.census.charts import KINDS, report_svg
from evidex.search.builder import SearchService
from evidex.search.census_lookup import affected, lookup, notify_csv
from evidex.search.identity import User
from evidex.settings import Settings

CENSUS_ROLES = ("privacy_officer", "admin")
"""Who may read census reports: the data-protection side of the task force (counts, masked file names)."""

Case = Annotated[str, Query(max_length=200)]
Batch = Annotated[str | None, Query(max_length=200)]


def add_census_routes(app: FastAPI, service: SearchService, settings: Settings,
                      current_user: Callable[..., User]) -> None:
    """Attach the census page and endpoints; ``current_user`` resolves the authenticated caller."""
    Caller = Annotated[User, Depends(current_user)]
    page = resources.files("evidex.web").joinpath("static/census.html")

    def _view(user: User) -> str:
        return "*" if user.is_admin else user.agency

    def _allowed(user: User, action: str, filters: dict[str, Any]) -> None:
        if not any(role in CENSUS_ROLES for role in user.roles):
            service.audit.write(user, action, filters=filters, outcome="refused: role")
            raise HTTPException(403, f"census reports are for the roles {', '.join(CENSUS_ROLES)}")

    def _report(user: User, case: str, batch: str | None, action: str, **extra: str) -> dict[str, Any]:
        filters = {"case_id": case, "batch_id": batch, **extra}
        _allowed(user, action, filters)
        path = report_path(settings.data_dir, case, batch or None, _view(user))
        found = path.is_file()
        service.audit.write(user, action, filters=filters, result_count=int(found),
                            outcome="ok" if found else "missing")
        if not found:
            raise HTTPException(404, f"no census of case {case[:80]!r}{f' batch {batch[:80]!r}' if batch else ''} "
                                     f"for {user.agency} yet (run evidex census --case)")
        return json.loads(path.read_text(encoding="utf-8"))

    @app.get("/census", response_class=HTMLResponse, include_in_schema=False)
    def census_page() -> str:
        """The census page (no data in it: it asks ``/api/census``)."""
        return page.read_text(encoding="utf-8")

    @app.get("/api/census")
    def census_report(user: Caller, case: Case, batch: Batch = None) -> dict[str, Any]:
        """The last census of the case as computed for the caller's agency (``evidex census --case``)."""
        return _report(user, case, batch, "census_report")

    @app.get("/api/census/cases")
    def census_cases(user: Caller) -> dict[str, Any]:
        """The cases (and batches) with a census report for the caller's agency, newest first."""
        _allowed(user, "census_cases", {})
        found = stored_reports(settings.data_dir, _view(user))
        service.audit.write(user, "census_cases", result_count=len(found))
        return {"reports": found}

    @app.get("/api/census/chart.svg", response_class=Response)
    def census_chart(user: Caller, case: Case, batch: Batch = None,
                     kind: Annotated[str, Query(description=", ".join(KINDS))] = "types") -> Response:
        """One figure of the report as SVG: ``types`` (bars per identifier type) or ``agencies``."""
        if kind not in KINDS:
            raise HTTPException(422, f"unknown chart {kind[:40]!r}; known charts: {', '.join(KINDS)}")
        report = _report(user, case, batch, "census_chart", kind=kind)
        return Response(report_svg(report, kind), media_type="image/svg+xml",
                        headers={"Cache-Control": "no-store"})

    @app.get("/api/census/report.pdf", response_class=Response)
    def census_pdf(user: Caller, case: Case, batch: Batch = None) -> Response:
        """The report for the file, as a PDF (totals, charts, overlap tables, files)."""
        from evidex.census.pdf import report_pdf

        report = _report(user, case, batch, "census_pdf")
        return Response(report_pdf(report, title=f"Leak census · {case}"), media_type="application/pdf",
                        headers={"Content-Disposition": 'attachment; filename="evidex-census.pdf"'})

    @app.get("/api/census/report.png", response_class=Response)
    def census_png(user: Caller, case: Case, batch: Batch = None) -> Response:
        """The first page of the PDF report as a PNG image."""
        from evidex.census.pdf import report_png

        report = _report(user, case, batch, "census_png")
        return Response(report_png(report), media_type="image/png",
                        headers={"Content-Disposition": 'inline; filename="evidex-census.png"'})

    @app.get("/api/census/lookup")
    def census_lookup(user: Caller, value: Annotated[str, Query(max_length=300)],
                      reveal: bool = False) -> dict[str, Any]:
        """Whether a phone, e-mail, resident number … is in the leak (privacy officers, admins)."""
        return asdict(lookup(service, user, value, reveal=reveal))

    @app.get("/api/census/notify", response_model=None)
    def census_notify(user: Caller, case: Case, type: Annotated[str, Query(max_length=30)] = "PHONE",
                      batch: Batch = None) -> StreamingResponse:
        """The people affected, one CSV line per distinct identifier of ``type`` (masked)."""
        rows = affected(service, user, case, type, batch)
        first = next(notify_csv(iter(())))  # the role check runs before the first byte is sent
        try:
            head = next(rows)
        except StopIteration:
            head = None

        def body():  # noqa: ANN202
            yield first
            if head is not None:
                for chunk in notify_csv(iter([head])):
                    if not chunk.startswith("\ufeff"):
                        yield chunk
                for chunk in notify_csv(rows):
                    if not chunk.startswith("\ufeff"):
                        yield chunk

        return StreamingResponse(body(), media_type="text/csv; charset=utf-8",
                                 headers={"Content-Disposition": 'attachment; filename="evidex-notify.csv"'})
