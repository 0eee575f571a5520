"""An accepted order, and every change to its lines, decided here so that a line always adds up:
quantity = reserved + committed + short + shipped + cancelled.

A change moves units between a line's states (its deltas sum to zero, so the line keeps its
quantity) and, for committed units, between the line and its allocations at locations (the
committed delta equals the allocations' deltas). The store writes a change as decided, as
increments; the database's CHECKs (nothing below zero) stay the last guard.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

from stockpool.domain.bundles import Origin
from stockpool.domain.errors import InvariantBroken
from stockpool.domain.fulfilment import LinePlan
from stockpool.domain.orders import LineState, NewOrder, OrderLine, OrderStatus, order_status
from stockpool.domain.reservations import Hold
from stockpool.domain.routing import Allocation, RoutingDecision

_LINE_STATES = ("reserved", "committed", "short", "shipped", "cancelled")


@dataclass(frozen=True, slots=True)
class Order:
    """An accepted order: its lines, where their committed units are, and how it was routed."""

    id: int
    channel: str
    external_id: str
    status: OrderStatus
    placed_at: datetime
    ship_by: datetime | None
    region: str | None
    fingerprint: str
    lines: tuple[LineState, ...]
    allocations: tuple[Allocation, ...]
    routing: dict[str, Any] = field(compare=False)

    def changed(self, change: OrderChange) -> Order:
        """The order after change; InvariantBroken if any state or allocation would go below 0."""
        lines = list(self.lines)
        for line_change in change.lines:
            lines[line_change.line_no] = line_change.applied_to(lines[line_change.line_no])
        units = {(a.line, a.location): a.units for a in self.allocations}
        for moved in change.allocations:
            key = (moved.line_no, moved.location)
            units[key] = units.get(key, 0) + moved.units
            if units[key] < 0:
                raise InvariantBroken(f"order {self.id}: allocation {key} below 0")
        allocations = tuple(
            Allocation(line, lines[line].sku, location, n)
            for (line, location), n in sorted(units.items())
            if n
        )
        pending = self.status == OrderStatus.PENDING and not change.confirmed
        status = status_of(lines, pending=pending)
        return replace(self, lines=tuple(lines), allocations=allocations, status=status)


def status_of(lines: Iterable[LineState], *, pending: bool) -> OrderStatus:
    """An order's status from its lines (see order_status)."""
    lines = list(lines)
    return order_status(
        sum(line.committed for line in lines),
        sum(line.short for line in lines),
        sum(line.shipped for line in lines),
        sum(line.reserved for line in lines),
        pending=pending,
    )


def accepted(
    order_id: int,
    order: NewOrder,
    lines: Sequence[OrderLine],
    decision: RoutingDecision,
    origin: Sequence[Origin],
    *,
    fingerprint: str | None = None,
) -> Order:
    """An order as it is first stored: a pending one holds its routed units as reserved (its
    reservation says where), a confirmed one has them committed at their locations."""
    pending = not order.confirmed
    states = []
    for n, line in enumerate(lines):
        source = origin[n] if n < len(origin) else None
        bundle, bundle_line = source if source is not None else (None, None)
        routed = decision.committed(n)
        states.append(
            LineState(
                line.sku,
                line.quantity,
                committed=0 if pending else routed,
                short=decision.short[n],
                reserved=routed if pending else 0,
                bundle=bundle,
                bundle_line=bundle_line,
            )
        )
    return Order(
        id=order_id,
        channel=order.channel,
        external_id=order.external_id,
        status=status_of(states, pending=pending),
        placed_at=order.placed_at,
        ship_by=order.ship_by,
        region=order.region,
        fingerprint=fingerprint or order.fingerprint(),
        lines=tuple(states),
        allocations=()
        if pending
        else tuple(sorted(decision.allocations, key=lambda a: (a.line, a.location))),
        routing=routing_record(decision),
    )


def routing_record(decision: RoutingDecision) -> dict[str, Any]:
    """The decision as stored and shown: why, and every candidate considered."""
    return {
        "reason": decision.reason,
        "candidates": [
            {
                "location": c.location,
                "priority": c.priority,
                "region_match": c.region_match,
                "can_ship_all": c.can_ship_all,
                "units": c.units,
            }
            for c in decision.candidates
        ],
    }


