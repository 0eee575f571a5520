"""Scenarios built in the tests, small enough to run many times."""

from __future__ import annotations

from typing import Any

from stockpool.sim.scenario import Scenario


def scenario(**overrides: Any) -> Scenario:
    """One SKU on two or three channels; overrides replace top-level fields."""
    data: dict[str, Any] = {
        "name": "test",
        "hours": 24,
        "channels": [
            {"code": "shopify", "platform": "shopify", "demand_share": 1},
            {"code": "amazon", "platform": "amazon", "demand_share": 1},
        ],
        "catalog": {"skus": 1, "demand_per_day": 96, "stock": 10},
    }
    data.update(overrides)
    return Scenario.model_validate(data)
