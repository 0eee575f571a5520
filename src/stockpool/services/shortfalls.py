"""Lines short of stock: committed again wherever the pool still has units, else settled as a
conflict by what a cancellation costs (applied now, or proposed to a person).

Ingest, confirmation, short picks and counts that find units missing all end here, inside the
transaction that made the line short, holding the balances of its SKU at the locations that
serve it.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any, Literal

from stockpool.domain.accepted_orders import committing, uncommitting
from stockpool.domain.catalog import Location
from stockpool.domain.channels import Channel
from stockpool.domain.conflicts import (
    AUTO,
    Action,
    LineRef,
    Resolution,
    fallback_action,
    resolve,
)
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
    line, sku, short = uow.conflicts.line(order_id, line_no)
    holdings = uow.conflicts.holdings(
        sku, locations, excluding_order=order_id, cost_at_most=line.cost, cheapest=short
    )
    resolution = resolve(line, short, holdings, at, uow.inbound.free(sku, locations))
    record = resolution_record(resolution)
    if proposing:
        uow.conflicts.add(
            line, sku, short, status="proposed", resolution=record, decided_by=None, at=at
        )
        return set()
    for wait in resolution.awaits:
        uow.inbound.promise(wait.lot, order_id, line_no, wait.units)
    for take in resolution.takes:
        # The units stay committed where they are; which line they are promised to changes.
        source = take.line
        uow.orders.change(uncommitting(source.order_id, source.line_no, take.location, take.units))
        uow.orders.change(committing(order_id, line_no, take.location, take.units))
        uow.conflicts.add(
            take.line,
            sku,
            take.units,
            status="resolved",
            decided_by=decided_by,
            at=at,
            resolution={
                "action": fallback_action(take.line, at).value,
                "reason": f"{take.units} committed at {take.location} went to {line.channel} "
                f"order {line.external_id}, which costs more to cancel "
                f"({line.cost} > {take.line.cost})",
                "given_to": {"order_id": order_id, "line_no": line_no},
            },
        )
    if conflict_id is None:
        uow.conflicts.add(
            line, sku, short, status="resolved", resolution=record, decided_by=decided_by, at=at
        )
    else:
        uow.conflicts.decide(conflict_id, record, decided_by, at)
    cancelled = {take.line.order_id for take in resolution.takes if _cancels(take.line, at)}
    if resolution.action == Action.CANCEL:
        cancelled.add(order_id)
    for settled in sorted(cancelled):
        queue_cancellation(uow, settled, f"settled as cancel by {decided_by}", at)
    return {order_id} | {take.line.order_id for take in resolution.takes}


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
