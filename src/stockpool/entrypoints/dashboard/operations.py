"""The channels (health, listings with drift, unmapped SKUs, the outbox): read-only pages, each
a page of rows at a time. The QC and count queues, which act, are qc.py and count_queue.py."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from starlette.responses import HTMLResponse, Response

from stockpool.domain.errors import StockpoolError
from stockpool.entrypoints.dashboard.access import VisitorDep, container_of
from stockpool.entrypoints.dashboard.render import page

router = APIRouter(include_in_schema=False)
PAGE = 50
Cursor = Annotated[str | None, Query(max_length=200)]


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
