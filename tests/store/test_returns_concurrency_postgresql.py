"""Returns racing on PostgreSQL: returns of one order for its last shipped units, and
inspections of one return for its last awaiting units, are decided one after the other."""

from __future__ import annotations

from collections import Counter

import pytest

from stockpool.domain.balance import Balance
from stockpool.domain.listings import Listing
from stockpool.domain.operations import Receive
from stockpool.domain.platforms import (
    PlatformOrder,
    PlatformOrderLine,
    PlatformOrderState,
    PlatformReturn,
)
from stockpool.domain.returns import Disposition, Inspection, NewReturn
from tests.store.test_concurrency_postgresql import race
from tests.store.test_returns import shipped_order

pytestmark = pytest.mark.postgresql

THREADS = 8


def test_returns_racing_for_an_orders_shipped_units_take_back_exactly_those(pg):
    container, names = pg
    shipped_order(container, names, units=3)
    one = NewReturn("shopify", "S-1", names.dallas, ((names.tee, 1),), "too small")
    results = race(THREADS, lambda i: container.returns.open(one, actor=f"desk-{i}"))
    assert Counter(type(r).__name__ for r in results) == {"Returned": 3, "Conflict": THREADS - 3}
    assert container.catalog.stock(names.tee).locations[names.dallas] == Balance(quality_control=3)
    assert container.ledger.check() == []


def test_inspections_racing_for_a_returns_units_inspect_each_once(pg):
    container, names = pg
    shipped_order(container, names, units=3)
    three = NewReturn("shopify", "S-1", names.dallas, ((names.tee, 3),), "too small")
    opened = container.returns.open(three, actor="desk").view.found
    restock = Inspection(names.tee, 1, Disposition.RESTOCK)
    results = race(
        THREADS, lambda i: container.returns.inspect(opened.id, restock, actor=f"qc-{i}")
    )
    outcomes = Counter(type(r).__name__ for r in results)
    assert outcomes["Returned"] == 3 and sum(outcomes.values()) == THREADS, outcomes
    assert set(outcomes) <= {"Returned", "Conflict", "InsufficientStock"}
    assert container.returns.get(opened.id).found.awaiting == 0
    assert container.catalog.stock(names.tee).locations[names.dallas] == Balance(available=3)
    assert container.ledger.check() == []


def test_one_platform_return_reported_by_several_takers_at_once_is_taken_once(pg):
    """Its webhook and its poll at once, say: one return, and the units the platform shipped
    (still committed in stockpool) shipped once."""
    container, names = pg
    container.listings.put(Listing("amazon", "A-TEE", names.tee, fulfillment_channel="DEFAULT"))
    container.stock.execute(Receive(names.tee, names.dallas, 10), actor="t")
    now = container.clock()
    placed = PlatformOrder(
        "111-9", PlatformOrderState.OPEN, (PlatformOrderLine("A-TEE", 5),), now, now
    )
    [answer] = container.platform_orders.take("amazon", [placed])
    report = PlatformReturn("RMA-9", "111-9", (PlatformOrderLine("A-TEE", 2),), now, "broken")
    results = race(THREADS, lambda i: container.platform_returns.take("amazon", [report]))
    assert sum(r.new for r in results) == 1 and not any(r.refused for r in results), results
    [line] = container.orders.get(answer.order.id).lines
    assert (line.shipped, line.committed) == (2, 3)
    assert container.catalog.stock(names.tee).locations[names.dallas] == Balance(
        available=5, committed=3, quality_control=2
    )
    assert container.ledger.check() == []
