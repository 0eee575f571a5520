"""Locking balances for a decision, and ending reservations' holds.

Expired reservations give their stock back here as well as in the sweep: whoever locks balances
first releases the expired holds on those SKUs, so an order is never refused for stock that a
checkout abandoned minutes ago, however long the sweep has not run.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime

from stockpool.domain.accepted_orders import unreserving
from stockpool.domain.balance import Balance, BalanceKey, apply_into
from stockpool.domain.movements import Movement
from stockpool.domain.orders import order_reference
from stockpool.domain.reservations import Hold, ReservationStatus, releasing
from stockpool.services.ports import UnitOfWork


def lock_balances(
    uow: UnitOfWork, skus: Iterable[str], locations: Iterable[str], at: datetime, actor: str
) -> dict[BalanceKey, Balance]:
    """Lock every existing balance of skus at locations, in key order, after giving back what
    expired reservations on those SKUs still hold.

    Only for a transaction's first lock: the expired holds may be at other balances, which are
    locked in the same sorted statement, never after others are held.
    """
    skus, locations = set(skus), set(locations)
    expired = uow.reservations.expired(at, skus=skus)
    for holds in expired.values():
        skus.update(h.sku for h in holds)
        locations.update(h.location for h in holds)
    current = uow.stock.lock_existing(skus, locations)
    if expired:
        end_holds(uow, expired, ReservationStatus.EXPIRED, current, at, actor)
    return current


def end_holds(
    uow: UnitOfWork,
    reservation_ids: Iterable[int],
    status: ReservationStatus,
    current: dict[BalanceKey, Balance],
    at: datetime,
    actor: str,
) -> dict[int, list[Hold]]:
    """Close the reservations still active (released or expired: their units go back to
    available; confirmed: the caller commits them) and return what each held when it closed.
    current holds the locked balances and is updated in place.

    The holds are read here, after the caller locked their balances: a count that finds units
    missing shrinks a hold under those locks, so what was read before them may be too much.
    """
    closed = uow.reservations.close(reservation_ids, status, at)
    holds = uow.reservations.holds(closed)
    if status == ReservationStatus.CONFIRMED:
        return holds
    # Released under the reference they were reserved under: the pending order's, or the
    # reservation's own.
    movements = [
        m
        for reservation_id, order_id in closed.items()
        for m in releasing(
            holds[reservation_id],
            order_reference(*uow.orders.name_of(order_id))
            if order_id is not None
            else f"reservation:{reservation_id}",
            expired=status == ReservationStatus.EXPIRED,
        )
    ]
    record_decided(uow, current, movements, at, actor)
    for reservation_id, order_id in closed.items():
        if order_id is not None:
            uow.orders.change(unreserving(order_id, holds[reservation_id]))
    return holds


def end_hold(
    uow: UnitOfWork,
    reservation_id: int,
    status: ReservationStatus,
    current: dict[BalanceKey, Balance],
    at: datetime,
    actor: str,
) -> list[Hold] | None:
    """end_holds for one reservation: what it held, or None when it was no longer active."""
    return end_holds(uow, [reservation_id], status, current, at, actor).get(reservation_id)


def record_decided(
    uow: UnitOfWork,
    current: dict[BalanceKey, Balance],
    movements: Sequence[Movement],
    at: datetime,
    actor: str,
) -> None:
    """Apply movements to the locked balances in current (in place) and write both."""
    apply_into(current, movements)
    after = {(m.sku, m.location): current[(m.sku, m.location)] for m in movements}
    uow.stock.record(movements, after, at=at, actor=actor, entries=False)
    uow.changes.moved(movements)
