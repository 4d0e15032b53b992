"""``GET /api/export`` (every matching document, streamed) and ``POST /api/batch-search`` (a term list).

Both read through ``SearchService`` as the caller the injected identity dependency names; a refused request is
answered before the first byte of a stream, with the status ``QueryRefused`` carries.
"""

from collections.abc import Callable
from typing import Annotated, Any

from fastapi import Depends, FastAPI, Query
from fastapi.responses import Response, StreamingResponse
from pydantic import BaseModel, Field
from starlette.background import BackgroundTask

from evidex.search.builder import Filters, SearchService
from evidex.search.export import FORMATS, MEDIA_TYPES, encode_rows, parse_fields, start_export
from evidex.search.identity import User
from evidex.search.query import QueryRefused
from evidex.search.termlist import MAX_TERMS, MAX_TOP, as_dicts, csv_text, parse_terms, run_terms
from evidex.settings import Settings
from evidex.web.workbench_routes import entity_pivots


class TermList(BaseModel):
    """A term list and the filters every term runs with."""

    terms: list[str] = Field(max_length=MAX_TERMS, description="One query each; blank ones and # comments skipped.")
    agency: str | None = None
    case: str | None = None
    status: str | None = None
    type: str | None = None
    topic: str | None = None
    language: str | None = None
    entity: str | list[str] | None = Field(None, description="LABEL:value, or several (all must match)")
    top: int = Field(5, ge=1, le=MAX_TOP)
    reveal: bool = False


def add_export_routes(app: FastAPI, service: SearchService, settings: Settings,
                      caller_dependency: Callable[..., User]) -> None:
    """Attach the export and term-list endpoints; ``caller_dependency`` resolves the authenticated user."""
    Caller = Annotated[User, Depends(caller_dependency)]

    def filters(agency: str | None, case: str | None, status: str | None, type_: str | None, topic: str | None,
                language: str | None, entity: str | list[str] | None) -> Filters:
        if agency:
            settings.check_agency(agency)
        pivots = entity_pivots([entity] if isinstance(entity, str) else list(entity or []))
        return Filters(agency=agency, case_id=case, status=status, content_type=type_, topic=topic,
                       language=language, entity=pivots[0] if pivots else None, entities=tuple(pivots[1:]))

    @app.get("/api/export", response_model=None)
    def export(user: Caller, q: str = "", format: Annotated[str, Query(description="csv or jsonl")] = "csv",
               fields: Annotated[str | None, Query(description="comma-separated, e.g. id,path,title")] = None,
               agency: str | None = None, case: str | None = None, status: str | None = None,
               type: str | None = None, topic: str | None = None, language: str | None = None,
               entity: Annotated[list[str] | None, Query(description="LABEL:value (repeatable: all must match)")] = None,
               reveal: bool = False) -> StreamingResponse:
        """Every document matching ``q`` that the caller may see, streamed (masked by role, audited once)."""
        if format not in FORMATS:
            raise QueryRefused(f"unknown export format {format[:20]!r}; one of {', '.join(FORMATS)}", 422)
        stream = start_export(service, user, q, filters(agency, case, status, type, topic, language, entity),
                              reveal=reveal, fields=parse_fields(fields))
        return StreamingResponse(
            encode_rows(stream, format), media_type=MEDIA_TYPES[format], background=BackgroundTask(stream.close),
            headers={"Content-Disposition": f'attachment; filename="evidex-export.{format}"'})

    @app.post("/api/batch-search", response_model=None)
    def batch_search(user: Caller, body: TermList,
                     format: Annotated[str, Query(description="json or csv")] = "json") -> Any:
        """Each term's count, top documents and own error; one refused term never stops the list."""
        if format not in ("json", "csv"):
            raise QueryRefused(f"unknown format {format[:20]!r}; one of json, csv", 422)
        chosen = filters(body.agency, body.case, body.status, body.type, body.topic, body.language, body.entity)
        terms = parse_terms(body.terms)
        results = list(run_terms(service, user, terms, chosen, top=body.top, reveal=body.reveal))
        if format == "csv":
            return Response(csv_text(results), media_type="text/csv; charset=utf-8",
                            headers={"Content-Disposition": 'attachment; filename="evidex-terms.csv"'})
        return {"terms": as_dicts(results), "refused": sum(1 for r in results if r.error)}
