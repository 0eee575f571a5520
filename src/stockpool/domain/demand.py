"""Demand per SKU and channel: an exponentially weighted rate, so recent sales count most.

Each unit sold adds ln 2 / half-life to the rate (units per hour), and the rate halves every
half-life with no sales: the rate stays the units sold per hour, weighted by how recent they are.
A floor stands in for SKUs too new to have a history.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True, slots=True)
class Rate:
    """units_per_hour as it was at as_of."""

    units_per_hour: float
    as_of: datetime


def decayed(rate: Rate, now: datetime, half_life_hours: float) -> float:
    """The rate at now, with no sales since rate.as_of."""
    hours = (now - rate.as_of).total_seconds() / 3600
    if hours <= 0:
        return rate.units_per_hour
    return rate.units_per_hour * math.pow(2.0, -hours / half_life_hours)


def with_sale(rate: Rate | None, units: int, at: datetime, half_life_hours: float) -> Rate:
    """The rate after units sold at a moment (which may be earlier than the rate's own: an
    order that arrived late counts for what its age leaves of it)."""
    impulse = units * math.log(2) / half_life_hours
    if rate is None:
        return Rate(impulse, at)
    if at >= rate.as_of:
        return Rate(decayed(rate, at, half_life_hours) + impulse, at)
    late = impulse * math.pow(2.0, -(rate.as_of - at).total_seconds() / 3600 / half_life_hours)
    return Rate(rate.units_per_hour + late, rate.as_of)


@dataclass(frozen=True, slots=True)
class Used:
    """The rate a decision uses, and whether the floor set it."""

    units_per_hour: float
    measured: float
    floored: bool


def used(measured: float, floor_per_hour: float) -> Used:
    if measured >= floor_per_hour:
        return Used(measured, measured, False)
    return Used(floor_per_hour, measured, True)
