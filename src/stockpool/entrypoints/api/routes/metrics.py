"""/metrics for Prometheus: open like /health (no API key), so serve it on a private address or
firewall it (see docs/metrics.md)."""

from __future__ import annotations

from anyio import to_thread
from fastapi import APIRouter, Request, Response

from stockpool.entrypoints.api.deps import ContainerDep
from stockpool.entrypoints.metrics import CONTENT_TYPE, Metrics, exposition

router = APIRouter()


@router.get(
    "/metrics",
    tags=["health"],
    response_class=Response,
    responses={200: {"content": {CONTENT_TYPE: {}}, "description": "Prometheus text format"}},
)
async def metrics(request: Request, container: ContainerDep) -> Response:
    """Open to all: counters and histograms of every process, gauges read from the database."""
    counted: Metrics = request.app.state.metrics
    text = await to_thread.run_sync(exposition, counted, container.sync.backlog)
    return Response(text, media_type=CONTENT_TYPE)
