"""The QC queue: returns with units still in quality_control, inspected from here a SKU at a
time, through the same service call as POST /v1/returns/{id}/inspections."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Path, Query, Request
from starlette.responses import HTMLResponse, RedirectResponse, Response

from stockpool.domain.errors import InvalidRequest, StockpoolError
from stockpool.domain.returns import Disposition, Inspection, ReturnStatus, parse_disposition
from stockpool.entrypoints.api.errors import status_for
from stockpool.entrypoints.dashboard.access import OperatorDep, Visitor, VisitorDep, container_of
from stockpool.entrypoints.dashboard.render import page

router = APIRouter(include_in_schema=False)
PAGE = 50
IdCursor = Annotated[int | None, Query(ge=0, le=2**63 - 1)]
ReturnId = Annotated[int, Path(ge=1, le=2**63 - 1)]
# Form fields arrive as text and are checked here (and by Inspection), so that a bad one is a
# message on the page, not a validation document.
Field = Annotated[str, Form()]


@router.get("/returns", response_class=HTMLResponse)
def quality_control(
    request: Request,
    who: VisitorDep,
    after: IdCursor = None,
    done: Annotated[int | None, Query(ge=1, le=2**63 - 1)] = None,
) -> Response:
    """The QC queue: returns with units still waiting in quality_control, oldest first."""
    return _queue(request, who, after=after, done=done)


@router.post("/returns/{return_id}/inspect")
def inspect(
    request: Request,
    return_id: ReturnId,
    who: OperatorDep,
    sku: Field = "",
    quantity: Field = "",
    disposition: Field = "",
    reference: Field = "",
) -> Response:
    """Inspect units of one SKU of a return; refused whole (nothing moves) when more than
    await inspection, or the form is wrong, with the reason shown above the queue."""
    try:
        inspection = Inspection(
            sku.strip(),
            _whole(quantity),
            parse_disposition(disposition),
            reference.strip() or None,
        )
        container_of(request).returns.inspect(return_id, inspection, actor=who.actor)
    except StockpoolError as error:
        # The service's messages name the return they are about.
        return _queue(request, who, error=error.message, status_code=status_for(error))
    return RedirectResponse(f"/returns?done={return_id}", status_code=303)


def _queue(
    request: Request,
    who: Visitor,
    *,
    after: int | None = None,
    done: int | None = None,
    error: str | None = None,
    status_code: int = 200,
) -> Response:
    found = container_of(request).returns.listed(
        ReturnStatus.AWAITING_INSPECTION, after=after, limit=PAGE
    )
    more = found[-1].found.id if len(found) == PAGE else None
    return page(
        request,
        "returns.html",
        who,
        status_code,
        returns=found,
        more=more,
        done=done,
        error=error,
        dispositions=list(Disposition),
    )


def _whole(text: str) -> int:
    """The quantity typed in: a whole number (its range is the Inspection's to check)."""
    cleaned = text.strip()
    digits = cleaned.removeprefix("-")
    if not (digits.isascii() and digits.isdigit()) or len(digits) > 12:
        raise InvalidRequest(f"quantity must be a whole number of units (got {cleaned[:20]!r}).")
    return int(cleaned)
