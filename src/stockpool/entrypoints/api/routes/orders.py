"""Orders: one or a batch, confirmed, cancelled, shipped, short-picked, read."""

from __future__ import annotations

import dataclasses

from fastapi import APIRouter, status
from fastapi.responses import Response
from pydantic import ValidationError

from stockpool.domain.accepted_orders import Order
from stockpool.domain.errors import InvalidRequest, StockpoolError
from stockpool.domain.orders import NewOrder, OrderLine, OrderStatus
from stockpool.entrypoints.api.deps import (
    ContainerDep,
    Cursor,
    GroupedOrders,
    IdempotencyKey,
    Limit,
    Operator,
    RowId,
    Viewer,
    actor,
    id_cursor,
    json_response,
    replayable,
)
from stockpool.entrypoints.api.errors import describe_validation, status_for
from stockpool.entrypoints.api.schemas import (
    BatchResult,
    BatchResults,
    Fulfilment,
    OrderBatch,
    OrderCreate,
    OrderLineIn,
    OrderPage,
    OrderPublic,
    ShortPick,
)
from stockpool.services.fulfilment import Fulfilled
from stockpool.services.intake import Ingested

router = APIRouter()

OrderId = RowId


def order_public(order: Order) -> OrderPublic:
    return OrderPublic.model_validate(
        {
            "id": order.id,
            "channel": order.channel,
            "external_id": order.external_id,
            "status": order.status,
            "placed_at": order.placed_at,
            "ship_by": order.ship_by,
            "region": order.region,
            "lines": [dataclasses.asdict(line) for line in order.lines],
            "allocations": [
                {"sku": a.sku, "location": a.location, "units": a.units} for a in order.allocations
            ],
            "routing": order.routing,
        }
    )


def _new_order(body: OrderCreate) -> NewOrder:
    return NewOrder(
        channel=body.channel,
        external_id=body.external_id,
        lines=tuple(_line(line) for line in body.lines),
        placed_at=body.placed_at,
        ship_by=body.ship_by,
        region=body.region,
        confirmed=body.confirmed,
    )


def _line(line: OrderLineIn) -> OrderLine:
    if line.sku is not None and line.channel_sku is None:
        return OrderLine(line.sku, line.quantity)
    if line.channel_sku is not None and line.sku is None:
        return OrderLine(line.channel_sku, line.quantity, listed=True)
    raise InvalidRequest(
        "Each line names sku (ours) or channel_sku (the channel's, mapped by its listing), "
        "not both and not neither."
    )


def _answer(ingested: Ingested) -> tuple[int, OrderPublic]:
    code = status.HTTP_200_OK if ingested.replayed else status.HTTP_201_CREATED
    return code, order_public(ingested.order)


@router.post(
    "/orders",
    status_code=201,
    response_model=OrderPublic,
    tags=["orders"],
    responses={200: {"model": OrderPublic, "description": "The same order, received before"}},
)
async def create_order(body: OrderCreate, key: Operator, grouped: GroupedOrders) -> Response:
    """Take stock for an order, atomically: what the pool holds is committed, the rest is short
    and recorded as a conflict. Sending the same order again returns it (200) and moves nothing.

    A pending order (confirmed false) reserves instead; sending it again as confirmed, or
    POST /v1/orders/{id}/confirm, commits it. Orders arriving together share one transaction
    (group commit); each is answered once it is committed."""
    # async: the request waits for its batch on the event loop, holding no thread.
    ingested = await grouped.submit(_new_order(body), actor(key))
    return replayable(order_public(ingested.order), replayed=ingested.replayed)


