"""Issue 13's acceptance, end to end: stockpool served with its embedded worker and the three
sandbox marketplaces, each its own process, propagation delays on (Shopify 2 s, Amazon and
Walmart 5 s). Buyers' orders on all three are each taken once; no buyer takes a unit the pool did
not have; every channel converges within a bound measured and printed. The same orders with the
worker off and every platform showing the whole pool oversell (the article's point).

The loop runs on both engines (~35 s each); the worker-off comparison on SQLite only (the
oversell happens on the platforms, whatever stockpool's engine)."""

from __future__ import annotations

from collections import Counter
from functools import partial

import pytest

from tests.e2e.loop import (
    HOT,
    RECEIVED,
    SKUS,
    all_ingested,
    buyers,
    committed,
    connect,
    converged,
    held_by_orders,
    ingested,
    placed,
    sold,
    stock_up,
    timings,
)
from tests.e2e.processes import PLATFORMS, Processes, paced

ATTEMPTS = 60  # buyers' orders of one unit: 24 and 21 on the hot SKUs, 15 on the others
PACE_SECONDS = 20
# Seconds after the last order until every channel shows stockpool's number (measured 0-6 s on
# both engines: an own sale needs no push, a rival's number that moved lands after the platform's
# delay, 5 s on Amazon and Walmart). The bound leaves room for a loaded machine and for a listing
# reconciliation has to repair (every 5 s here, drift after 2 x lag).
CONVERGE_BOUND = 45
# Amazon's searchOrders allows a burst of 20, then one call every 3 minutes: polled every second,
# the burst is gone before the last order and Amazon's last orders would come minutes late.
POLL_SECONDS = 3
# At least the buyers' rate on a hot SKU, all platforms together, told to the risk model as each
# channel's (units a day): its estimate, with a half-life of a day, cannot learn a 20-second burst,
# and at the default floor (half a unit a day) it holds nothing back (27 of 20 sold, seen). At
# this demand the pool is partitioned from the start: each sale lowers only the seller's share,
# which its platform already shows, so nothing is pushed that could land late and show a unit
# sold meanwhile again (before the partition counted orders' holdings, 21-23 of 20 were sold).
DEMAND = {
    "STOCKPOOL_DEMAND_FLOOR_PER_DAY": str(ATTEMPTS // len(HOT) // 3 * 3 * 86_400 // PACE_SECONDS)
}


def test_orders_on_three_platforms_are_taken_once_and_never_oversell(
    processes: Processes, database_url
):
    sandboxes = processes.sandboxes(len(SKUS), seed=13)
    stockpool = processes.stockpool(database_url, poll_seconds=POLL_SECONDS, settings=DEMAND)
    stock_up(stockpool)
    connect(stockpool, sandboxes)
    first = converged(stockpool, sandboxes, seconds=60)

    taken = paced(
        [partial(sandboxes.order, platform, sku) for platform, sku in buyers(ATTEMPTS)],
        PACE_SECONDS,
    )
    after = converged(stockpool, sandboxes, seconds=60)
    all_ingested(stockpool, sandboxes)
    print(
        f"\nworker on: {sum(taken)} of {ATTEMPTS} orders taken; in sync after connecting: "
        f"{timings(first)}; after the last order: {timings(after)} (bound {CONVERGE_BOUND}s)"
    )

    for platform in PLATFORMS:  # each order once: a Shopify order comes by webhook and by poll
        ids = ingested(stockpool, platform)
        assert sorted(ids) == sorted(placed(sandboxes, platform)), platform
        assert len(ids) == len(set(ids)), platform
    units = sold(sandboxes)
    assert sum(units.values()) == sum(taken)
    held = held_by_orders(stockpool)
    for sku in SKUS:  # every unit sold is in stockpool: committed, or short (in conflict)
        assert held[sku] == units[sku], sku
        assert committed(stockpool, sku) <= RECEIVED, sku
    assert after["all"] <= CONVERGE_BOUND
    assert all(units[sku] <= RECEIVED for sku in SKUS), (units, RECEIVED)  # nothing oversold


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_the_same_orders_without_the_worker_oversell(processes: Processes, database_url):
    sandboxes = processes.sandboxes(len(SKUS), seed=13)
    stockpool = processes.stockpool(database_url, worker="off")
    stock_up(stockpool)
    connect(stockpool, sandboxes)
    for platform in PLATFORMS:  # each platform mirrors the whole pool; nothing is ever pushed
        for sku in SKUS:
            sandboxes.put(platform, f"/listings/{sku}", {"shown": RECEIVED})

    # Nothing changes what the platforms show while no worker runs: no need to pace.
    taken = [sandboxes.order(platform, sku) for platform, sku in buyers(ATTEMPTS)]
    units: Counter[str] = sold(sandboxes)
    pool = RECEIVED * len(HOT)
    hot = sum(units[sku] for sku in HOT)
    print(f"\nworker off: the platforms sold {hot} units of the hot SKUs, a pool of {pool}")
    assert all(taken)
    assert hot > pool
    assert all(units[sku] > RECEIVED for sku in HOT)
