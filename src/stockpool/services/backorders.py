"""Backorders fill themselves: stock arriving in available goes first to lines that are short of
it - the costliest to cancel first, then the oldest - wherever the location serves the order's
channel. Lines whose conflict was settled as "cancel" are left to be cancelled.

Runs in the transaction that brought the stock (a receipt, a restock, units found), which holds
the arriving balance's lock; the waiting orders' rows are locked, in id order, before their
shortfall is read again and filled. Stock given back by a cancellation or a released hold fills
them too, in a transaction of its own right after (fill_freed).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from stockpool.domain.accepted_orders import committing
from stockpool.domain.balance import Balance, BalanceKey
from stockpool.domain.conflicts import LineRef, fill_order
from stockpool.domain.movements import LedgerEntry, Movement, Reason
from stockpool.domain.orders import order_reference
from stockpool.domain.states import State
from stockpool.services.ports import Clock, UnitOfWork, UnitOfWorkFactory


def fill_backorders(
    uow: UnitOfWork, arrived: Iterable[BalanceKey], at: datetime, actor: str
) -> tuple[list[LedgerEntry], dict[BalanceKey, Balance]]:
    """Commit available units at the arrived balances to the lines waiting for them."""
    entries: list[LedgerEntry] = []
    after: dict[BalanceKey, Balance] = {}
    for sku, location_code in sorted(set(arrived)):
        waiting = uow.conflicts.backorders(sku)
        if not waiting:
            continue
        location = uow.catalog.get_location(location_code)
        if location is None:
            continue
        uow.orders.lock_all(line.order_id for line, _ in waiting)
        # Read again now that nobody else can change these orders.
        short = {
            (line.order_id, line.line_no): units for line, units in uow.conflicts.backorders(sku)
        }
        balance = uow.stock.balance(sku, location_code)
        left = balance.available if balance else 0
        for line in fill_order([line for line, _ in waiting]):
            if left == 0:
                break
            units = min(left, short.get((line.order_id, line.line_no), 0))
            if units == 0 or not location.serves(line.channel):
                continue
            written, balances = commit_arrived(uow, line, sku, location_code, units, at, actor)
            entries += written
            after.update(balances)
            left -= units
    return entries, after


def commit_arrived(
    uow: UnitOfWork,
    line: LineRef,
    sku: str,
    location: str,
    units: int,
    at: datetime,
    actor: str,
) -> tuple[list[LedgerEntry], dict[BalanceKey, Balance]]:
    """Units available at location become the short line's, committed there."""
    commit = Movement(
        sku,
        location,
        units,
        State.AVAILABLE,
        State.COMMITTED,
        Reason.ORDER_COMMITTED,
        order_reference(line.channel, line.external_id),
    )
    written, balances = uow.stock.apply([commit], at=at, actor=actor)
    uow.changes.moved([commit])
    uow.orders.change(committing(line.order_id, line.line_no, location, units))
    return written, balances


def fill_freed(
    uow_factory: UnitOfWorkFactory, freed: Iterable[BalanceKey], clock: Clock, actor: str
) -> None:
    """Fill backorders from stock a cancellation or a released hold gave back, in a transaction
    of its own after that one committed: filling inside it would lock a second order's row
    while holding the first's, which two cancellations could do in opposite orders. Stock an
    order takes in between simply is not there to fill with."""
    keys = sorted(set(freed))
    if not keys:
        return
    with uow_factory() as uow:
        uow.stock.lock_existing({sku for sku, _ in keys}, {location for _, location in keys})
        fill_backorders(uow, keys, clock(), actor)
        uow.follow_changes()
        uow.commit()
