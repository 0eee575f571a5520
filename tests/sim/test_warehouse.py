"""The simulated warehouse keeps its books: returns come back through inspection, shrinkage is
found by counts or at picking, purchase orders land; no state goes below zero and every unit is
accounted for."""

from __future__ import annotations

import pytest

from stockpool.sim.run import Lab, draw
from stockpool.sim.strategies import strategy
from tests.sim.conftest import scenario

TWO_LOCATIONS = [{"code": "WH-1", "stock_share": 1}, {"code": "WH-2", "stock_share": 1}]


def busy_warehouse(**overrides):
    return scenario(
        hours=24 * 30,
        catalog={"skus": 5, "demand_per_day": 6, "stock_days": 5, "quantity_weights": [2, 1]},
        returns={"rate": 0.5, "delay_hours": 48, "inspection_hours": 24, "restock_rate": 0.6},
        shrinkage={"units_per_sku_per_day": 0.2, "count_every_hours": 72},
        replenishment={"reorder_days": 3, "order_days": 10, "lead_time_hours": 96},
        **overrides,
    )


@pytest.mark.parametrize("locations", [1, 2])
def test_every_unit_is_accounted_for(locations: int) -> None:
    """The books: the start, plus purchase orders received, plus returns landed, less what
    shipped and what was written off, is what is here (available, committed, in QC, damaged).
    With two locations, short picks are routed again to the other one."""
    warehouse = busy_warehouse(**({"locations": TWO_LOCATIONS} if locations == 2 else {}))
    lab = Lab(warehouse, draw(warehouse, 4), strategy("stockpool", warehouse), None)
    start = sum(sum(s.available) for s in lab.stock)
    moved = {"shipped": 0, "returned": 0}
    real_ship, real_returned = lab.ship, lab.returned

    def ship(line):
        moved["shipped"] += line.units
        real_ship(line)

    def returned(line):
        moved["returned"] += line.units
        real_returned(line)

    lab.ship, lab.returned = ship, returned
    lab.loop.run(warehouse.hours * 3600)
    extras = lab.extras
    assert extras["returns"] and extras["restocked"] and extras["damaged"]
    assert extras["receipts"] and extras["found_missing"] and extras["short_at_picking"]
    assert bool(extras["rerouted"]) == (locations == 2)
    here = 0
    for stock in lab.stock:
        assert min(stock.available) >= 0 and min(stock.missing) >= 0
        assert all(m <= a for m, a in zip(stock.missing, stock.available, strict=True))
        assert stock.quality_control >= 0 and stock.damaged >= 0
        assert all(line.units >= 0 for line in stock.open)
        here += sum(stock.available) + sum(line.units for line in stock.open)
        here += stock.quality_control + stock.damaged
    written_off = sum(s.written_off for s in lab.stock)
    assert written_off >= extras["found_missing"]
    assert (
        start + extras["received_units"] + moved["returned"] - moved["shipped"] - written_off
        == here
    )
