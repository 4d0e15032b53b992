"""``/api/census``: the stored census report of a case, leak lookups and the notification export (audited)."""

from collections.abc import Callable
from dataclasses import asdict
import json
from typing import Annotated, Any

from fastapi import Depends, FastAPI, HTTPException, Query
from fastapi.responses import StreamingResponse

from evidex.census import report_path
from evidex.search.builder import SearchService
from evidex.search.census_lookup import affected, lookup, notify_csv
from evidex.search.identity import User
from evidex.settings import Settings


def add_census_routes(app: FastAPI, service: SearchService, settings: Settings,
                      current_user: Callable[..., User]) -> None:
    """Attach the census endpoints; ``current_user`` resolves the authenticated caller."""
    Caller = Annotated[User, Depends(current_user)]

    @app.get("/api/census")
    def census_report(user: Caller, case: Annotated[str, Query(max_length=200)],
                      batch: Annotated[str | None, Query(max_length=200)] = None) -> dict[str, Any]:
        """The last census of the case as computed for the caller's agency (``evidex census --case``)."""
        path = report_path(settings.data_dir, case, batch, "*" if user.is_admin else user.agency)
        found = path.is_file()
        service.audit.write(user, "census_report", filters={"case_id": case, "batch_id": batch},
                            result_count=int(found), outcome="ok" if found else "missing")
        if not found:
            raise HTTPException(404, f"no census of case {case[:80]!r} for {user.agency} yet "
                                     "(run evidex census --case)")
        return json.loads(path.read_text(encoding="utf-8"))

    @app.get("/api/census/lookup")
    def census_lookup(user: Caller, value: Annotated[str, Query(max_length=300)],
                      reveal: bool = False) -> dict[str, Any]:
        """Whether a phone, e-mail, resident number … is in the leak (privacy officers, admins)."""
        return asdict(lookup(service, user, value, reveal=reveal))

    @app.get("/api/census/notify", response_model=None)
    def census_notify(user: Caller, case: Annotated[str, Query(max_length=200)],
                      type: Annotated[str, Query(max_length=30)] = "PHONE",
                      batch: Annotated[str | None, Query(max_length=200)] = None) -> StreamingResponse:
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
