"""Lines short of stock: committed again wherever the pool still has units, else settled as a
conflict by what a cancellation costs (applied now, or proposed to a person).

Ingest, confirmation, short picks and counts that find units missing all end here, inside the
transaction that made the line short, holding the balances of its SKU at the locations that
serve it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

from stockpool.domain.accepted_orders import OrderChange, committing, uncommitting
from stockpool.domain.catalog import Location
from stockpool.domain.channels import Channel
from stockpool.domain.conflicts import (
    AUTO,
    Action,
    Incoming,
    LineRef,
    NewConflict,
    Resolution,
    Take,
    fallback_action,
    resolve,
)
from stockpool.domain.holding_pool import HoldingPool
from stockpool.domain.movements import Movement, Reason
from stockpool.domain.orders import OrderLine, order_reference
from stockpool.domain.routing import Allocation, route
from stockpool.domain.states import State
from stockpool.services.platform_cancellations import queue_cancellation
from stockpool.services.ports import UnitOfWork

ConflictPolicy = Literal["auto", "propose"]


def commitments(allocations: Sequence[Allocation], reference: str) -> list[Movement]:
    """The ledger movements that commit allocated units: available to committed, in place."""
    return [
        Movement(
            a.sku,
            a.location,
            a.units,
            State.AVAILABLE,
            State.COMMITTED,
            Reason.ORDER_COMMITTED,
            reference,
        )
        for a in allocations
    ]


def reroute(
    uow: UnitOfWork,
    order_id: int,
    line_no: int,
    channel: Channel,
    eligible: Sequence[Location],
    at: datetime,
    actor: str,
    policy: ConflictPolicy,
) -> set[int]:
    """Commit a line's short units wherever the pool still has them; settle the rest. The
    orders whose lines changed."""
    line, sku, short = uow.conflicts.line(order_id, line_no)
    if not short:
        return set()
    current = uow.stock.lock_existing([sku], [loc.code for loc in eligible])
    available = {key: balance.available for key, balance in current.items()}
    decision = route([OrderLine(sku, short)], channel, eligible, available)
    reference = order_reference(line.channel, line.external_id)
    committed = commitments(decision.allocations, reference)
    uow.stock.apply(committed, at=at, actor=actor)
    uow.changes.moved(committed)
    for allocation in decision.allocations:
        uow.orders.change(committing(order_id, line_no, allocation.location, allocation.units))
    changed = {order_id}
    if decision.short[0]:
        codes = [loc.code for loc in eligible]
        changed |= settle(uow, order_id, line_no, codes, at, proposing=policy == "propose")
    return changed


@dataclass(frozen=True, slots=True)
class Shortfall:
    """A short line to settle, the locations it may draw on, and the proposed conflict on it
    being decided (None: a new conflict)."""

    order_id: int
    line_no: int
    locations: tuple[str, ...]
    conflict_id: int | None = None


def settle(
    uow: UnitOfWork,
    order_id: int,
    line_no: int,
    locations: Sequence[str],
    at: datetime,
    *,
    proposing: bool,
    decided_by: str = AUTO,
    conflict_id: int | None = None,
) -> set[int]:
    """Decide who bears a line's shortfall, and record it as a conflict: applied now, or
    (proposing) stored for a person to decide. The orders whose lines changed."""
    shortfall = Shortfall(order_id, line_no, tuple(locations), conflict_id)
    return settle_all(uow, [shortfall], at, proposing=proposing, decided_by=decided_by)


def settle_all(
    uow: UnitOfWork,
    shortfalls: Sequence[Shortfall],
    at: datetime,
    *,
    proposing: bool,
    decided_by: str = AUTO,
    batch: Mapping[int, int] | None = None,
) -> set[int]:
    """settle each line in turn, each against what the ones before it left, reading what
    lines hold of each SKU once for all of them. batch: the orders decided together, by their
    place; a line never takes from an order placed after its own. The orders whose lines
    changed."""
    if not shortfalls:
        return set()
    places = batch or {}
    lines = uow.conflicts.lines([(s.order_id, s.line_no) for s in shortfalls])
    pools = _pools(uow, shortfalls, lines, places)
    lots = _FreeLots(uow)
    settled = _Settled()
    for shortfall in shortfalls:
        line, sku, short = lines[(shortfall.order_id, shortfall.line_no)]
        holdings = pools[sku].open_to(line, shortfall.locations, short)
        if lots.may_have(sku, shortfall.locations):
            settled.write(uow)  # what is promised of a lot counts lines as short as they are
        resolution = resolve(line, short, holdings, at, lots.free(sku, shortfall.locations))
        record = resolution_record(resolution)
        if proposing:
            settled.recorded.append(NewConflict(line, sku, short, "proposed", record, None))
            continue
        _apply(uow, line, sku, resolution, at, decided_by, pools[sku], settled)
        if shortfall.conflict_id is None:
            settled.recorded.append(NewConflict(line, sku, short, "resolved", record, decided_by))
        else:
            uow.conflicts.decide(shortfall.conflict_id, record, decided_by, at)
        if resolution.action == Action.CANCEL:
            settled.cancelled.add(line.order_id)
    settled.write(uow)
    uow.conflicts.add_many(settled.recorded, at)
    for order_id in sorted(settled.cancelled):
        queue_cancellation(uow, order_id, f"settled as cancel by {decided_by}", at)
    return settled.changed


@dataclass(slots=True)
class _Settled:
    """What settling lines has done so far: conflicts to record, orders to cancel, and the
    orders whose lines changed."""

    recorded: list[NewConflict] = field(default_factory=list)
    cancelled: set[int] = field(default_factory=set)
    changed: set[int] = field(default_factory=set)
    unwritten: list[OrderChange] = field(default_factory=list)  # lines given and taken

    def write(self, uow: UnitOfWork) -> None:
        uow.orders.change_many(self.unwritten)
        self.unwritten.clear()


def _apply(
    uow: UnitOfWork,
    line: LineRef,
    sku: str,
    resolution: Resolution,
    at: datetime,
    decided_by: str,
    pool: HoldingPool,
    settled: _Settled,
) -> None:
    """A resolution applied: incoming units promised, units taken from cheaper lines."""
    for wait in resolution.awaits:
        uow.inbound.promise(wait.lot, line.order_id, line.line_no, wait.units)
    for take in resolution.takes:
        # The units stay committed where they are; which line they are promised to changes.
        source = take.line
        settled.unwritten += [
            uncommitting(source.order_id, source.line_no, take.location, take.units),
            committing(line.order_id, line.line_no, take.location, take.units),
        ]
        pool.move(take, line)
        settled.recorded.append(_gave_up(take, sku, line, at, decided_by))
        if _cancels(take.line, at):
            settled.cancelled.add(take.line.order_id)
        settled.changed |= {take.line.order_id, line.order_id}


def _gave_up(take: Take, sku: str, to: LineRef, at: datetime, decided_by: str) -> NewConflict:
    """The conflict recorded on a line that gave units up to a costlier one."""
    return NewConflict(
        take.line,
        sku,
        take.units,
        "resolved",
        {
            "action": fallback_action(take.line, at).value,
            "reason": f"{take.units} committed at {take.location} went to {to.channel} "
            f"order {to.external_id}, which costs more to cancel "
            f"({to.cost} > {take.line.cost})",
            "given_to": {"order_id": to.order_id, "line_no": to.line_no},
        },
        decided_by,
    )


def _pools(
    uow: UnitOfWork,
    shortfalls: Sequence[Shortfall],
    lines: Mapping[tuple[int, int], tuple[LineRef, str, int]],
    places: Mapping[int, int],
) -> dict[str, HoldingPool]:
    """Per SKU, what the lines could take: the cheapest holdings of other orders, as many as
    the units short (each holds a unit at least), and every holding of the orders settled or
    decided with them. Lines drawing on different locations read every holding."""
    ours = set(places) | {s.order_id for s in shortfalls}
    by_sku: dict[str, list[Shortfall]] = {}
    for shortfall in shortfalls:
        by_sku.setdefault(lines[(shortfall.order_id, shortfall.line_no)][1], []).append(shortfall)
    pools: dict[str, HoldingPool] = {}
    for sku, group in by_sku.items():
        refs = [lines[(s.order_id, s.line_no)] for s in group]
        locations = sorted({code for s in group for code in s.locations})
        alike = len({frozenset(s.locations) for s in group}) == 1
        costliest = max(line.cost for line, _, _ in refs)
        short = sum(units for _, _, units in refs)
        if alike:
            holdings = uow.conflicts.contested(
                sku, locations, cheapest=short, ours=ours, cost_at_most=costliest
            )
        else:
            holdings = uow.conflicts.holdings(sku, locations, cost_at_most=costliest)
        pools[sku] = HoldingPool(holdings, places)
    return pools


class _FreeLots:
    """Incoming lots with units nobody waits for, read for each line (promises and takes change
    them) - except where none were found: promising and taking only ever use units up."""

    def __init__(self, uow: UnitOfWork) -> None:
        self._uow = uow
        self._none: set[tuple[str, tuple[str, ...]]] = set()

    def may_have(self, sku: str, locations: tuple[str, ...]) -> bool:
        return (sku, locations) not in self._none

    def free(self, sku: str, locations: tuple[str, ...]) -> list[Incoming]:
        if not self.may_have(sku, locations):
            return []
        found = self._uow.inbound.free(sku, locations)
        if not found:
            self._none.add((sku, locations))
        return found


def _cancels(line: LineRef, at: datetime) -> bool:
    """Whether a line that gave its units up is to be cancelled for them (not backordered)."""
    return fallback_action(line, at) == Action.CANCEL


def resolution_record(resolution: Resolution) -> dict[str, Any]:
    """A resolution as stored and shown: the action, units taken from whom, and why."""
    return {
        "action": resolution.action.value,
        "still_short": resolution.still_short,
        "incoming": [
            {"location": a.location, "eta": a.eta.isoformat(), "units": a.units}
            for a in resolution.awaits
        ],
        "take": [
            {
                "order_id": t.line.order_id,
                "line_no": t.line.line_no,
                "channel": t.line.channel,
                "external_id": t.line.external_id,
                "location": t.location,
                "units": t.units,
            }
            for t in resolution.takes
        ],
        "reason": resolution.reason,
    }
