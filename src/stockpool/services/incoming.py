"""Keeping incoming lots in step with the incoming balances, and keeping promises made on them.

Every movement into incoming adds a lot (with the plan's ETA, if any); every movement out of it
takes from the lots due first. When units arrive in available, the short lines promised that lot
get them first, in the same transaction: a line told to wait for a delivery is not beaten to it.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from stockpool.domain.balance import Balance, BalanceKey
from stockpool.domain.conflicts import AUTO, Action, fallback_action
from stockpool.domain.incoming import Promise
from stockpool.domain.movements import LedgerEntry, Movement
from stockpool.domain.states import State
from stockpool.services.backorders import commit_arrived
from stockpool.services.platform_cancellations import queue_cancellation
from stockpool.services.ports import UnitOfWork


def follow_incoming(
    uow: UnitOfWork,
    movements: Sequence[tuple[Movement, datetime | None]],
    at: datetime,
    actor: str,
) -> tuple[list[LedgerEntry], dict[BalanceKey, Balance]]:
    """Update the lots for movements (each with its plan's ETA); the ledger entries and balances
    of units committed to lines that were waiting for them."""
    entries: list[LedgerEntry] = []
    after: dict[BalanceKey, Balance] = {}
    for movement, eta in movements:
        if movement.to_state == State.INCOMING:
            uow.inbound.add(
                movement.sku, movement.location, movement.quantity, eta, movement.reference, at
            )
        if movement.from_state == State.INCOMING:
            taken = uow.inbound.consume(movement.sku, movement.location, movement.quantity)
            if movement.to_state == State.AVAILABLE:
                written, balances = _deliver(uow, movement, taken, at, actor)
                entries += written
                after.update(balances)
            else:
                _break_promises(uow, movement, taken, at)
    return entries, after


def _break_promises(
    uow: UnitOfWork,
    gone: Movement,
    taken: Sequence[tuple[int, int, int, list[Promise]]],
    at: datetime,
) -> None:
    """Incoming units left without reaching available (a purchase order cut, a receipt into
    inspection): lines promised more of a lot than it has left wait for it no longer. Each is
    backordered again (or marked to cancel if its ship-by has passed), newest order first, and
    says why; arriving stock fills it like any backorder."""
    uow.orders.lock_all(p.order_id for _, _, _, promises in taken for p in promises)
    for lot, _, left, promises in taken:
        excess = sum(p.units for p in promises) - left
        for promise in sorted(promises, key=lambda p: (p.order_id, p.line_no), reverse=True):
            if excess <= 0:
                break
            units = min(excess, promise.units)
            line, sku, short = uow.conflicts.line(promise.order_id, promise.line_no)
            uow.inbound.kept(lot, promise.order_id, promise.line_no, units)  # no longer kept
            excess -= units
            if short == 0:
                continue
            action = fallback_action(line, at)
            uow.conflicts.add(
                line,
                sku,
                min(units, short),
                status="resolved",
                decided_by=AUTO,
                at=at,
                resolution={
                    "action": action.value,
                    "reason": f"{units} incoming at {gone.location} it was waiting for left "
                    f"incoming without reaching available ({gone.reason.value}); "
                    + ("backordered" if action == Action.BACKORDER else "to cancel"),
                },
            )
            if action == Action.CANCEL:
                queue_cancellation(uow, promise.order_id, f"settled as cancel by {AUTO}", at)


def _deliver(
    uow: UnitOfWork,
    arrival: Movement,
    taken: Sequence[tuple[int, int, int, list[Promise]]],
    at: datetime,
    actor: str,
) -> tuple[list[LedgerEntry], dict[BalanceKey, Balance]]:
    """Commit arrived units to the lines promised their lot, oldest order first (their orders
    locked first, in id order, as backorders.fill_backorders does)."""
    entries: list[LedgerEntry] = []
    after: dict[BalanceKey, Balance] = {}
    uow.orders.lock_all(p.order_id for _, _, _, promises in taken for p in promises)
    for lot, units, _, promises in taken:
        left = units
        for promise in promises:
            if left == 0:
                break
            # Read again under the order's lock: the line may have been filled meanwhile.
            line, _, short = uow.conflicts.line(promise.order_id, promise.line_no)
            given = min(left, promise.units, short)
            if given == 0:
                continue
            written, balances = commit_arrived(
                uow, line, arrival.sku, arrival.location, given, at, actor
            )
            entries += written
            after.update(balances)
            uow.inbound.kept(lot, promise.order_id, promise.line_no, given)  # if the lot is left
            left -= given
    return entries, after
