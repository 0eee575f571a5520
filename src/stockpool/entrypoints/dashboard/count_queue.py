"""The count queue: counts still open and those waiting for approval, submitted, approved or
cancelled from here through the same service calls as /v1/counts (an approver must be someone
other than whoever opened or submitted the count: the service refuses, and the page says so)."""

from __future__ import annotations

from typing import Annotated, Protocol

from fastapi import APIRouter, Path, Query, Request
from starlette.responses import HTMLResponse, RedirectResponse, Response

from stockpool.domain.count_sessions import CountStatus
from stockpool.domain.errors import StockpoolError
from stockpool.entrypoints.api.errors import status_for
from stockpool.entrypoints.dashboard.access import OperatorDep, Visitor, VisitorDep, container_of
from stockpool.entrypoints.dashboard.render import page
from stockpool.services.counts import CountService, CountWrite

router = APIRouter(include_in_schema=False)
PAGE = 50
CountId = Annotated[int, Path(ge=1, le=2**63 - 1)]


@router.get("/counts", response_class=HTMLResponse)
def counts(
    request: Request,
    who: VisitorDep,
    done: Annotated[int | None, Query(ge=1, le=2**63 - 1)] = None,
    now: CountStatus | None = None,
) -> Response:
    """Counts still open, and those waiting for approval; done: the count just acted on, and
    now its status."""
    return _queue(request, who, done=(done, now) if done and now else None)


@router.post("/counts/{count_id}/submit")
def submit(request: Request, count_id: CountId, who: OperatorDep) -> Response:
    """Submit a counted count: posted now, or waiting for another person's approval."""
    return _act(request, who, count_id, CountService.submit)


@router.post("/counts/{count_id}/approve")
def approve(request: Request, count_id: CountId, who: OperatorDep) -> Response:
    """Approve a count waiting for approval (not one this key opened or submitted); posted."""
    return _act(request, who, count_id, CountService.approve)


@router.post("/counts/{count_id}/cancel")
def cancel(request: Request, count_id: CountId, who: OperatorDep) -> Response:
    """Cancel an open count: nothing is posted."""
    return _act(request, who, count_id, CountService.cancel)


class Action(Protocol):
    """One of the count service's verbs, called on the service."""

    def __call__(self, service: CountService, count_id: int, /, *, actor: str) -> CountWrite: ...


def _act(request: Request, who: Visitor, count_id: int, action: Action) -> Response:
    try:
        written = action(container_of(request).counts, count_id, actor=who.actor)
    except StockpoolError as error:
        # The service's messages name the count they are about.
        return _queue(request, who, error=error.message, status_code=status_for(error))
    now = written.count.status.value
    return RedirectResponse(f"/counts?done={count_id}&now={now}", status_code=303)


def _queue(
    request: Request,
    who: Visitor,
    *,
    done: tuple[int, CountStatus] | None = None,
    error: str | None = None,
    status_code: int = 200,
) -> Response:
    service = container_of(request).counts
    found = {
        status: service.list(status=status, limit=PAGE)
        for status in (CountStatus.OPEN, CountStatus.AWAITING_APPROVAL)
    }
    return page(
        request,
        "counts.html",
        who,
        status_code,
        counts=found,
        page_size=PAGE,
        done=done,
        error=error,
        awaiting=CountStatus.AWAITING_APPROVAL,
    )
