"""Shrinkage: units lost unseen (theft, misplacement) stay in the ledger until a count finds them
out. What counts of a SKU at a location found missing, over the hours they covered, measures its
shrink rate; units missing unseen since its last count are then ~ Poisson(rate x hours since),
which the risk-bounded buffer holds back with the channel's own demand window (risk_buffer).

Measured, not configured. A SKU's counts at a location found `missing` units over the `span`
hours from its first count to its last; the counts of the location's other SKUs measure a rate
per SKU-hour, r (a first count taken to cover PRIOR_HOURS). One SKU sees few losses (a unit or
two a quarter), so its rate is its location's, corrected by its own counts as they accumulate
(the Poisson-gamma estimate, with a prior worth PRIOR_HOURS of the location's rate):

    rate = (missing + r x PRIOR_HOURS) / (span + PRIOR_HOURS)

- A count finding more than recorded gives back units earlier counts found missing (a misplaced
  unit turning up), never less than none: there is no negative shrinkage.
- A SKU whose own counts found nothing yet still has the location's rate, fading as its counts
  cover more hours: units go missing from SKUs that have not lost one yet.
- With no shrinkage measured (r = 0 and nothing found missing) the rate is 0, and a SKU never
  counted at a location has no history: nothing is held back for either.

Pure: values in, values out; rates in units per hour.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime

# The weight of the location's rate in a SKU's, in hours of the SKU's own counts: a week, the
# usual cycle-count interval - after a few counts a SKU's own losses dominate.
PRIOR_HOURS = 168.0


@dataclass(frozen=True, slots=True)
class CountHistory:
    """What the counts of one SKU at one location have found: units missing (net of units
    later found again, never below 0), and when the first and the last count were."""

    missing: int
    first_counted_at: datetime
    last_counted_at: datetime

    def __post_init__(self) -> None:
        if isinstance(self.missing, bool) or self.missing < 0:
            raise ValueError(f"missing must be 0 or more (got {self.missing!r})")
        if self.last_counted_at < self.first_counted_at:
            raise ValueError("the last count cannot come before the first")

    @property
    def span_hours(self) -> float:
        """The hours its counts covered: from the first to the last."""
        return (self.last_counted_at - self.first_counted_at).total_seconds() / 3600


@dataclass(frozen=True, slots=True)
class LocationShrinkage:
    """What the counts of every SKU at one location found: units missing, and the SKU-hours
    their counts covered (each SKU's span plus PRIOR_HOURS, so a first count weighs too)."""

    missing: int = 0
    hours: float = 0.0

    @property
    def units_per_hour(self) -> float:
        """Units missing per SKU-hour counts covered here: the prior of each SKU's rate."""
        return self.missing / self.hours if self.hours > 0 else 0.0

    def changed(self, before: CountHistory | None, after: CountHistory) -> LocationShrinkage:
        """The totals once one SKU's history went from before to after."""
        missing, hours = self.missing + after.missing, self.hours + after.span_hours
        if before is None:
            hours += PRIOR_HOURS
        else:
            missing -= before.missing
            hours -= before.span_hours
        return LocationShrinkage(max(0, missing), max(0.0, hours))


def units_per_hour(history: CountHistory, location: LocationShrinkage) -> float:
    """A SKU's shrink rate at a location: what its counts found, over the hours they covered,
    with PRIOR_HOURS of the rate its location's other SKUs measure (location: the totals of
    all, this SKU's history included, which is taken out so that it does not count twice)."""
    others = LocationShrinkage(
        max(0, location.missing - history.missing),
        max(0.0, location.hours - history.span_hours - PRIOR_HOURS),
    )
    prior = others.units_per_hour * PRIOR_HOURS
    return (history.missing + prior) / (history.span_hours + PRIOR_HOURS)


def after_count(
    history: CountHistory | None, expected: int, counted: int, at: datetime
) -> CountHistory:
    """The history once a count at `at` found `counted` units where the ledger had `expected`:
    a shortfall adds to what is missing, a surplus gives back what earlier counts found missing
    (down to none)."""
    if history is None:
        return CountHistory(max(0, expected - counted), at, at)
    first = min(history.first_counted_at, at)
    last = max(history.last_counted_at, at)
    return CountHistory(max(0, history.missing + expected - counted), first, last)


def expected_missing(units_per_hour: float, last_counted_at: datetime, at: datetime) -> float:
    """The mean of the units gone missing unseen since the last count: rate x hours since it."""
    if not (math.isfinite(units_per_hour) and units_per_hour >= 0):
        raise ValueError(f"a shrink rate must be a finite number of 0 or more ({units_per_hour!r})")
    if units_per_hour == 0:
        return 0.0
    return units_per_hour * hours_since(last_counted_at, at)


def hours_since(last_counted_at: datetime, at: datetime) -> float:
    """Hours from the last count to at (0 if the count is later: clocks of two processes)."""
    return max(0.0, (at - last_counted_at).total_seconds() / 3600)
