"""Returns: received into quality_control against their order, inspected out of it, queued."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import Response

from stockpool.domain.returns import Disposition, Inspection, NewReturn, ReturnStatus
from stockpool.entrypoints.api.deps import (
    ContainerDep,
    Cursor,
    IdempotencyKey,
    Limit,
    Operator,
    RowId,
    Viewer,
    actor,
    id_cursor,
    replayable,
)
from stockpool.entrypoints.api.schemas import (
    InspectionCreate,
    ReturnCreate,
    ReturnPage,
    ReturnPublic,
)
from stockpool.services.returns import Returned, ReturnView

router = APIRouter()

ReturnId = RowId


def return_public(view: ReturnView) -> ReturnPublic:
    found = view.found
    return ReturnPublic.model_validate(
        {
            "id": found.id,
            "channel": found.channel,
            "order_external_id": found.external_id,
            "order_id": found.order_id,
            "location": found.location,
            "reason": found.reason,
            "status": found.status,
            "platform_return_id": found.platform_return_id,
            "created_at": found.created_at,
            "age_seconds": int(view.age.total_seconds()),
            "awaiting": found.awaiting,
            "overdue": view.overdue,
            "lines": [
                {
                    "sku": line.sku,
                    "quantity": line.quantity,
                    "inspected": line.inspected,
                    "awaiting": line.awaiting,
                }
                for line in found.lines
            ],
            "inspections": [
                {
                    "id": i.id,
                    "sku": i.sku,
                    "quantity": i.quantity,
                    "disposition": i.disposition,
                    "reference": i.reference,
                    "actor": i.actor,
                    "at": i.at,
                }
                for i in found.inspections
            ],
        }
    )


def _answer(returned: Returned) -> Response:
    body = return_public(returned.view).model_dump(mode="json")
    return replayable(body, replayed=returned.replayed)


@router.post(
    "/returns",
    status_code=201,
    response_model=ReturnPublic,
    tags=["returns"],
    responses={200: {"model": ReturnPublic, "description": "The same return, replayed"}},
)
def open_return(
    body: ReturnCreate,
    key: Operator,
    container: ContainerDep,
    idempotency_key: IdempotencyKey = None,
) -> Response:
    """Receive units a buyer sent back into quality_control, against the order they shipped on:
    no channel's number counts them until they are inspected. Never more units of a SKU than
    the order shipped, across all of its returns."""
    new = NewReturn(
        channel=body.channel,
        external_id=body.order_external_id,
        location=body.location,
        lines=tuple((line.sku, line.quantity) for line in body.lines),
        reason=body.reason,
    )
    return _answer(container.returns.open(new, actor=actor(key), idempotency_key=idempotency_key))


@router.post(
    "/returns/{return_id}/inspections",
    status_code=201,
    response_model=ReturnPublic,
    tags=["returns"],
    responses={200: {"model": ReturnPublic, "description": "The same inspection, replayed"}},
)
def inspect_return(
    return_id: ReturnId,
    body: InspectionCreate,
    key: Operator,
    container: ContainerDep,
    idempotency_key: IdempotencyKey = None,
) -> Response:
    """Inspect units of a return: restock (to available, filling backorders first), damaged,
    dispose or return_to_vendor (out of stock). Never more than still await inspection."""
    inspection = Inspection(body.sku, body.quantity, Disposition(body.disposition), body.reference)
    return _answer(
        container.returns.inspect(
            return_id, inspection, actor=actor(key), idempotency_key=idempotency_key
        )
    )


@router.get("/returns/{return_id}", response_model=ReturnPublic, tags=["returns"])
def get_return(return_id: ReturnId, key: Viewer, container: ContainerDep) -> ReturnPublic:
    """A return with its lines, what awaits inspection, and every inspection."""
    return return_public(container.returns.get(return_id))


@router.get("/returns", response_model=ReturnPage, tags=["returns"])
def list_returns(
    key: Viewer,
    container: ContainerDep,
    status: ReturnStatus | None = None,
    limit: Limit = 100,
    cursor: Cursor = None,
) -> ReturnPage:
    """Returns oldest first; status=awaiting_inspection is the QC queue, each with its age and
    overdue flag (STOCKPOOL_RETURNS_OVERDUE_HOURS)."""
    found = container.returns.listed(status, after=id_cursor(cursor), limit=limit)
    next_cursor = str(found[-1].found.id) if len(found) == limit else None
    return ReturnPage(items=[return_public(v) for v in found], next_cursor=next_cursor)
