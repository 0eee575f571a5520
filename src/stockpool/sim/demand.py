"""Simulated shoppers: Poisson arrivals per SKU and channel, with daily and weekly cycles and
promotions, drawn by thinning; each shopper's quantity and what becomes of the order if it
ships (returned or not, after how long, restocked or damaged).

Everything random about shoppers is drawn here, once per scenario and seed, from streams of
their own: every strategy replays the same shoppers (common random numbers).
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from stockpool.sim.scenario import Promotion, Scenario

EPOCH = datetime(2026, 1, 5, tzinfo=UTC)  # the run's start: a Monday 00:00, for the cycles
HOUR = 3600.0
DAY = 86400.0


def at(seconds: float) -> datetime:
    """The simulated clock as the domain takes it."""
    return EPOCH + timedelta(seconds=seconds)


@dataclass(frozen=True, slots=True)
class Shopper:
    time: float  # seconds from the start
    sku: int  # index into the scenario's SKUs
    channel: int  # index into the scenario's channels
    quantity: int
    returns_after: float | None  # seconds from shipping to its return landing, if it returns
    restocked: bool  # its return passes inspection (else damaged)


def sku_codes(scenario: Scenario) -> tuple[str, ...]:
    return tuple(f"SKU-{n:05d}" for n in range(scenario.catalog.skus))


def sku_demand(scenario: Scenario, seed: int) -> list[float]:
    """Each SKU's units a day over all channels: lognormal around the catalog's median."""
    catalog = scenario.catalog
    rng = random.Random(f"{seed}:sku-demand")
    return [
        catalog.demand_per_day * math.exp(catalog.demand_spread * rng.gauss(0.0, 1.0))
        for _ in range(catalog.skus)
    ]


def cycle(scenario: Scenario, seconds: float) -> float:
    """The demand multiplier of the hour of day and day of week."""
    c = scenario.cycles
    hours = seconds / HOUR
    daily = 1 + c.daily_amplitude * math.cos(2 * math.pi * (hours % 24 - c.daily_peak_hour) / 24)
    days = hours / 24
    weekly = 1 + c.weekly_amplitude * math.cos(2 * math.pi * (days % 7 - c.weekly_peak_day) / 7)
    return daily * weekly


def promoted(promotions: list[Promotion], seconds: float) -> float:
    """The promotions' multiplier at a moment (they multiply when they overlap)."""
    hours = seconds / HOUR
    factor = 1.0
    for promo in promotions:
        if promo.window.holds(hours):
            factor *= promo.multiplier
    return factor


def _applicable(scenario: Scenario, sku: int, channel: str) -> list[Promotion]:
    return [
        p
        for p in scenario.promotions
        if (p.skus is None or sku < p.skus) and (not p.channels or channel in p.channels)
    ]


def shoppers(scenario: Scenario, seed: int) -> list[Shopper]:
    """Every shopper of the run, in time order."""
    rng = random.Random(f"{seed}:shoppers")
    fates = random.Random(f"{seed}:returns")
    daily = sku_demand(scenario, seed)
    total_share = sum(c.demand_share for c in scenario.channels)
    c = scenario.cycles
    peak_cycle = (1 + c.daily_amplitude) * (1 + c.weekly_amplitude)
    quantities = list(range(1, len(scenario.catalog.quantity_weights) + 1))
    weights = list(scenario.catalog.quantity_weights)
    end = scenario.hours * HOUR
    found: list[Shopper] = []
    for sku, per_day in enumerate(daily):
        for index, channel in enumerate(scenario.channels):
            promos = _applicable(scenario, sku, channel.code)
            base = per_day * channel.demand_share / total_share / DAY  # per second
            ceiling = base * peak_cycle * math.prod(max(1.0, p.multiplier) for p in promos)
            t = 0.0
            while True:
                t += rng.expovariate(ceiling)
                if t >= end:
                    break
                if rng.random() * ceiling <= base * cycle(scenario, t) * promoted(promos, t):
                    quantity = rng.choices(quantities, weights)[0]
                    found.append(_shopper(scenario, fates, t, sku, index, quantity))
    found.sort(key=lambda s: (s.time, s.sku, s.channel))
    return found


def _shopper(
    scenario: Scenario, fates: random.Random, t: float, sku: int, channel: int, quantity: int
) -> Shopper:
    """A shopper with its order's fate drawn (always three draws, so streams stay aligned)."""
    returning, after, passes = fates.random(), fates.random(), fates.random()
    returns = scenario.returns
    if returns is None or returning >= returns.rate:
        return Shopper(t, sku, channel, quantity, None, False)
    delay = -math.log(1.0 - after) * returns.delay_hours * HOUR  # exponential, mean delay_hours
    return Shopper(t, sku, channel, quantity, delay, passes < returns.restock_rate)


def shrinkage(scenario: Scenario, seed: int) -> list[tuple[float, int]]:
    """Units lost unseen: (time, SKU), Poisson per SKU."""
    lost = scenario.shrinkage
    if lost is None:
        return []
    rng = random.Random(f"{seed}:shrinkage")
    rate = lost.units_per_sku_per_day / DAY
    end = scenario.hours * HOUR
    found: list[tuple[float, int]] = []
    for sku in range(scenario.catalog.skus):
        t = rng.expovariate(rate)
        while t < end:
            found.append((t, sku))
            t += rng.expovariate(rate)
    return sorted(found)
