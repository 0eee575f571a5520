"""The channels (health, listings with drift, unmapped SKUs, the outbox) and the QC and count
queues: read-only pages, each a page of rows at a time."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from starlette.responses import HTMLResponse, Response

from stockpool.domain.count_sessions import CountStatus
from stockpool.domain.errors import StockpoolError
from stockpool.domain.returns import ReturnStatus
from stockpool.entrypoints.dashboard.access import VisitorDep, container_of
from stockpool.entrypoints.dashboard.render import page

router = APIRouter(include_in_schema=False)
PAGE = 50
Cursor = Annotated[str | None, Query(max_length=200)]
IdCursor = Annotated[int | None, Query(ge=0, le=2**63 - 1)]


@router.get("/channels", response_class=HTMLResponse)
def channels(request: Request, who: VisitorDep) -> Response:
    """Every channel's sync health and its backlog (numbers waiting, listings drifting)."""
    container = container_of(request)
    backlog = {b.channel: b for b in container.sync.backlog()}
    health = [container.sync.health(c.code) for c in container.channels.list()]
    return page(request, "channels.html", who, health=health, backlog=backlog)


@router.get("/channels/{code}", response_class=HTMLResponse)
def channel(request: Request, code: str, who: VisitorDep, after: Cursor = None) -> Response:
    """One channel: its health, its listings (pushed against read back), unmapped channel SKUs
    and the numbers waiting in the outbox."""
    container = container_of(request)
    try:
        container.channels.get(code)
        listings = container.listings.page(code, after=after, limit=PAGE)
        unmapped = container.listings.unmapped(code, limit=PAGE)
        waiting = container.sync.pending(code, limit=PAGE)
        health = container.sync.health(code)
    except StockpoolError as error:
        return page(request, "missing.html", who, 404, message=error.message)
    more = listings[-1].listing.channel_sku if len(listings) == PAGE else None
    return page(
        request,
        "channel.html",
        who,
        code=code,
        health=health,
        listings=listings,
        more=more,
        unmapped=unmapped,
        waiting=waiting,
    )


@router.get("/returns", response_class=HTMLResponse)
def quality_control(request: Request, who: VisitorDep, after: IdCursor = None) -> Response:
    """The QC queue: returns with units still waiting in quality_control, oldest first."""
    found = container_of(request).returns.listed(
        ReturnStatus.AWAITING_INSPECTION, after=after, limit=PAGE
    )
    more = found[-1].found.id if len(found) == PAGE else None
    return page(request, "returns.html", who, returns=found, more=more)


@router.get("/counts", response_class=HTMLResponse)
def counts(request: Request, who: VisitorDep) -> Response:
    """Counts still open, and those waiting for approval."""
    service = container_of(request).counts
    found = {
        status: service.list(status=status, limit=PAGE)
        for status in (CountStatus.OPEN, CountStatus.AWAITING_APPROVAL)
    }
    return page(request, "counts.html", who, counts=found, page_size=PAGE)
