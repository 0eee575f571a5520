"""The conflicts queue: proposals waiting for a person, approved or overridden from here."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query, Request
from starlette.responses import HTMLResponse, RedirectResponse, Response

from stockpool.domain.conflicts import Action
from stockpool.domain.errors import StockpoolError
from stockpool.entrypoints.dashboard.access import OperatorDep, VisitorDep, container_of
from stockpool.entrypoints.dashboard.render import page

router = APIRouter(include_in_schema=False)
PAGE = 50
ConflictId = Annotated[int, Path(ge=1, le=2**63 - 1)]


@router.get("/conflicts", response_class=HTMLResponse)
def conflicts(
    request: Request,
    who: VisitorDep,
    after: Annotated[int | None, Query(ge=0)] = None,
    done: Annotated[int | None, Query(ge=1)] = None,
) -> Response:
    """Proposed conflicts, oldest first, a page at a time, with their proposed resolutions."""
    found = container_of(request).conflicts.list(status="proposed", after=after, limit=PAGE)
    more = found[-1].id if len(found) == PAGE else None
    return page(request, "conflicts.html", who, conflicts=found, more=more, done=done, error=None)


@router.post("/conflicts/{conflict_id}/approve")
def approve(request: Request, conflict_id: ConflictId, who: OperatorDep) -> Response:
    """Accept the proposal (worked out again against the stock as it is now)."""
    return _decide(request, conflict_id, who.actor, accept=True, action=None)


@router.post("/conflicts/{conflict_id}/backorder")
def backorder(request: Request, conflict_id: ConflictId, who: OperatorDep) -> Response:
    """Override: settle the short units as a backorder instead."""
    return _decide(request, conflict_id, who.actor, accept=False, action=Action.BACKORDER)


@router.post("/conflicts/{conflict_id}/cancel")
def cancel(request: Request, conflict_id: ConflictId, who: OperatorDep) -> Response:
    """Override: cancel the short units instead."""
    return _decide(request, conflict_id, who.actor, accept=False, action=Action.CANCEL)


def _decide(
    request: Request, conflict_id: int, actor: str, *, accept: bool, action: Action | None
) -> Response:
    try:
        container_of(request).conflicts.decide(
            conflict_id, accept=accept, action=action, actor=actor
        )
    except StockpoolError as error:
        return Response(error.message, status_code=409, media_type="text/plain")
    return RedirectResponse(f"/conflicts?done={conflict_id}", status_code=303)
