"""The FastAPI application, built around a wired container."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import Depends, FastAPI
from fastapi.responses import JSONResponse

from stockpool import __version__
from stockpool.bootstrap import Container
from stockpool.entrypoints.api.auth import ApiKeyAuth
from stockpool.entrypoints.api.deps import known_query_parameters_only
from stockpool.entrypoints.api.errors import BodyLimit, install_error_handlers
from stockpool.entrypoints.api.routes import (
    availability,
    catalog,
    channels,
    conflicts,
    keys,
    ledger,
    orders,
    reservations,
    stock,
)
from stockpool.entrypoints.api.schemas import ERROR_RESPONSES, Health
from stockpool.entrypoints.periodic import Periodic, refresher, sweeper

log = logging.getLogger("stockpool.api")

DESCRIPTION = """
One pool of physical stock, promised safely to every sales channel.

Every /v1 route needs an API key: `Authorization: Bearer <key>`. Roles: **viewer** reads,
**operator** also posts stock movements and edits SKUs, **admin** also edits locations and keys.
Every write accepts an `Idempotency-Key` header: a replay returns the first answer
(with `Idempotent-Replayed: true`) and writes nothing.
"""


def create_app(container: Container) -> FastAPI:
    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        settings = container.settings
        jobs: list[Periodic] = []
        if settings.reservation_sweep_seconds > 0:
            jobs.append(sweeper(container.reservations.sweep, settings.reservation_sweep_seconds))
        if settings.availability_refresh_seconds > 0:
            jobs.append(
                refresher(container.availability.refresh, settings.availability_refresh_seconds)
            )
        for job in jobs:
            job.start()
        try:
            yield
        finally:
            for job in jobs:
                job.stop()

    app = FastAPI(
        title="stockpool", version=__version__, description=DESCRIPTION, lifespan=lifespan
    )
    app.state.container = container
    newest_schema = container.database.head_revision()
    install_error_handlers(app)
    for module in (
        catalog,
        stock,
        ledger,
        channels,
        orders,
        conflicts,
        reservations,
        availability,
        keys,
    ):
        app.include_router(
            module.router,
            prefix="/v1",
            responses=ERROR_RESPONSES,
            dependencies=[Depends(known_query_parameters_only)],
        )

    @app.get(
        "/health",
        response_model=Health,
        tags=["health"],
        responses={503: {"description": "Database unreachable or not migrated"}},
    )
    def health() -> Health | JSONResponse:
        """Open to all: is the database reachable and migrated?"""
        try:
            revision = container.database.current_revision()  # connects: fails if unreachable
        except Exception:  # the point of a health check is to report, not raise
            # The error can name the database host and user: it goes to the log, not to
            # whoever asks (/health is open to all).
            log.exception("health check: the database is unreachable")
            return JSONResponse(
                {"detail": "Database unreachable; the cause is in the server's log."},
                status_code=503,
            )
        if revision != newest_schema:
            return JSONResponse(
                {
                    "detail": f"database schema is at {revision}, not the newest: "
                    "run `stockpool db upgrade`."
                },
                status_code=503,
            )
        return Health(status="ok", database=container.database.kind, schema_revision=revision)

    # Outermost first: refuse oversize bodies, then unauthenticated callers, then route.
    app.add_middleware(ApiKeyAuth, keys=container.keys)
    app.add_middleware(BodyLimit, max_bytes=container.settings.max_body_bytes)
    return app
