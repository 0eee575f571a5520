"""The simulated warehouse: each SKU's stock per location, and the order lines holding it.

Plain state changes, documented as such: the lab keeps per (SKU, location) what the ledger
calls available, and beside it the units gone missing unseen (still counted as available until
picking or a count finds them out); quality_control, damaged and incoming per SKU; and the open
lines (committed, not yet shipped). The decisions about them are production's (see run.py).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from stockpool.domain.conflicts import LineRef
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

    def pool(self, locations: tuple[int, ...]) -> int:
        """Available at these locations, as the ledger has it."""
        return sum(self.available[i] for i in locations)

    def pick(self, location: int, units: int) -> int:
        """Commit units at a location; the units found missing at picking (the shelf is
        emptier than the ledger: available and missing there both go to 0)."""
        physical = self.available[location] - self.missing[location]
        if units <= physical:
            self.available[location] -= units
            return 0
        self.written_off += self.missing[location]
        self.available[location] = 0
        self.missing[location] = 0
        return units - physical

    def lose_one(self) -> bool:
        """A unit goes missing unseen at the first location that has one."""
        for n, units in enumerate(self.available):
            if units - self.missing[n] > 0:
                self.missing[n] += 1
                return True
        return False

    def count(self) -> int:
        """A count finds the missing units: written off. How many."""
        found = sum(self.missing)
        self.written_off += found
        for n, missing in enumerate(self.missing):
            self.available[n] -= missing
            self.missing[n] = 0
        return found

    def held(self, location: int, codes: tuple[str, ...]) -> dict[str, int]:
        """Units each channel's open lines hold at a location."""
        taken: dict[str, int] = {}
        for line in self.open:
            if line.location == location and line.units:
                code = codes[line.channel]
                taken[code] = taken.get(code, 0) + line.units
        return taken
