"""Demand forecast per SKU: how fast it sells (units a day, summed over its channels), how many
days the sellable stock lasts at that pace, and the moment it runs out, counting the incoming
lots that arrive before then.

The pace is the demand rates the availability decisions use (domain.demand), decayed to now and
without the floor: a SKU with no sales has no stockout date.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta


@dataclass(frozen=True, slots=True)
class Lot:
    """Incoming units and when they are expected (eta None: not known, never counted on)."""

    units: int
    eta: datetime | None


@dataclass(frozen=True, slots=True)
class Forecast:
    """sellable: the available units now; units_per_day: summed over channels; days_of_cover
    None when nothing sells; stockout_at None when nothing sells (or lots keep it stocked
    past the last one); lots_in_time: units of lots arriving before the stock runs out."""

    sellable: int
    units_per_day: float
    days_of_cover: float | None
    stockout_at: datetime | None
    stockout_without_lots_at: datetime | None
    lots_in_time: int
    lots_late: int


def velocity(per_channel_per_hour: Mapping[str, float]) -> float:
    """Units a day, all channels together."""
    return sum(max(rate, 0.0) for rate in per_channel_per_hour.values()) * 24


def forecast(sellable: int, units_per_day: float, lots: Sequence[Lot], now: datetime) -> Forecast:
    """When the stock runs out at this pace, each lot adding its units on arrival if the shelf
    has not run empty before it lands."""
    if units_per_day <= 0:
        return Forecast(sellable, 0.0, None, None, None, 0, 0)
    stock = float(max(sellable, 0))
    at = now
    in_time = late = 0
    dated = sorted((lot for lot in lots if lot.eta is not None), key=lambda lot: lot.eta or now)
    without = now + _days(stock / units_per_day)
    for lot in dated:
        eta = max(lot.eta or now, now)
        runs_out = at + _days(stock / units_per_day)
        if eta > runs_out:
            late += lot.units
            continue
        stock -= (eta - at).total_seconds() / 86400 * units_per_day
        stock += lot.units
        at = eta
        in_time += lot.units
    late += sum(lot.units for lot in lots if lot.eta is None)
    stockout = at + _days(stock / units_per_day)
    return Forecast(
        sellable=sellable,
        units_per_day=units_per_day,
        days_of_cover=max(sellable, 0) / units_per_day,
        stockout_at=stockout,
        stockout_without_lots_at=without,
        lots_in_time=in_time,
        lots_late=late,
    )


def recent_rate(
    sales: Iterable[tuple[int, datetime]], now: datetime, half_life_hours: float
) -> float:
    """Units per hour, weighted by recency with this half-life, from the sales themselves:
    the rate domain.demand keeps, worked out afresh (for a shorter half-life than the kept one,
    from the sales of the last few half-lives)."""
    rate = 0.0
    for units, at in sales:
        hours = max((now - at).total_seconds() / 3600, 0.0)
        rate += units * math.log(2) / half_life_hours * math.pow(2.0, -hours / half_life_hours)
    return rate


def _days(days: float) -> timedelta:
    return timedelta(days=min(days, 36_500))  # beyond a century reads as "never" anyway
