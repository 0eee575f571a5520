"""Reservations: stock held for a checkout, confirmed into an order, released, or expired."""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated

from fastapi import APIRouter, Query
from fastapi.responses import Response

from stockpool.domain.orders import OrderLine
from stockpool.domain.reservations import NewReservation, Reservation
from stockpool.entrypoints.api.deps import (
    ContainerDep,
    GroupedReservations,
    Operator,
    RowId,
    Viewer,
    actor,
    id_cursor,
    replayable,
)
from stockpool.entrypoints.api.routes.orders import order_public
from stockpool.entrypoints.api.schemas import (
    OrderPublic,
    ReservationConfirm,
    ReservationCreate,
    ReservationPage,
    ReservationPublic,
    ReservationStatusName,
)
from stockpool.services.catalog import PAGE_MAX
from stockpool.services.reservations import parse_lines

router = APIRouter(tags=["reservations"])

ReservationId = RowId


def reservation_public(reservation: Reservation) -> ReservationPublic:
    requested = parse_lines(reservation.lines)[0] if reservation.lines else []
    return ReservationPublic.model_validate(
        {
            "id": reservation.id,
            "channel": reservation.channel,
            "reference": reservation.reference,
            "order_id": reservation.order_id,
            "status": reservation.status.value,
            "lines": [{"sku": line.sku, "quantity": line.quantity} for line in requested],
            "holds": [
                {"line_no": h.line_no, "sku": h.sku, "location": h.location, "units": h.units}
                for h in reservation.holds
            ],
            "expires_at": reservation.expires_at,
            "created_at": reservation.created_at,
            "closed_at": reservation.closed_at,
        }
    )


@router.post(
    "/reservations",
    status_code=201,
    response_model=ReservationPublic,
    responses={200: {"model": ReservationPublic, "description": "The same hold, made before"}},
)
async def create_reservation(
    body: ReservationCreate, key: Operator, container: ContainerDep, grouped: GroupedReservations
) -> Response:
    """Hold stock for a checkout: every unit, at locations serving the channel, or none (409).
    The units move from available to reserved until the reservation is confirmed, released,
    or expires (they go back to available; nothing is needed for that to happen). Checkouts
    arriving together share one transaction (group commit); each is answered once committed."""
    service = container.reservations
    ttl = timedelta(seconds=body.ttl_seconds) if body.ttl_seconds else service.default_ttl
    new = NewReservation(
        body.channel,
        body.reference,
        tuple(OrderLine(line.sku, line.quantity) for line in body.lines),
        ttl,
    )
    # async: the request waits for its batch on the event loop, holding no thread.
    reserved = await grouped.submit(new, actor(key))
    body_out = reservation_public(service.now(reserved.reservation)).model_dump(mode="json")
    return replayable(body_out, replayed=reserved.replayed)


@router.get("/reservations", response_model=ReservationPage)
def list_reservations(
    key: Viewer,
    container: ContainerDep,
    channel: str | None = None,
    status: ReservationStatusName | None = None,
    limit: Annotated[int, Query(ge=1, le=PAGE_MAX)] = 100,
    cursor: Annotated[str | None, Query(description="next_cursor of the previous page.")] = None,
) -> ReservationPage:
    """Reservations in id order, filtered by status as it is now (a reservation past its expiry
    is expired, whether or not the sweep has closed it yet)."""
    found = container.reservations.list(
        channel=channel or None,
        status=status,
        after=id_cursor(cursor),
        limit=limit,
    )
    next_cursor = str(found[-1].id) if len(found) == limit else None
    return ReservationPage(items=[reservation_public(r) for r in found], next_cursor=next_cursor)


@router.get("/reservations/{reservation_id}", response_model=ReservationPublic)
def get_reservation(
    reservation_id: ReservationId, key: Viewer, container: ContainerDep
) -> ReservationPublic:
    return reservation_public(container.reservations.get(reservation_id))


@router.post("/reservations/{reservation_id}/release", response_model=ReservationPublic)
def release_reservation(
    reservation_id: ReservationId, key: Operator, container: ContainerDep
) -> ReservationPublic:
    """Give the held units back to available (the checkout was abandoned). Releasing a
    reservation that already ended returns it as it is."""
    released = container.reservations.release(reservation_id, actor=actor(key))
    return reservation_public(container.reservations.now(released))


@router.post(
    "/reservations/{reservation_id}/confirm",
    status_code=201,
    response_model=OrderPublic,
    responses={200: {"model": OrderPublic, "description": "Confirmed before: the same order"}},
)
def confirm_reservation(
    reservation_id: ReservationId,
    key: Operator,
    container: ContainerDep,
    body: ReservationConfirm | None = None,
) -> Response:
    """The checkout became an order: the held units become its committed units, where they are
    held. The order is named by external_id (default: the reservation's reference), so the same
    order sent later to POST /v1/orders is a replay."""
    body = body or ReservationConfirm()
    ingested = container.confirmation.confirm_reservation(
        reservation_id,
        external_id=body.external_id,
        placed_at=body.placed_at,
        ship_by=body.ship_by,
        region=body.region,
        actor=actor(key),
    )
    return replayable(
        order_public(ingested.order).model_dump(mode="json"), replayed=ingested.replayed
    )
