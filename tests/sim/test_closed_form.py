"""The simulator against a value worked out by hand."""

from __future__ import annotations

import math

from stockpool.sim.run import draw, simulate
from stockpool.sim.strategies import strategy
from tests.sim.conftest import scenario

RUNS = 2000
Z_99 = 2.576


def test_mirror_oversells_as_often_as_the_closed_form_says() -> None:
    """One unit, two channels A and B showing it (mirror), Poisson shoppers at rates a and b
    (one unit each), every push landing a fixed L late.

    The first shopper (at T1) is on A with probability a / (a + b) and buys the unit; A takes
    it off its own number at once, B hears of it at T1 + L. B oversells exactly when one of its
    shoppers arrives in (T1, T1 + L]: probability 1 - exp(-b L) (Poisson, memoryless; later
    shoppers see 0 on both). Symmetrically when B sells first. So

        P(oversell) = a/(a+b) (1 - e^{-b L}) + b/(a+b) (1 - e^{-a L})

    (the run is long enough - 24 h at 4 shoppers an hour - for a first sale and its whole
    window to happen, but for e^-90). With a = 3/h, b = 1/h, L = 15 min: 0.2978. The share of
    RUNS seeded runs that oversell must lie within its 99% interval."""
    a, b, lag_hours = 3.0, 1.0, 0.25
    race = scenario(
        hours=24,
        channels=[
            {"code": "shopify", "platform": "shopify", "demand_share": a,
             "delay_median_seconds": lag_hours * 3600, "delay_sigma": 0},
            {"code": "amazon", "platform": "amazon", "demand_share": b,
             "delay_median_seconds": lag_hours * 3600, "delay_sigma": 0},
        ],
        catalog={"skus": 1, "demand_per_day": (a + b) * 24, "stock": 1},
    )  # fmt: skip
    expected = a / (a + b) * (1 - math.exp(-b * lag_hours)) + b / (a + b) * (
        1 - math.exp(-a * lag_hours)
    )
    mirror = strategy("mirror", race)
    hits = sum(
        simulate(race, draw(race, seed), mirror).total("oversold_orders") > 0
        for seed in range(RUNS)
    )
    observed = hits / RUNS
    half_width = Z_99 * math.sqrt(expected * (1 - expected) / RUNS)
    assert abs(observed - expected) <= half_width, (observed, expected, half_width)
