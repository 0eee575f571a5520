"""`stockpool serve`: the API, the dashboard and the background jobs in one process, or in N
(`--workers N`, PostgreSQL only) that share nothing but the database.

With several processes, uvicorn's supervisor starts each one by importing `app` below, which
wires a container of its own. What the processes must agree on is settled before they start:
the schema is checked once, a session secret is made when none is set (a dashboard cookie
signed by one process is read by another), and the Prometheus multiprocess directory is made
when none is named (so /metrics in any process adds up every process's counts). Each process
runs the sync worker's channel loops too (unless STOCKPOOL_WORKER=off): leases give each
channel to one of them at a time. uvicorn runs on uvloop with httptools where installed (its
`auto`).
"""

from __future__ import annotations

import os
import secrets
import tempfile
from contextlib import ExitStack

from fastapi import FastAPI

from stockpool.bootstrap import bootstrap
from stockpool.config import Settings
from stockpool.domain.errors import InvalidRequest
from stockpool.entrypoints.metrics import MULTIPROCESS_DIR, Metrics

SESSION_SECRET = "STOCKPOOL_SESSION_SECRET"


def app() -> FastAPI:
    """One serving process's app, on its own container (uvicorn's factory, per process)."""
    from stockpool.entrypoints.api.app import create_app

    container = bootstrap(Settings(), observer=Metrics())
    container.database.require_current()
    return create_app(container)


def serve_processes(host: str, port: int, workers: int, grace_seconds: int) -> None:
    """Serve with `workers` processes until stopped."""
    import uvicorn

    settings = Settings()
    checked = bootstrap(settings)
    try:
        if checked.database.kind == "sqlite":
            raise InvalidRequest(
                "--workers above 1 needs PostgreSQL (STOCKPOOL_DATABASE_URL=postgresql://...): "
                "SQLite takes one writer at a time, so more processes only wait on each other."
            )
        checked.database.require_current()
    finally:
        checked.close()
    with ExitStack() as stack:
        if not os.environ.get(SESSION_SECRET) and settings.session_secret is None:
            os.environ[SESSION_SECRET] = secrets.token_urlsafe(32)
        if not os.environ.get(MULTIPROCESS_DIR):
            directory = stack.enter_context(tempfile.TemporaryDirectory(prefix="stockpool-"))
            os.environ[MULTIPROCESS_DIR] = directory
        uvicorn.run(
            "stockpool.entrypoints.serving:app",
            factory=True,
            host=host,
            port=port,
            workers=workers,
            timeout_graceful_shutdown=grace_seconds,
        )
