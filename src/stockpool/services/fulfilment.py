"""Fulfilling orders: units shipped, cancelled, or found missing at picking.

Each locks the order's balances first, then the order row - the order every stock writer locks
in - and decides against the order as it is then."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from stockpool.domain.accepted_orders import Order, fulfilling
from stockpool.domain.balance import Balance, BalanceKey
from stockpool.domain.bundles import expand
from stockpool.domain.catalog import Component
from stockpool.domain.conflicts import Take
from stockpool.domain.errors import Conflict, IdempotencyKeyReused
from stockpool.domain.fulfilment import LinePlan, plan_cancel, plan_ship
from stockpool.domain.movements import Movement, Reason
from stockpool.domain.orders import OrderLine, OrderStatus, order_reference
from stockpool.domain.quantities import positive
from stockpool.domain.reservations import ReservationStatus
from stockpool.domain.states import State
from stockpool.services.backorders import fill_freed
from stockpool.services.holds import end_hold, lock_balances
from stockpool.services.lookups import order_of
from stockpool.services.missing_stock import lose_committed
from stockpool.services.platform_cancellations import queue_cancellation
from stockpool.services.ports import Clock, UnitOfWork, UnitOfWorkFactory
from stockpool.services.shortfalls import ConflictPolicy
from stockpool.services.stock import check_idempotency_key

Outcome = Literal["cancelled", "shipped"]


@dataclass(frozen=True, slots=True)
class Fulfilled:
    """An order after a shipment or cancellation; replayed: the same request (by its
    Idempotency-Key) was applied before, and nothing moved this time."""

    order: Order
    replayed: bool


class Fulfilment:
    def __init__(self, uow: UnitOfWorkFactory, clock: Clock, conflict_policy: ConflictPolicy):
        self._uow = uow
        self._clock = clock
        self._policy = conflict_policy

    def cancel(
        self,
        order_id: int,
        wanted: Mapping[str, int] | None,
        *,
        actor: str,
        idempotency_key: str | None = None,
        by_platform: bool = False,
    ) -> Fulfilled:
        """Cancel units of an order (per SKU, or all that is open): committed units go back to
        available at their locations; short units simply stop being owed. Units of a platform's
        order are queued for the platform to cancel too, unless by_platform: the platform
        cancelled them itself."""
        return self._fulfil(order_id, wanted, "cancelled", actor, idempotency_key, by_platform)

    def ship(
        self,
        order_id: int,
        wanted: Mapping[str, int] | None,
        *,
        actor: str,
        idempotency_key: str | None = None,
    ) -> Fulfilled:
        """Ship committed units of an order (per SKU, or all): they leave on hand."""
        return self._fulfil(order_id, wanted, "shipped", actor, idempotency_key, False)

    def _fulfil(
        self,
        order_id: int,
        wanted: Mapping[str, int] | None,
        outcome: Outcome,
        actor: str,
        idempotency_key: str | None,
        by_platform: bool,
    ) -> Fulfilled:
        key = check_idempotency_key(idempotency_key)
        with self._uow() as uow:
            at = self._clock()
            if key is not None:
                fingerprint = _fingerprint(order_id, wanted)
                earlier = uow.idempotency.claim(key, f"order_{outcome}", fingerprint, at)
                if earlier is not None:
                    if earlier.request_hash != fingerprint:
                        raise IdempotencyKeyReused(key)
                    return Fulfilled(order_of(uow, order_id), replayed=True)
            order, current = self._lock(uow, order_id, at, actor)
            freed: set[BalanceKey] = set()
            if order.status == OrderStatus.PENDING:
                freed |= _end_pending(uow, order, wanted, outcome, current, at, actor)
                order = order_of(uow, order_id)
            if wanted is not None:
                wanted = _by_component(wanted, uow.catalog.components(wanted))
            plan = plan_cancel if outcome == "cancelled" else plan_ship
            plans = plan(order.lines, order.allocations, wanted)
            movements = _releasing(order, plans, outcome)
            uow.stock.apply(movements, at=at, actor=actor)
            uow.changes.moved(movements)
            uow.orders.change(fulfilling(order_id, plans, outcome))
            if key is not None:
                uow.idempotency.save_response(key, {"order_id": order_id})
            if outcome == "cancelled" and not by_platform:
                queue_cancellation(uow, order_id, f"cancelled in stockpool by {actor}", at)
            done = order_of(uow, order_id)
            uow.follow_changes()
            uow.commit()
        freed |= {(m.sku, m.location) for m in movements if m.to_state == State.AVAILABLE}
        fill_freed(self._uow, freed, self._clock, actor)
        return Fulfilled(done, replayed=False)

    @staticmethod
    def _lock(
        uow: UnitOfWork, order_id: int, at: datetime, actor: str
    ) -> tuple[Order, dict[BalanceKey, Balance]]:
        """Lock the order's balances everywhere, then its row; the order as it is now that
        nobody else can change it, and the locked balances."""
        order = order_of(uow, order_id)
        current = lock_balances(
            uow,
            {line.sku for line in order.lines},
            [loc.code for loc in uow.catalog.list_locations()],
            at,
            actor,
        )
        uow.orders.lock(order_id)
        return order_of(uow, order_id), current

    def short_pick(
        self, order_id: int, sku: str, location: str, missing: int, *, actor: str
    ) -> Order:
        """The picker found fewer units than were committed here: the missing ones leave on hand
        (reason short_pick), and the line takes them from another location if one has them,
        else the shortfall is settled as any conflict is."""
        positive(missing, "missing")
        with self._uow() as uow:
            at = self._clock()
            order, _ = self._lock(uow, order_id, at, actor)
            held = [a for a in order.allocations if a.sku == sku and a.location == location]
            if sum(a.units for a in held) < missing:
                raise Conflict(
                    f"Order {order_id}: {sum(a.units for a in held)} of {sku} committed at "
                    f"{location}, {missing} reported missing."
                )
            reference = order_reference(order.channel, order.external_id)
            gone = Movement(
                sku, location, missing, State.COMMITTED, None, Reason.SHORT_PICK, reference
            )
            uow.stock.apply([gone], at=at, actor=actor)
            uow.changes.moved([gone])
            left, takes = missing, []
            for allocation in held:
                units = min(left, allocation.units)
                if units:
                    line = uow.conflicts.line(order_id, allocation.line)[0]
                    takes.append(Take(line, location, units))
                    left -= units
            lose_committed(uow, takes, at, actor, self._policy)
            done = order_of(uow, order_id)
            uow.follow_changes()
            uow.commit()
        return done


def _end_pending(
    uow: UnitOfWork,
    order: Order,
    wanted: Mapping[str, int] | None,
    outcome: Outcome,
    current: dict[BalanceKey, Balance],
    at: datetime,
    actor: str,
) -> set[BalanceKey]:
    """Before a pending order is cancelled: give back what it holds (its units become short,
    and the cancellation then cancels them); the balances given back to. A pending order is
    neither shipped nor cut."""
    if outcome != "cancelled":
        raise Conflict(
            f"Order {order.id} is pending: confirm it before shipping "
            f"(POST /v1/orders/{order.id}/confirm)."
        )
    if wanted is not None:
        raise Conflict(
            f"Order {order.id} is pending: cancel it whole (send no lines), or confirm it "
            "first to cancel some of its units."
        )
    reservation = uow.reservations.of_order(order.id)
    if reservation is None:
        return set()
    held = end_hold(uow, reservation.id, ReservationStatus.RELEASED, current, at, actor)
    return {(h.sku, h.location) for h in held or ()}


def _releasing(order: Order, plans: Sequence[LinePlan], outcome: Outcome) -> list[Movement]:
    """The movements of committed units leaving the order: back to available, or shipped."""
    reason = Reason.ORDER_CANCELLED if outcome == "cancelled" else Reason.SHIPPED
    target = State.AVAILABLE if outcome == "cancelled" else None
    reference = order_reference(order.channel, order.external_id)
    return [
        Movement(p.sku, r.location, r.units, State.COMMITTED, target, reason, reference)
        for p in plans
        for r in p.releases
    ]


def _fingerprint(order_id: int, wanted: Mapping[str, int] | None) -> str:
    body = json.dumps([order_id, sorted((wanted or {}).items())])
    return hashlib.sha256(body.encode()).hexdigest()


def _by_component(
    wanted: Mapping[str, int], bundles: Mapping[str, Sequence[Component]]
) -> dict[str, int]:
    """Units asked for per SKU, with bundles counted as their components."""
    lines, _ = expand([OrderLine(sku, units) for sku, units in wanted.items()], bundles)
    by_sku: dict[str, int] = {}
    for line in lines:
        by_sku[line.sku] = by_sku.get(line.sku, 0) + line.quantity
    return by_sku
