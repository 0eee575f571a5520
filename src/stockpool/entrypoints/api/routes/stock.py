"""Stock movements: receipts, adjustments, moves, transfers, counts, safety stock."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import Response

from stockpool.domain.access import ApiKey
from stockpool.domain.errors import InvalidRequest
from stockpool.domain.movements import Reason
from stockpool.domain.operations import (
    Adjust,
    Command,
    Count,
    CountLine,
    Move,
    Receive,
    SetSafetyStock,
    Transfer,
)
from stockpool.domain.states import State
from stockpool.entrypoints.api.deps import (
    ContainerDep,
    IdempotencyKey,
    Operator,
    actor,
    replayable,
)
from stockpool.entrypoints.api.schemas import (
    AdjustmentCreate,
    CountCreate,
    MoveCreate,
    ReceiptCreate,
    SafetyStockPut,
    StockChangePublic,
    TransferCreate,
)

router = APIRouter(prefix="/stock", tags=["stock"])


def _run(
    container: ContainerDep, command: Command, key: ApiKey, idempotency_key: str | None
) -> Response:
    change = container.stock.execute(command, actor=actor(key), idempotency_key=idempotency_key)
    return replayable(change.to_dict(), replayed=change.replayed, status_code=201)


@router.post("/receipts", status_code=201, response_model=StockChangePublic)
def receive(
    body: ReceiptCreate,
    key: Operator,
    container: ContainerDep,
    idempotency_key: IdempotencyKey = None,
) -> Response:
    """Goods arrive, into available or quality_control (from_incoming: out of incoming)."""
    command = Receive(
        body.sku,
        body.location,
        body.quantity,
        State(body.state),
        body.from_incoming,
        body.reference,
    )
    return _run(container, command, key, idempotency_key)


@router.post("/adjustments", status_code=201, response_model=StockChangePublic)
def adjust(
    body: AdjustmentCreate,
    key: Operator,
    container: ContainerDep,
    idempotency_key: IdempotencyKey = None,
) -> Response:
    """A signed correction with a reason: found (+), shrinkage/damage/write_off (-), correction (±)."""
    command = Adjust(
        body.sku,
        body.location,
        body.quantity,
        Reason(body.reason),
        State(body.state),
        body.reference,
        body.eta,
    )
    return _run(container, command, key, idempotency_key)


@router.post("/moves", status_code=201, response_model=StockChangePublic)
def move(
    body: MoveCreate, key: Operator, container: ContainerDep, idempotency_key: IdempotencyKey = None
) -> Response:
    """Units change state at one location (available -> damaged, quality_control -> available...)."""
    command = Move(
        body.sku,
        body.location,
        body.quantity,
        State(body.from_state),
        State(body.to_state),
        body.reason,
        body.reference,
    )
    return _run(container, command, key, idempotency_key)


@router.post("/transfers", status_code=201, response_model=StockChangePublic)
def transfer(
    body: TransferCreate,
    key: Operator,
    container: ContainerDep,
    idempotency_key: IdempotencyKey = None,
) -> Response:
    """Units leave the source now and are incoming at the destination until received there
    (with eta, the date they should land: short orders may wait for them)."""
    command = Transfer(
        body.sku,
        body.from_location,
        body.to_location,
        body.quantity,
        State(body.state),
        body.reference,
        body.eta,
    )
    return _run(container, command, key, idempotency_key)


@router.post("/counts", status_code=201, response_model=StockChangePublic)
def count(
    body: CountCreate,
    key: Operator,
    container: ContainerDep,
    idempotency_key: IdempotencyKey = None,
) -> Response:
    """A cycle count: counted on hand per SKU; the variance is posted with reason cycle_count."""
    single = body.sku is not None or body.counted is not None
    if single == (body.lines is not None):
        raise InvalidRequest("Send either sku and counted (one SKU) or lines (several), not both.")
    if single:
        if body.sku is None or body.counted is None:
            raise InvalidRequest("A single-SKU count needs both sku and counted.")
        lines: tuple[CountLine, ...] = (CountLine(body.sku, body.counted),)
    else:
        lines = tuple(CountLine(line.sku, line.counted) for line in body.lines or ())
    return _run(container, Count(body.location, lines, body.reference), key, idempotency_key)


@router.post("/safety-stock", status_code=201, response_model=StockChangePublic)
def set_safety_stock(
    body: SafetyStockPut,
    key: Operator,
    container: ContainerDep,
    idempotency_key: IdempotencyKey = None,
) -> Response:
    """Hold exactly quantity units back at a location, moving the difference from/to available."""
    command = SetSafetyStock(body.sku, body.location, body.quantity, body.reference)
    return _run(container, command, key, idempotency_key)
