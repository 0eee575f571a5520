"""Near the last units, on both engines: the partition counts what each channel's open orders
hold, so a sale lowers the seller's number alone - incrementally and in a full recompute alike."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from stockpool.domain.operations import Receive
from stockpool.domain.orders import NewOrder, OrderLine
from tests.conftest import Catalog, make_container, seed

# Every channel sells a unit a second and hears minutes late: the risk numbers would show nothing.
BUSY = {"demand_floor_per_day": 86_400}


@pytest.fixture
def busy(database_url: str, clock) -> Iterator[tuple[object, Catalog]]:
    container = make_container(database_url, clock, **BUSY)
    yield container, seed(container)
    container.close()


def sell(container, clock, channel: str, external_id: str, sku: str) -> None:
    container.intake.ingest(
        NewOrder(channel, external_id, (OrderLine(sku, 1),), clock.now), actor="test"
    )


def test_a_sale_near_the_last_units_moves_only_the_sellers_number(busy, clock):
    container, names = busy
    container.stock.execute(Receive(names.tee, names.dallas, 10), actor="test")
    before = container.availability.stored(names.tee)
    explained = container.availability.explain(names.tee).channels
    assert {c.decision.mode for c in explained} == {"partition"}
    assert sum(before.values()) == 10

    seller = max(before, key=lambda code: before[code])
    sell(container, clock, seller, "A-1", names.tee)
    sell(container, clock, seller, "A-2", names.tee)

    after = container.availability.stored(names.tee)
    assert after == {code: n - 2 * (code == seller) for code, n in before.items()}
    container.availability.recompute_all()  # the full recompute reads the holdings too
    assert container.availability.stored(names.tee) == after
