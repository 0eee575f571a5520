"""Deciding conflicts on purpose: who bears a shortfall, by what a cancellation costs.

An order accepted for units that are not there is short. First, incoming stock that lands at a
location serving it before its ship-by (and nobody else was promised) covers it: the line waits
for it. Before anyone is cancelled, units already committed to a line that is cheaper to cancel -
a lower channel cost, then a later ship-by, then a newer order - may be given to the costlier
line, when the stock can serve both channels. Whatever stays short is backordered while there is
still time to ship it, else cancelled.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

AUTO = "policy:auto"  # who decided, when the seller's policy resolves conflicts itself


class Action(StrEnum):
    INCOMING = "incoming"  # waits for incoming stock landing before the ship-by
    REALLOCATED = "reallocated"  # covered by units taken from cheaper-to-cancel lines
    BACKORDER = "backorder"  # keep the order; ship when stock comes in
    CANCEL = "cancel"  # cancel the short units with the channel


@dataclass(frozen=True, slots=True)
class LineRef:
    """An order line as conflict resolution weighs it."""

    order_id: int
    line_no: int
    channel: str
    external_id: str
    cost: int  # the channel's cancellation cost
    placed_at: datetime
    ship_by: datetime | None


@dataclass(frozen=True, slots=True)
class Holding:
    """Units of the SKU committed to a line at a location the short line may draw on."""

    line: LineRef
    location: str
    units: int


@dataclass(frozen=True, slots=True)
class Take:
    line: LineRef
    location: str
    units: int


@dataclass(frozen=True, slots=True)
class Incoming:
    """A lot of incoming stock at a location the short line may draw on, not yet promised."""

    lot: int
    location: str
    eta: datetime
    free: int


@dataclass(frozen=True, slots=True)
class Await:
    """Units of an incoming lot promised to the short line."""

    lot: int
    location: str
    eta: datetime
    units: int


@dataclass(frozen=True, slots=True)
class Resolution:
    takes: tuple[Take, ...]  # units moved from cheaper lines to the short one
    still_short: int
    action: Action  # for the short line
    reason: str
    awaits: tuple[Await, ...] = ()  # incoming units promised to the short line


@dataclass(frozen=True, slots=True)
class NewConflict:
    """A conflict to record on a short line: resolved (decided_by says who), or proposed (no
    one decided yet)."""

    line: LineRef
    sku: str
    short: int
    status: str  # proposed, resolved
    resolution: dict[str, Any]
    decided_by: str | None


@dataclass(frozen=True, slots=True)
class ConflictRecord:
    """A conflict as recorded: the short line, the resolution applied or proposed, and who
    decided it (None while a proposal waits for a person)."""

    id: int
    order_id: int
    line_no: int
    channel: str
    external_id: str
    sku: str
    short: int
    status: str  # proposed, resolved
    resolution: dict[str, Any] | None
    decided_by: str | None
    decided_at: datetime | None
    created_at: datetime


def cancellation_rank(line: LineRef) -> tuple[int, float, float]:
    """Lower ranks are cheaper to cancel: channel cost, then later ship-by, then newer order."""
    ship_by = line.ship_by.timestamp() if line.ship_by else float("inf")
    return (line.cost, -ship_by, -line.placed_at.timestamp())


def fallback_action(line: LineRef, now: datetime) -> Action:
    """What to do with units no one can cover: wait while the ship-by date allows, else cancel."""
    return Action.BACKORDER if line.ship_by is None or line.ship_by > now else Action.CANCEL


def landing_in_time(lot: Incoming, line: LineRef, now: datetime) -> bool:
    """Whether a lot is due before the line must ship (any future date, without a ship-by).
    A lot already overdue is not counted on."""
    return now < lot.eta and (line.ship_by is None or lot.eta <= line.ship_by)


def resolve(
    short: LineRef,
    units_short: int,
    holdings: Sequence[Holding],
    now: datetime,
    incoming: Sequence[Incoming] = (),
) -> Resolution:
    """Who bears units_short of the short line, given the incoming lots it may wait for and
    what other lines hold."""
    awaits: list[Await] = []
    missing = units_short
    for lot in sorted(incoming, key=lambda i: (i.eta, i.lot)):
        if missing == 0:
            break
        if lot.free > 0 and landing_in_time(lot, short, now):
            units = min(missing, lot.free)
            awaits.append(Await(lot.lot, lot.location, lot.eta, units))
            missing -= units
    waiting = ""
    if awaits:
        waiting = "waits for " + ", ".join(
            f"{a.units} landing at {a.location} by {a.eta.isoformat()}" for a in awaits
        )
        if missing == 0:
            return Resolution((), 0, Action.INCOMING, waiting, tuple(awaits))
        waiting += "; "
    victims = sorted(
        (h for h in holdings if cancellation_rank(h.line) < cancellation_rank(short)),
        key=lambda h: (cancellation_rank(h.line), h.line.order_id, h.line.line_no, h.location),
    )
    takes: list[Take] = []
    for holding in victims:
        if missing == 0:
            break
        taken = min(missing, holding.units)
        takes.append(Take(holding.line, holding.location, taken))
        missing -= taken
    if takes:
        given = ", ".join(
            f"{t.units} from {t.line.channel} order {t.line.external_id} (cost {t.line.cost})"
            for t in takes
        )
        reason = f"{short.channel} costs {short.cost} to cancel; took {given}"
    else:
        reason = f"no line cheaper to cancel than this {short.channel} one holds the units"
    reason = waiting + reason
    if missing == 0:
        action = Action.INCOMING if awaits else Action.REALLOCATED
        return Resolution(tuple(takes), 0, action, reason, tuple(awaits))
    action = fallback_action(short, now)
    reason += f"; {missing} {'backordered' if action == Action.BACKORDER else 'to cancel'}"
    return Resolution(tuple(takes), missing, action, reason, tuple(awaits))


def losers(holdings: Sequence[Holding], missing: int) -> tuple[Take, ...]:
    """Who loses units found missing where they were committed (a count's shortfall): the
    lines cheapest to cancel first, each losing what it holds there, until none is missing."""
    takes: list[Take] = []
    ranked = sorted(
        holdings,
        key=lambda h: (cancellation_rank(h.line), h.line.order_id, h.line.line_no, h.location),
    )
    for holding in ranked:
        if missing == 0:
            break
        units = min(missing, holding.units)
        takes.append(Take(holding.line, holding.location, units))
        missing -= units
    return tuple(takes)


def fill_order(lines: Sequence[LineRef]) -> list[LineRef]:
    """Backordered lines in the order arriving stock serves them: the costliest to cancel
    first (the reverse of cancellation_rank), then the oldest order."""
    return sorted(
        lines,
        key=lambda line: (
            -line.cost,
            line.ship_by.timestamp() if line.ship_by else float("inf"),
            line.placed_at.timestamp(),
            line.order_id,
            line.line_no,
        ),
    )
