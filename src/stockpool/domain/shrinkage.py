"""Shrinkage: units lost unseen (theft, misplacement) stay in the ledger until a count finds them
out. What counts of a SKU at a location found missing, over the hours they covered, measures its
shrink rate; units missing unseen since its last count are then ~ Poisson(rate x hours since),
which the risk-bounded buffer holds back with the channel's own demand window (risk_buffer).

Measured, not configured: rate = units found missing / hours from the first count to the last.
Two choices, both cautious and both stated here:
- A count finding more than recorded gives back units earlier counts found missing (a misplaced
  unit turning up), never less than none: there is no negative shrinkage.
- The hours covered are at least MIN_SPAN_HOURS: a first count that finds units missing covers
  an unknown stretch (since the stock came), taken as a week's loss - the usual cycle-count
  interval - rather than as an infinite rate; more counts replace that guess by measured hours.
A SKU never counted at a location, or whose counts found nothing missing, has rate 0: nothing is
held back for it.

Pure: values in, values out; rates in units per hour.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime

MIN_SPAN_HOURS = 168.0  # the hours a first count (or counts close together) is taken to cover


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
    def units_per_hour(self) -> float:
        """The shrink rate its counts measure: units found missing per hour they covered."""
        if self.missing == 0:
            return 0.0
        hours = (self.last_counted_at - self.first_counted_at).total_seconds() / 3600
        return self.missing / max(hours, MIN_SPAN_HOURS)


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
