"""A SKU's sellable stock, grouped by the set of channels its locations serve: what the
availability decision works on. A location whose snapshot (3PL, marketplace-fulfilled) is
overdue counts only part of its stock (the holdback)."""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field


@dataclass(frozen=True, slots=True)
class Place:
    """The SKU's sellable stock at one location."""

    location: str
    channels: frozenset[str]  # the channels it serves, of those being decided
    available: int
    stale: bool = False  # its stock snapshot is overdue: only part of it counts
    # Units here each channel's open orders hold (reserved or committed): taken already, and
    # what the partition shares the rest out on top of.
    taken: Mapping[str, int] = field(default_factory=dict)
    # Units that may have gone missing here unseen since the SKU was last counted (a Poisson
    # mean: domain.shrinkage.expected_missing); 0 when never counted or nothing found missing.
    shrink: float = 0.0

    def __post_init__(self) -> None:
        if isinstance(self.available, bool) or self.available < 0:
            raise ValueError(f"available must be 0 or more (got {self.available!r})")
        if not (math.isfinite(self.shrink) and self.shrink >= 0):
            raise ValueError(f"shrink must be a finite number of 0 or more (got {self.shrink!r})")
        if any(isinstance(n, bool) or n < 0 for n in self.taken.values()):
            raise ValueError(f"taken must be 0 or more per channel (got {dict(self.taken)!r})")


def holdback(available: int, percent: int) -> int:
    """Units of an overdue snapshot's stock not counted: percent of it, rounded up."""
    return min(available, -(-available * percent // 100))


Groups = dict[frozenset[str], int]  # units, by the set of channels their locations serve
# Units each channel's open orders hold in a group, by group then channel (only those above 0).
Taken = dict[frozenset[str], dict[str, int]]
# Units a group's locations may have lost unseen since counted (a Poisson mean; only above 0).
Shrink = dict[frozenset[str], float]


@dataclass(frozen=True, slots=True)
class Grouped:
    """A SKU's stock grouped by the channels its locations serve, after overdue snapshots'
    holdbacks: what the decision works on."""

    units: Groups
    locations: dict[frozenset[str], tuple[str, ...]]
    held: dict[str, int]  # per channel: units not counted at its locations (overdue snapshots)
    taken: Taken  # units its channels' open orders hold in each group
    shrink: Shrink = field(default_factory=dict)  # units each group may have lost unseen


def grouped(
    places: Sequence[Place], channels: Iterable[str], *, holdback_percent: int = 10
) -> Grouped:
    """The places' stock by the set of (these) channels each serves; a stale place counts its
    stock less the holdback."""
    codes = frozenset(channels)
    units: Groups = {}
    locations: dict[frozenset[str], list[str]] = {}
    held = dict.fromkeys(codes, 0)
    taken: Taken = {}
    shrink: Shrink = {}
    for place in places:
        served = place.channels & codes
        if not served:
            continue
        for code, took in place.taken.items():
            if took and code in served:
                in_group = taken.setdefault(served, {})
                in_group[code] = in_group.get(code, 0) + took
        kept = place.available
        if place.stale and holdback_percent:
            withheld = holdback(place.available, holdback_percent)
            kept -= withheld
            for code in served:
                held[code] += withheld
        units[served] = units.get(served, 0) + kept
        if place.shrink:
            shrink[served] = shrink.get(served, 0.0) + place.shrink
        locations.setdefault(served, []).append(place.location)
    return Grouped(units, {k: tuple(sorted(v)) for k, v in locations.items()}, held, taken, shrink)
