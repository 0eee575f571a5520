"""What happens to an accepted order's units: cancelled, or shipped, line by line."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from stockpool.domain.errors import Conflict, InvalidRequest
from stockpool.domain.orders import LineState
from stockpool.domain.routing import Allocation


@dataclass(frozen=True, slots=True)
class Release:
    location: str
    units: int  # committed units leaving the order at this location


@dataclass(frozen=True, slots=True)
class LinePlan:
    line_no: int
    sku: str
    from_short: int  # short units cancelled (no stock moves for them)
    releases: tuple[Release, ...]


def plan_cancel(
    lines: Sequence[LineState], allocations: Sequence[Allocation], wanted: Mapping[str, int] | None
) -> tuple[LinePlan, ...]:
    """Cancel units (per SKU, or everything open when wanted is None): short units first, since
    they hold no stock, then committed units, which go back to available."""
    return _plan(lines, allocations, wanted, include_short=True, verb="cancel")


def plan_ship(
    lines: Sequence[LineState], allocations: Sequence[Allocation], wanted: Mapping[str, int] | None
) -> tuple[LinePlan, ...]:
    """Ship committed units (per SKU, or all of them when wanted is None)."""
    return _plan(lines, allocations, wanted, include_short=False, verb="ship")


def _plan(
    lines: Sequence[LineState],
    allocations: Sequence[Allocation],
    wanted: Mapping[str, int] | None,
    *,
    include_short: bool,
    verb: str,
) -> tuple[LinePlan, ...]:
    skus = {line.sku for line in lines}
    if wanted is not None and not wanted:
        raise InvalidRequest(
            f"lines is empty: name the units to {verb}, or send no lines to {verb} every "
            f"{'open' if include_short else 'committed'} unit."
        )
    if wanted is not None:
        for sku, units in wanted.items():
            if sku not in skus:
                raise InvalidRequest(f"SKU {sku} is not in this order.")
            if units <= 0:
                raise InvalidRequest(f"quantity for {sku} must be a whole number greater than 0.")
    left = dict(wanted) if wanted is not None else None
    plans = []
    for line_no, line in enumerate(lines):
        open_units = line.committed + (line.short if include_short else 0)
        todo = open_units if left is None else min(left.get(line.sku, 0), open_units)
        if todo == 0:
            continue
        from_short = min(todo, line.short) if include_short else 0
        to_release = todo - from_short
        releases = []
        for allocation in sorted(
            (a for a in allocations if a.line == line_no), key=lambda a: a.location
        ):
            if to_release == 0:
                break
            units = min(to_release, allocation.units)
            releases.append(Release(allocation.location, units))
            to_release -= units
        plans.append(LinePlan(line_no, line.sku, from_short, tuple(releases)))
        if left is not None:
            left[line.sku] -= todo
    if left is not None:
        for sku, units in left.items():
            if units > 0:
                what = "open" if include_short else "committed"
                raise Conflict(
                    f"SKU {sku}: {wanted[sku] - units if wanted else 0} {what} units in this "
                    f"order, {wanted[sku] if wanted else 0} to {verb}."
                )
    if not plans:
        raise Conflict(_nothing_to(verb, lines))
    return tuple(plans)


def _nothing_to(verb: str, lines: Sequence[LineState]) -> str:
    """Why a whole-order cancel or shipment would change nothing: where every unit is."""
    found = (
        (sum(line.reserved for line in lines), "reserved (the order is pending: confirm it first)"),
        (sum(line.short for line in lines), "short (a conflict: they wait for stock)"),
        (sum(line.shipped for line in lines), "shipped already"),
        (sum(line.cancelled for line in lines), "cancelled"),
    )
    where = ", ".join(f"{units} {state}" for units, state in found if units)
    quantity = sum(line.quantity for line in lines)
    if verb == "ship":
        return f"Nothing to ship: no unit of this order is committed; of its {quantity}, {where}."
    return f"Nothing left to cancel: of this order's {quantity} units, {where}."
