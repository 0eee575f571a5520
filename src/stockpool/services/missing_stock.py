"""Units found missing that orders or holds own are taken from those orders and holds, in the
transaction that found them missing, so that committed always equals what orders' allocations
hold and reserved what active reservations hold.

A short pick names its order; a count does not, so the domain chooses who loses the units
(``losers``, ``holds_losing``): checkouts' holds first, then pending orders', then committed
lines, each cheapest to cancel first. Committed lines that lose units are committed again at
another location that has them, or settled as conflicts by cancellation cost; a pending order's
line is simply short (it raises no conflict until it is confirmed).

The caller holds the balances of the SKU at every location a line could be routed to.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from stockpool.domain.accepted_orders import uncommitting, unreserving
from stockpool.domain.conflicts import Take, losers
from stockpool.domain.movements import Movement
from stockpool.domain.reservations import Hold, HoldClaim, holds_losing
from stockpool.domain.states import State
from stockpool.services.ports import UnitOfWork
from stockpool.services.shortfalls import ConflictPolicy, reroute


@dataclass(frozen=True, slots=True)
class Taken:
    """Units found missing that were taken from an order's line or a reservation's hold."""

    sku: str
    location: str
    units: int
    order_id: int | None = None  # the order whose line lost them (a pending one: its hold)
    line_no: int | None = None
    reservation_id: int | None = None  # the hold that lost them


def take_missing(
    uow: UnitOfWork,
    lost: Sequence[Movement],
    at: datetime,
    actor: str,
    policy: ConflictPolicy,
) -> tuple[Taken, ...]:
    """Movements that took units out of reserved or committed (a count's shortfall): take them
    from the holds and lines that owned them; what was taken from whom."""
    taken: list[Taken] = []
    takes: list[Take] = []
    for movement in lost:
        sku, location = movement.sku, movement.location
        if movement.from_state is State.RESERVED:
            taken += _shrink_holds(uow, sku, location, movement.quantity)
        elif movement.from_state is State.COMMITTED:
            holdings = uow.conflicts.holdings(sku, [location], cheapest=movement.quantity)
            found = losers(holdings, movement.quantity)
            takes += found
            taken += [
                Taken(sku, location, t.units, order_id=t.line.order_id, line_no=t.line.line_no)
                for t in found
            ]
    lose_committed(uow, takes, at, actor, policy)
    return tuple(taken)


def lose_committed(
    uow: UnitOfWork, takes: Sequence[Take], at: datetime, actor: str, policy: ConflictPolicy
) -> set[int]:
    """Lines lose units committed where they are no longer found: those units become short, and
    each line is committed again elsewhere or settled. The orders whose lines changed."""
    if not takes:
        return set()
    uow.orders.lock_all(t.line.order_id for t in takes)
    for take in takes:
        line = take.line
        uow.orders.change(uncommitting(line.order_id, line.line_no, take.location, take.units))
    channels = {channel.code: channel for channel in uow.channels.list()}
    locations = uow.catalog.list_locations()
    changed: set[int] = set()
    for order_id, line_no, code in sorted(
        {(t.line.order_id, t.line.line_no, t.line.channel) for t in takes}
    ):
        channel = channels[code]
        eligible = [loc for loc in locations if loc.serves(code)]
        changed |= reroute(uow, order_id, line_no, channel, eligible, at, actor, policy)
    return changed


def _shrink_holds(uow: UnitOfWork, sku: str, location: str, missing: int) -> list[Taken]:
    claims = [
        HoldClaim(
            held.reservation_id,
            held.line_no,
            held.units,
            held.created_at,
            None if held.order_id is None else uow.conflicts.line(held.order_id, held.line_no)[0],
        )
        for held in uow.reservations.holding(sku, location)
    ]
    taken = []
    for claim, units in holds_losing(claims, missing):
        uow.reservations.shrink(claim.reservation_id, claim.line_no, location, units)
        order_id = line_no = None
        if claim.line is not None:  # a pending order's line: short of them now
            order_id, line_no = claim.line.order_id, claim.line_no
            uow.orders.change(unreserving(order_id, [Hold(line_no, sku, location, units)]))
        taken.append(Taken(sku, location, units, order_id, line_no, claim.reservation_id))
    return taken
