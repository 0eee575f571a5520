"""A SKU's sellable stock, grouped by the set of channels its locations serve: what the
availability decision works on. A location whose snapshot (3PL, marketplace-fulfilled) is
overdue counts only part of its stock (the holdback)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Place:
    """The SKU's sellable stock at one location."""

    location: str
    channels: frozenset[str]  # the channels it serves, of those being decided
    available: int
    stale: bool = False  # its stock snapshot is overdue: only part of it counts

    def __post_init__(self) -> None:
        if isinstance(self.available, bool) or self.available < 0:
            raise ValueError(f"available must be 0 or more (got {self.available!r})")


def holdback(available: int, percent: int) -> int:
    """Units of an overdue snapshot's stock not counted: percent of it, rounded up."""
    return min(available, -(-available * percent // 100))


Groups = dict[frozenset[str], int]  # units, by the set of channels their locations serve


@dataclass(frozen=True, slots=True)
class Grouped:
    """A SKU's stock grouped by the channels its locations serve, after overdue snapshots'
    holdbacks: what the decision works on."""

    units: Groups
    locations: dict[frozenset[str], tuple[str, ...]]
    held: dict[str, int]  # per channel: units not counted at its locations (overdue snapshots)


def grouped(
    places: Sequence[Place], channels: Iterable[str], *, holdback_percent: int = 10
) -> Grouped:
    """The places' stock by the set of (these) channels each serves; a stale place counts its
    stock less the holdback."""
    codes = frozenset(channels)
    units: Groups = {}
    locations: dict[frozenset[str], list[str]] = {}
    held = dict.fromkeys(codes, 0)
    for place in places:
        served = place.channels & codes
        if not served:
            continue
        kept = place.available
        if place.stale and holdback_percent:
            withheld = holdback(place.available, holdback_percent)
            kept -= withheld
            for code in served:
                held[code] += withheld
        units[served] = units.get(served, 0) + kept
        locations.setdefault(served, []).append(place.location)
    return Grouped(units, {k: tuple(sorted(v)) for k, v in locations.items()}, held)
