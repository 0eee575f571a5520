"""The FastAPI application, built around a wired container."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from functools import partial

from fastapi import Depends, FastAPI

from stockpool import __version__
from stockpool.bootstrap import Container
from stockpool.entrypoints.api.auth import ApiKeyAuth
from stockpool.entrypoints.api.deps import known_query_parameters_only
from stockpool.entrypoints.api.errors import BodyLimit, install_error_handlers
from stockpool.entrypoints.api.loop_group_commit import LoopGroupCommit
from stockpool.entrypoints.api.request_timing import RequestTiming, RouteTemplates
from stockpool.entrypoints.api.routes import (
    alerts,
    availability,
    cancellations,
    catalog,
    channels,
    conflicts,
    counts,
    forecast,
    health,
    keys,
    ledger,
    metrics,
    orders,
    reservations,
    returns,
    snapshots,
    stock,
    subscribers,
    webhooks,
)
from stockpool.entrypoints.api.schemas import ERROR_RESPONSES
from stockpool.entrypoints.dashboard.mount import mount_dashboard
from stockpool.entrypoints.metrics import Metrics
from stockpool.entrypoints.outbound import http_post
from stockpool.entrypoints.periodic import (
    Periodic,
    alert_evaluator,
    refresher,
    sweeper,
    webhook_sender,
)
from stockpool.entrypoints.worker import Worker, channel_jobs

DESCRIPTION = """
One pool of physical stock, promised safely to every sales channel.

Every /v1 route needs an API key: `Authorization: Bearer <key>`. Roles: **viewer** reads,
**operator** also posts stock movements and edits SKUs, **admin** also edits locations and keys.
Every write accepts an `Idempotency-Key` header: a replay returns the first answer
(with `Idempotent-Replayed: true`) and writes nothing.
"""


# The /v1 routers, in the order /docs lists them.
ROUTES = (
    catalog,
    stock,
    counts,
    snapshots,
    ledger,
    channels,
    orders,
    conflicts,
    cancellations,
    returns,
    reservations,
    availability,
    forecast,
    alerts,
    subscribers,
    keys,
)


def create_app(container: Container) -> FastAPI:
    app = FastAPI(
        title="stockpool",
        version=__version__,
        description=DESCRIPTION,
        lifespan=_background_jobs(container),
    )
    app.state.container = container
    app.state.grouped_orders = LoopGroupCommit(
        lambda batch, actor: container.intake.ingest_many(batch, actor=actor),
        max_batch=container.settings.group_commit_max,
    )
    app.state.grouped_reservations = LoopGroupCommit(
        lambda batch, actor: container.reservations.reserve_many(batch, actor=actor),
        max_batch=container.settings.group_commit_max,
    )
    # The container's metrics when the services count into them (stockpool serve); a container
    # wired without (tests) still has its requests timed.
    counted = container.observer
    app.state.metrics = counted if isinstance(counted, Metrics) else Metrics()
    app.state.newest_schema = container.database.head_revision()
    install_error_handlers(app)
    templates = RouteTemplates()  # what request latency is labelled by
    for module in ROUTES:
        app.include_router(
            module.router,
            prefix="/v1",
            responses=ERROR_RESPONSES,
            dependencies=[Depends(known_query_parameters_only)],
        )
        templates.add(module.router.routes, "/v1")
    app.include_router(health.router)
    app.include_router(metrics.router)
    app.include_router(webhooks.router, responses=ERROR_RESPONSES)
    for router in (health.router, metrics.router, webhooks.router):
        templates.add(router.routes)
    mount_dashboard(app, container)  # the pages at /, out of the OpenAPI document
    templates.add(app.routes)  # /docs, /openapi.json, the dashboard
    # Outermost first: time the request, refuse oversize bodies, then unauthenticated callers,
    # then route (the middleware added last is the outermost).
    app.add_middleware(ApiKeyAuth, keys=container.keys)
    app.add_middleware(BodyLimit, max_bytes=container.settings.max_body_bytes)
    app.add_middleware(RequestTiming, metrics=app.state.metrics, templates=templates)
    return app


def _background_jobs(
    container: Container,
) -> Callable[[FastAPI], AbstractAsyncContextManager[None]]:
    """The server's lifespan: the reservation sweep, the availability refresh and the sync
    worker run in the background while it serves (each can be switched off in the settings)."""

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
        jobs += alerting_jobs(container)
        worker = (
            Worker(container, channel_jobs(container)) if settings.worker == "embedded" else None
        )
        for job in jobs:
            job.start()
        if worker is not None:
            worker.start()
        try:
            yield
        finally:
            if worker is not None:
                worker.stop()
            for job in jobs:
                job.stop()

    return lifespan


def alerting_jobs(container: Container) -> list[Periodic]:
    """The alert evaluation and the webhook sender (each off when its setting is 0)."""
    settings, alerting = container.settings, container.alerting
    jobs: list[Periodic] = []
    if settings.alert_evaluate_seconds > 0:
        jobs.append(alert_evaluator(alerting.alerts.evaluate, settings.alert_evaluate_seconds))
    if settings.webhook_send_seconds > 0:
        jobs.append(
            webhook_sender(
                partial(alerting.sender.send_due, http_post), settings.webhook_send_seconds
            )
        )
    return jobs