@dataclass(frozen=True, slots=True)
class LineChange:
    """Units moving between one line's states; the deltas sum to zero."""

    line_no: int
    reserved: int = 0
    committed: int = 0
    short: int = 0
    shipped: int = 0
    cancelled: int = 0

    def __post_init__(self) -> None:
        if self.reserved + self.committed + self.short + self.shipped + self.cancelled:
            raise InvariantBroken(f"a change to line {self.line_no} does not add up: {self}")

    def applied_to(self, line: LineState) -> LineState:
        after = {state: getattr(line, state) + getattr(self, state) for state in _LINE_STATES}
        if any(units < 0 for units in after.values()):
            raise InvariantBroken(f"line {self.line_no} would go below 0: {line} with {self}")
        return replace(line, **after)


@dataclass(frozen=True, slots=True)
class AllocationChange:
    """Committed units of a line arriving at (units > 0) or leaving (units < 0) a location."""

    line_no: int
    location: str
    units: int


@dataclass(frozen=True, slots=True)
class OrderChange:
    """Everything one decision changes on one order. Each line's committed delta is what its
    allocations gain or lose, so committed always equals what the allocations hold."""

    order_id: int
    lines: tuple[LineChange, ...] = ()
    allocations: tuple[AllocationChange, ...] = ()
    confirmed: bool = False  # a pending order is pending no more

    def __post_init__(self) -> None:
        for line in self.lines:
            moved = sum(a.units for a in self.allocations if a.line_no == line.line_no)
            if moved != line.committed:
                raise InvariantBroken(f"order {self.order_id}: {self} moves committed units")


def committing(order_id: int, line_no: int, location: str, units: int) -> OrderChange:
    """Short units of a line become committed at location."""
    return OrderChange(
        order_id,
        (LineChange(line_no, committed=units, short=-units),),
        (AllocationChange(line_no, location, units),),
    )


def uncommitting(order_id: int, line_no: int, location: str, units: int) -> OrderChange:
    """A line loses units committed at location: they become short."""
    return OrderChange(
        order_id,
        (LineChange(line_no, committed=-units, short=units),),
        (AllocationChange(line_no, location, -units),),
    )


def unreserving(order_id: int, holds: Sequence[Hold]) -> OrderChange:
    """A pending order's hold ended or shrank: those reserved units are short (nothing holds
    them), and the order stays pending."""
    return OrderChange(
        order_id,
        tuple(LineChange(n, reserved=-u, short=u) for n, u in sorted(_per_line(holds).items())),
    )


def confirming_held(order_id: int, holds: Sequence[Hold]) -> OrderChange:
    """A pending order is confirmed: its held units become committed where they are held."""
    return OrderChange(
        order_id,
        tuple(LineChange(n, reserved=-u, committed=u) for n, u in sorted(_per_line(holds).items())),
        tuple(AllocationChange(h.line_no, h.location, h.units) for h in holds),
        confirmed=True,
    )


def fulfilling(order_id: int, plans: Sequence[LinePlan], outcome: str) -> OrderChange:
    """Units cancelled or shipped (outcome): short units first, then committed ones, which
    leave their allocations."""
    if outcome not in ("cancelled", "shipped"):
        raise InvariantBroken(f"an order's units are cancelled or shipped, not {outcome}")
    lines, allocations = [], []
    for plan in plans:
        released = sum(r.units for r in plan.releases)
        done = plan.from_short + released
        shipped, cancelled = (done, 0) if outcome == "shipped" else (0, done)
        lines.append(
            LineChange(
                plan.line_no,
                short=-plan.from_short,
                committed=-released,
                shipped=shipped,
                cancelled=cancelled,
            )
        )
        allocations += [AllocationChange(plan.line_no, r.location, -r.units) for r in plan.releases]
    return OrderChange(order_id, tuple(lines), tuple(allocations))


def _per_line(holds: Iterable[Hold]) -> dict[int, int]:
    per_line: dict[int, int] = {}
    for hold in holds:
        per_line[hold.line_no] = per_line.get(hold.line_no, 0) + hold.units
    return per_line
