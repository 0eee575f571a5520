"""The simulated warehouse: each SKU's stock per location, and the order lines holding it.

Plain state changes, documented as such: the lab keeps per (SKU, location) what the ledger
calls available, and beside it the units gone missing unseen (still counted as available until
picking or a count finds them out); quality_control, damaged and incoming per SKU; and the open
lines (committed, not yet shipped). The decisions about them are production's (see run.py).
Each count is remembered per location as production's count service remembers it
(domain.shrinkage.after_count): what it found missing, and when, measure the shrink rate the
decision is given.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from stockpool.domain.conflicts import LineRef
from stockpool.domain.shrinkage import (
    CountHistory,
    LocationShrinkage,
    after_count,
    expected_missing,
    units_per_hour,
)
from stockpool.sim.demand import Shopper


@dataclass(slots=True)
class OpenLine:
    """Units of an accepted order committed at one location, not yet shipped."""

    ref: LineRef
    channel: int
    location: int
    units: int
    shopper: Shopper
    cancelled: bool = False  # the seller cancelled some of its units


@dataclass(slots=True)
class SkuStock:
    available: list[int]  # per location, as the ledger has it
    missing: list[int]  # per location: lost unseen, still in available
    quality_control: int = 0
    damaged: int = 0
    incoming: int = 0
    written_off: int = 0  # units found missing (at picking or by a count), out of the books
    open: list[OpenLine] = field(default_factory=list)
    counts: list[CountHistory | None] = field(default_factory=list)  # per location, once counted
    rates: list[float] = field(default_factory=list)  # per location: shrink rate (see measure)

    def pool(self, locations: tuple[int, ...]) -> int:
        """Available at these locations, as the ledger has it."""
        return sum(self.available[i] for i in locations)

    def pick(self, location: int, units: int) -> int:
        """Commit and pick units the ledger has available at a location. The units the picker
        does not find are written off there (as services.fulfilment.short_pick: the missing
        units leave on hand) - only those: whatever else went missing there stays in the
        ledger, to be found by the next pick or a count. How many were missing."""
        physical = self.available[location] - self.missing[location]
        lacking = max(0, units - physical)
        self.available[location] -= units
        self.missing[location] -= lacking
        self.written_off += lacking
        return lacking

    def lose_one(self) -> bool:
        """A unit goes missing unseen at the first location that has one."""
        for n, units in enumerate(self.available):
            if units - self.missing[n] > 0:
                self.missing[n] += 1
                return True
        return False

    def count(self, when: datetime) -> int:
        """A count finds the missing units: written off, and remembered with when (see
        shrinkage). How many."""
        if not self.counts:
            self.counts = [None] * len(self.available)
        for n, (units, missing) in enumerate(zip(self.available, self.missing, strict=True)):
            self.counts[n] = after_count(self.counts[n], units, units - missing, when)
        found = sum(self.missing)
        self.written_off += found
        for n, missing in enumerate(self.missing):
            self.available[n] -= missing
            self.missing[n] = 0
        return found

    def measure(self, locations: list[LocationShrinkage]) -> None:
        """Its shrink rate at each location counted, from its counts there and what counts
        found at the location (what production's count service stores with the count)."""
        self.rates = [
            units_per_hour(h, totals) if h is not None else 0.0
            for h, totals in zip(self.counts, locations, strict=True)
        ]

    def measured(self) -> bool:
        """Whether its counts have measured some shrinkage anywhere."""
        return any(self.rates)

    def shrinkage(self, location: int, when: datetime) -> float:
        """Units that may have gone missing unseen at a location since its last count, as
        production reckons them from the same counts (0 before the first)."""
        history = self.counts[location] if self.counts else None
        if history is None or not self.rates:
            return 0.0
        return expected_missing(self.rates[location], history.last_counted_at, when)

    def held(self, location: int, codes: tuple[str, ...]) -> dict[str, int]:
        """Units each channel's open lines hold at a location."""
        taken: dict[str, int] = {}
        for line in self.open:
            if line.location == location and line.units:
                code = codes[line.channel]
                taken[code] = taken.get(code, 0) + line.units
        return taken
