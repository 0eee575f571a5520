"""/health, open to all: is the database reachable and at the newest schema?"""

from __future__ import annotations

import logging

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from stockpool.entrypoints.api.deps import ContainerDep
from stockpool.entrypoints.api.schemas import Health

log = logging.getLogger("stockpool.api")

router = APIRouter()


@router.get(
    "/health",
    response_model=Health,
    tags=["health"],
    responses={503: {"description": "Database unreachable or not migrated"}},
)
def health(request: Request, container: ContainerDep) -> Health | JSONResponse:
    """Open to all: is the database reachable and migrated?"""
    try:
        revision = container.database.current_revision()  # connects: fails if unreachable
    except Exception:  # the point of a health check is to report, not raise
        # The error can name the database host and user: it goes to the log, not to whoever
        # asks (/health is open to all).
        log.exception("health check: the database is unreachable")
        return JSONResponse(
            {"detail": "Database unreachable; the cause is in the server's log."},
            status_code=503,
        )
    if revision != request.app.state.newest_schema:
        return JSONResponse(
            {
                "detail": f"database schema is at {revision}, not the newest: "
                "run `stockpool db upgrade`."
            },
            status_code=503,
        )
    return Health(status="ok", database=container.database.kind, schema_revision=revision)
