"""Routing: which location(s) ship an order, and a record of why.

Only locations that serve the order's channel are candidates. One location that can ship every
line wins over a split; among those, a location in the order's region, then the lowest priority
number, then the code. Without such a location the order is split across locations in the same
rank when the channel allows it; otherwise the one location that can ship the most units ships
what it can. Whatever is left is short: a conflict, never a silent drop.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from stockpool.domain.balance import BalanceKey
from stockpool.domain.catalog import Location
from stockpool.domain.channels import Channel
from stockpool.domain.orders import OrderLine


@dataclass(frozen=True, slots=True)
class Allocation:
    line: int  # index of the order line
    sku: str
    location: str
    units: int


@dataclass(frozen=True, slots=True)
class Candidate:
    """One eligible location as routing saw it."""

    location: str
    priority: int
    region_match: bool
    can_ship_all: bool
    units: int  # how many of the order's units it could ship on its own


@dataclass(frozen=True, slots=True)
class RoutingDecision:
    allocations: tuple[Allocation, ...]
    short: tuple[int, ...]  # units that could not be committed, per line
    candidates: tuple[Candidate, ...]
    reason: str

    def committed(self, line: int) -> int:
        return sum(a.units for a in self.allocations if a.line == line)


def route(
    lines: Sequence[OrderLine],
    channel: Channel,
    locations: Sequence[Location],
    available: Mapping[BalanceKey, int],
    region: str | None = None,
) -> RoutingDecision:
    """Decide where each line's units come from, given what is available where."""
    eligible = sorted(
        (loc for loc in locations if loc.serves(channel.code)),
        key=lambda loc: (not _in_region(loc, region), loc.priority, loc.code),
    )
    candidates = tuple(_candidate(loc, lines, available, region) for loc in eligible)
    if not eligible:
        return RoutingDecision(
            (),
            tuple(line.quantity for line in lines),
            (),
            f"no location serves channel {channel.code}",
        )
    whole = [c for c in candidates if c.can_ship_all]
    if whole:
        chosen = whole[0].location
        allocations = _allocate(lines, [chosen], available)
        reason = f"{chosen} can ship the whole order" + _why_first(whole, region)
    elif channel.split_allowed:
        allocations = _allocate(lines, [loc.code for loc in eligible], available)
        used = sorted({a.location for a in allocations})
        if len(used) > 1:
            reason = "no single location can ship the whole order; split across " + ", ".join(used)
        elif used:
            reason = f"no location can ship the whole order; only {used[0]} has any of it"
        else:
            reason = (
                "no single location can ship the whole order; split across nothing (none has stock)"
            )
    else:
        best = max(
            candidates, key=lambda c: c.units
        )  # max keeps the first of equals: the best ranked
        allocations = _allocate(lines, [best.location], available)
        reason = (
            f"no single location can ship the whole order and {channel.code} does not allow "
            f"splits; {best.location} can ship the most units ({best.units})"
        )
    shipped = [0] * len(lines)
    for allocation in allocations:
        shipped[allocation.line] += allocation.units
    short = tuple(line.quantity - done for line, done in zip(lines, shipped, strict=True))
    return RoutingDecision(tuple(allocations), short, candidates, reason)


def _in_region(location: Location, region: str | None) -> bool:
    return region is not None and location.region == region


def _candidate(
    location: Location,
    lines: Sequence[OrderLine],
    available: Mapping[BalanceKey, int],
    region: str | None,
) -> Candidate:
    units = sum(a.units for a in _allocate(lines, [location.code], available))
    return Candidate(
        location=location.code,
        priority=location.priority,
        region_match=_in_region(location, region),
        can_ship_all=units == sum(line.quantity for line in lines),
        units=units,
    )


def _allocate(
    lines: Sequence[OrderLine], locations: Sequence[str], available: Mapping[BalanceKey, int]
) -> list[Allocation]:
    """Fill each line from the locations in order, never taking more than is available
    (two lines of one SKU share what a location has)."""
    # Units taken by earlier lines. (Not a copy of available: a batch locks many balances, and
    # copying them all for every order cost more than the routing.)
    used: dict[BalanceKey, int] = {}
    allocations = []
    for index, line in enumerate(lines):
        needed = line.quantity
        for location in locations:
            if needed == 0:
                break
            key = (line.sku, location)
            taken = min(needed, available.get(key, 0) - used.get(key, 0))
            if taken > 0:
                allocations.append(Allocation(index, line.sku, location, taken))
                used[key] = used.get(key, 0) + taken
                needed -= taken
    return allocations


def _why_first(whole: Sequence[Candidate], region: str | None) -> str:
    if len(whole) == 1:
        return ""
    first, second = whole[0], whole[1]
    if first.region_match and not second.region_match:
        return f", and it is in the order's region {region}"
    if first.priority != second.priority:
        return f", with the best priority ({first.priority}) of the {len(whole)} that can"
    return f"; {len(whole)} can, {first.location} comes first by code"