@router.post("/orders:batch", response_model=BatchResults, tags=["orders"])
def create_orders(body: OrderBatch, key: Operator, container: ContainerDep) -> Response:
    """Up to 500 orders, as marketplaces hand them over in pages. Each is taken on its own and
    answered in results with the status POST /v1/orders would give it."""
    results: list[BatchResult | None] = [None] * len(body.orders)
    valid: list[tuple[int, NewOrder]] = []
    for index, item in enumerate(body.orders):
        try:
            valid.append((index, _new_order(OrderCreate.model_validate(item))))
        except ValidationError as error:
            detail = describe_validation([dict(e) for e in error.errors()])
            results[index] = BatchResult(
                index=index, status=status.HTTP_422_UNPROCESSABLE_CONTENT, detail=detail
            )
        except StockpoolError as error:
            results[index] = _refused(index, error)
    # The valid ones in one transaction; each still accepted or refused on its own.
    ingested = container.intake.ingest_many([order for _, order in valid], actor=actor(key))
    for (index, _), result in zip(valid, ingested, strict=True):
        if isinstance(result, StockpoolError):
            results[index] = _refused(index, result)
        else:
            code, order = _answer(result)
            results[index] = BatchResult(index=index, status=code, order=order)
    return json_response(BatchResults(results=[r for r in results if r is not None]))


def _refused(index: int, error: StockpoolError) -> BatchResult:
    return BatchResult(index=index, status=status_for(error), detail=error.message)


@router.post("/orders/{order_id}/confirm", response_model=OrderPublic, tags=["orders"])
def confirm_order(order_id: OrderId, key: Operator, container: ContainerDep) -> OrderPublic:
    """The channel confirmed a pending order: its reserved units become committed; units it no
    longer holds (its hold expired) are taken again like a new order's. A confirmed order is
    returned as it is."""
    return order_public(container.confirmation.confirm(order_id, actor=actor(key)))


@router.get("/orders/{order_id}", response_model=OrderPublic, tags=["orders"])
def get_order(order_id: OrderId, key: Viewer, container: ContainerDep) -> OrderPublic:
    """An order with its lines, where each line's units are committed, and the routing decision."""
    return order_public(container.orders.get(order_id))


def _wanted(body: Fulfilment | None) -> dict[str, int] | None:
    if body is None or body.lines is None:
        return None
    wanted: dict[str, int] = {}
    for line in body.lines:
        wanted[line.sku] = wanted.get(line.sku, 0) + line.quantity
    return wanted


def _fulfilled(fulfilled: Fulfilled) -> Response:
    body = order_public(fulfilled.order).model_dump(mode="json")
    return replayable(body, replayed=fulfilled.replayed, status_code=200)


@router.post("/orders/{order_id}/cancel", response_model=OrderPublic, tags=["orders"])
def cancel_order(
    order_id: OrderId,
    key: Operator,
    container: ContainerDep,
    body: Fulfilment | None = None,
    idempotency_key: IdempotencyKey = None,
) -> Response:
    """Cancel the whole order, or the given units: committed units go back to available."""
    return _fulfilled(
        container.fulfilment.cancel(
            order_id, _wanted(body), actor=actor(key), idempotency_key=idempotency_key
        )
    )


@router.post("/orders/{order_id}/shipments", response_model=OrderPublic, tags=["orders"])
def ship_order(
    order_id: OrderId,
    key: Operator,
    container: ContainerDep,
    body: Fulfilment | None = None,
    idempotency_key: IdempotencyKey = None,
) -> Response:
    """Ship every committed unit, or the given ones: they leave on hand."""
    return _fulfilled(
        container.fulfilment.ship(
            order_id, _wanted(body), actor=actor(key), idempotency_key=idempotency_key
        )
    )


@router.post("/orders/{order_id}/short-picks", response_model=OrderPublic, tags=["orders"])
def short_pick(
    order_id: OrderId, body: ShortPick, key: Operator, container: ContainerDep
) -> OrderPublic:
    """Units missing at picking leave on hand (reason short_pick); the order takes them from
    another location if one has them, else the shortfall is settled as a conflict."""
    order = container.fulfilment.short_pick(
        order_id, body.sku, body.location, body.missing, actor=actor(key)
    )
    return order_public(order)


@router.get("/orders", response_model=OrderPage, tags=["orders"])
def list_orders(
    key: Viewer,
    container: ContainerDep,
    channel: str | None = None,
    status: OrderStatus | None = None,
    limit: Limit = 100,
    cursor: Cursor = None,
) -> OrderPage:
    found = container.orders.list(
        channel=channel or None,
        status=status,
        after=id_cursor(cursor),
        limit=limit,
    )
    next_cursor = str(found[-1].id) if len(found) == limit else None
    return OrderPage(items=[order_public(o) for o in found], next_cursor=next_cursor)
