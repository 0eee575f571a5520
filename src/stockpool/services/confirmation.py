"""Confirming held stock: a channel confirms a pending order, or a checkout's reservation
becomes an order. Held units become committed where they are held; units no longer held (a hold
that expired, or that a count found missing) are routed again, as for a new order."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from stockpool.domain.accepted_orders import Order, confirming_held
from stockpool.domain.bundles import Origin
from stockpool.domain.catalog import Location
from stockpool.domain.channels import Channel
from stockpool.domain.errors import Conflict, NotFound, OrderIdReused
from stockpool.domain.orders import NewOrder, OrderLine, OrderStatus, order_reference
from stockpool.domain.reservations import (
    Hold,
    Reservation,
    ReservationStatus,
    confirming,
    effective_status,
)
from stockpool.domain.routing import Allocation, RoutingDecision
from stockpool.domain.times import happened
from stockpool.services.holds import end_hold, lock_balances, record_decided
from stockpool.services.intake import Ingested
from stockpool.services.lookups import channel_of, order_of
from stockpool.services.ports import Clock, UnitOfWork, UnitOfWorkFactory
from stockpool.services.reservations import parse_lines
from stockpool.services.shortfalls import ConflictPolicy, reroute


class OrderConfirmation:
    def __init__(self, uow: UnitOfWorkFactory, clock: Clock, conflict_policy: ConflictPolicy):
        self._uow = uow
        self._clock = clock
        self._policy = conflict_policy

    def confirm(self, order_id: int, *, actor: str) -> Order:
        """The channel confirmed a pending order. Confirming a confirmed order changes nothing."""
        with self._uow() as uow:
            done = self._confirm(uow, order_id, actor)
            uow.follow_changes()
            uow.commit()
        return done

    def confirm_named(self, channel: str, external_id: str, actor: str) -> Ingested:
        """confirm, for the order stored under (channel, external_id): a pending order sent
        again as confirmed."""
        with self._uow() as uow:
            order_id = uow.orders.id_of(channel, external_id)
            if order_id is None:
                raise NotFound(f"No order {external_id} on channel {channel}.")
            done = self._confirm(uow, order_id, actor)
            uow.follow_changes()
            uow.commit()
        return Ingested(done, replayed=False)

    def _confirm(self, uow: UnitOfWork, order_id: int, actor: str) -> Order:
        order = order_of(uow, order_id)
        channel = channel_of(uow, order.channel)
        eligible = _serving(uow, channel)
        at = self._clock()
        # Balances first (this may expire the order's own hold), then the order row.
        current = lock_balances(
            uow, {line.sku for line in order.lines}, (loc.code for loc in eligible), at, actor
        )
        uow.orders.lock(order_id)
        order = order_of(uow, order_id)
        if order.status != OrderStatus.PENDING:
            return order
        reservation = uow.reservations.of_order(order_id)
        held = None
        if reservation is not None:
            held = end_hold(uow, reservation.id, ReservationStatus.CONFIRMED, current, at, actor)
        holds = held or []
        reference = order_reference(order.channel, order.external_id)
        record_decided(uow, current, confirming(holds, reference), at, actor)
        uow.orders.change(confirming_held(order_id, holds))
        self._reroute_short(uow, order_of(uow, order_id), channel, eligible, at, actor)
        return order_of(uow, order_id)

    def confirm_reservation(
        self,
        reservation_id: int,
        *,
        external_id: str | None,
        placed_at: datetime | None,
        ship_by: datetime | None,
        region: str | None,
        actor: str,
    ) -> Ingested:
        """A checkout's reservation became an order: its held units become the order's committed
        units, where they are held. The order is named (channel, external_id) like any other, by
        default the reservation's reference, so the same order arriving from the channel later
        is a replay. Confirming again with the same external id returns the order."""
        with self._uow() as uow:
            reservation = _checkout(uow, reservation_id)
            at = self._clock()
            name = external_id if external_id is not None else reservation.reference or ""
            requested, lines, origin = parse_lines(reservation.lines)
            placed = happened(placed_at, "placed_at", at) if placed_at else at
            order = NewOrder(reservation.channel, name, tuple(requested), placed, ship_by, region)
            earlier = uow.orders.id_of(order.channel, order.external_id)
            if earlier is not None and earlier == reservation.order_id:
                return Ingested(order_of(uow, earlier), replayed=True)
            if earlier is not None:
                raise OrderIdReused(order.channel, order.external_id)
            status = effective_status(reservation.status, reservation.expires_at, at)
            if status != ReservationStatus.ACTIVE:
                raise Conflict(
                    f"Reservation {reservation_id} is {status.value}: its stock is no longer "
                    "held. Send the order itself (POST /v1/orders) to take stock again."
                )
            done = self._place_held(uow, reservation, order, lines, origin, at, actor)
            uow.follow_changes()
            uow.commit()
        return Ingested(done, replayed=False)

    def _place_held(
        self,
        uow: UnitOfWork,
        reservation: Reservation,
        order: NewOrder,
        lines: list[OrderLine],
        origin: list[Origin],
        at: datetime,
        actor: str,
    ) -> Order:
        """Store the order a reservation became, its held units committed where they are."""
        channel = channel_of(uow, reservation.channel)
        eligible = _serving(uow, channel)
        # Every balance a short line could be routed to, locked up front with the held ones.
        current = lock_balances(
            uow,
            {line.sku for line in lines},
            {h.location for h in reservation.holds} | {loc.code for loc in eligible},
            at,
            actor,
        )
        holds = end_hold(uow, reservation.id, ReservationStatus.CONFIRMED, current, at, actor)
        if holds is None:
            raise Conflict(f"Reservation {reservation.id} changed meanwhile; read it again.")
        reason = f"held by reservation {reservation.id} ({reservation.reference})"
        order_id = uow.orders.add(order, lines, held_decision(holds, lines, reason), at, origin)
        for line in lines:  # demand, as ordered (bundles as their components)
            uow.changes.sold(line.sku, order.channel, line.quantity, order.placed_at)
        for line in order.lines:  # the order placed on the platform, which lowered its number
            uow.changes.sold_listed(order.channel, line.sku, None, line.quantity, order.placed_at)
        reference = order_reference(order.channel, order.external_id)
        record_decided(uow, current, confirming(holds, reference), at, actor)
        uow.reservations.attach(reservation.id, order_id)
        self._reroute_short(uow, order_of(uow, order_id), channel, eligible, at, actor)
        return order_of(uow, order_id)

    def _reroute_short(
        self,
        uow: UnitOfWork,
        order: Order,
        channel: Channel,
        eligible: Sequence[Location],
        at: datetime,
        actor: str,
    ) -> None:
        """Lines holding fewer units than they ask for are routed again, as for a new order."""
        for line_no, line in enumerate(order.lines):
            if line.short:
                reroute(uow, order.id, line_no, channel, eligible, at, actor, self._policy)


def held_decision(
    holds: Sequence[Hold], lines: Sequence[OrderLine], reason: str
) -> RoutingDecision:
    """Where a reservation's held units are, as the routing of the order it becomes; a line
    holding fewer units than it asks for is short by the difference."""
    held = [0] * len(lines)
    for hold in holds:
        held[hold.line_no] += hold.units
    allocations = tuple(Allocation(h.line_no, h.sku, h.location, h.units) for h in holds)
    short = tuple(line.quantity - units for line, units in zip(lines, held, strict=True))
    return RoutingDecision(allocations, short, (), reason)


def _checkout(uow: UnitOfWork, reservation_id: int) -> Reservation:
    reservation = uow.reservations.get(reservation_id)
    if reservation is None:
        raise NotFound(f"No reservation {reservation_id}.")
    if reservation.reference is None:
        raise Conflict(
            f"Reservation {reservation_id} holds pending order {reservation.order_id}; "
            f"confirm the order (POST /v1/orders/{reservation.order_id}/confirm)."
        )
    return reservation


def _serving(uow: UnitOfWork, channel: Channel) -> list[Location]:
    return [loc for loc in uow.catalog.list_locations() if loc.serves(channel.code)]
