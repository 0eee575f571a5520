"""Puts the dashboard on an app: its routes at /, its vendored static files at /static."""

from __future__ import annotations

import secrets

from fastapi import FastAPI, Request
from fastapi.staticfiles import StaticFiles
from starlette.responses import RedirectResponse, Response

from stockpool.bootstrap import Container
from stockpool.entrypoints.dashboard import count_queue, live, operations, pages, qc, queues
from stockpool.entrypoints.dashboard.access import SignInNeeded
from stockpool.entrypoints.dashboard.render import STATIC
from stockpool.entrypoints.dashboard.session import Sessions

ROUTERS = (
    pages.router,
    queues.router,
    operations.router,
    qc.router,
    count_queue.router,
    live.router,
)


def mount_dashboard(app: FastAPI, container: Container) -> None:
    settings = container.settings
    secret = (
        settings.session_secret.get_secret_value()
        if settings.session_secret
        else secrets.token_urlsafe(32)  # this process only: sessions end when it restarts
    )
    app.state.dashboard_sessions = Sessions(secret, int(settings.session_hours * 3600))
    for router in ROUTERS:
        app.include_router(router)
    app.mount("/static", StaticFiles(directory=STATIC), name="static")

    @app.exception_handler(SignInNeeded)
    async def _sign_in(request: Request, _: SignInNeeded) -> Response:
        if request.headers.get("HX-Request"):  # htmx swaps fragments: send the whole page there
            return Response(status_code=401, headers={"HX-Redirect": "/login"})
        return RedirectResponse("/login", status_code=303)
