"""Returns the platforms report (PlatformReturns) and the stock their fulfilment networks hold
(FulfilledStockFeed), on both engines, against a fake platform: a return is received into
quality_control where its order shipped from, once however often it is reported; one the
platform reports before stockpool saw the shipment ships the units first; a bad one is refused
and skipped. FBA stock becomes a snapshot of the location that serves Amazon alone."""

from __future__ import annotations

from datetime import timedelta

import pytest

from stockpool.domain.catalog import Location, LocationKind
from stockpool.domain.channels import Platform
from stockpool.domain.errors import PlatformUnavailable
from stockpool.domain.listings import Listing
from stockpool.domain.movements import Reason
from stockpool.domain.operations import Receive
from stockpool.domain.orders import OrderStatus
from stockpool.domain.platforms import (
    FulfilledRow,
    FulfilledStock,
    PlatformOrder,
    PlatformOrderLine,
    PlatformOrderState,
    PlatformReturn,
)
from stockpool.domain.returns import ReturnStatus
from tests.sync.fakes import FakePlatform

TEE, MUG = "TEE-M-BLK", "MUG-12OZ"
DAL, FBA, STORE = "DAL-1", "FBA-US", "NYC-STORE"


@pytest.fixture
def amazon(container, seeded, clock) -> FakePlatform:
    """The amazon channel with TEE and MUG listed, 10 of each at Dallas; its fake platform."""
    for sku in (TEE, MUG):
        container.listings.put(Listing("amazon", f"A-{sku}", sku, fulfillment_channel="DEFAULT"))
        container.stock.execute(Receive(sku, DAL, 10), actor="test")
    return FakePlatform(Platform.AMAZON, clock)


def order(container, clock, external_id: str, *lines: tuple[str, int], ship: bool = True) -> int:
    """An Amazon order taken (and shipped by the warehouse, unless ship=False); its id."""
    now = clock()
    placed = PlatformOrder(
        external_id,
        PlatformOrderState.OPEN,
        tuple(PlatformOrderLine(f"A-{sku}", units) for sku, units in lines),
        now,
        now,
    )
    [answer] = container.platform_orders.take("amazon", [placed])
    if ship:
        container.fulfilment.ship(answer.order.id, None, actor="warehouse")
    return answer.order.id


def returned(return_id: str, external_id: str, *lines: tuple[str, int], clock) -> PlatformReturn:
    units = tuple(PlatformOrderLine(f"A-{sku}", n) for sku, n in lines)
    return PlatformReturn(return_id, external_id, units, clock(), "Defective")


def balance(container, sku: str, location: str = DAL):
    return container.catalog.stock(sku).locations[location]


def test_a_reported_return_is_received_into_quality_control_once(container, amazon, clock):
    order(container, clock, "111-1", (TEE, 2), (MUG, 1))
    before = balance(container, TEE)
    report = returned("RMA-1", "111-1", (TEE, 1), (MUG, 1), clock=clock)
    assert container.platform_returns.take("amazon", [report]).new == 1
    assert container.platform_returns.take("amazon", [report]).new == 0  # webhook, then poll
    [found] = container.returns.listed(ReturnStatus.AWAITING_INSPECTION)
    assert found.found.platform_return_id == "RMA-1"
    assert found.found.location == DAL
    assert [(line.sku, line.quantity) for line in found.found.lines] == [(MUG, 1), (TEE, 1)]
    after = balance(container, TEE)
    assert (after.quality_control, after.available) == (1, before.available)  # not sellable


def test_a_return_of_units_stockpool_still_holds_ships_them_first(container, amazon, clock):
    order_id = order(container, clock, "111-2", (TEE, 3), ship=False)
    report = returned("RMA-2", "111-2", (TEE, 2), clock=clock)
    assert container.platform_returns.take("amazon", [report]).new == 1
    [line] = container.orders.get(order_id).lines
    assert (line.shipped, line.committed) == (2, 1)  # the platform's shipment, then the return
    assert balance(container, TEE).quality_control == 2
    assert container.orders.get(order_id).status == OrderStatus.COMMITTED


def test_a_return_is_received_where_most_of_its_units_shipped_from(container, amazon, clock):
    container.catalog.put_locations([Location("RNO-1", LocationKind.WAREHOUSE, "Reno")])
    container.stock.execute(Receive(TEE, "RNO-1", 10), actor="test")
    order(container, clock, "111-3", (TEE, 12))  # 10 from one warehouse, 2 from the other
    shipped = {
        e.movement.location: e.movement.quantity
        for e in container.ledger.entries(reference="order:amazon:111-3")
        if e.movement.reason == Reason.SHIPPED
    }
    most = max(shipped, key=lambda location: shipped[location])
    report = returned("RMA-3", "111-3", (TEE, 1), clock=clock)
    container.platform_returns.take("amazon", [report])
    [found] = container.returns.listed()
    assert found.found.location == most


def test_bad_returns_are_refused_and_the_rest_taken(container, amazon, clock):
    order(container, clock, "111-4", (TEE, 1))
    reports = [
        returned("RMA-4", "999-UNKNOWN", (TEE, 1), clock=clock),
        PlatformReturn("RMA-5", "111-4", (PlatformOrderLine("NOT-LISTED", 1),), clock(), ""),
        returned("RMA-6", "111-4", (TEE, 2), clock=clock),  # more than shipped
        returned("RMA-7", "111-4", (TEE, 1), clock=clock),
    ]
    taken = container.platform_returns.take("amazon", reports)
    assert taken.new == 1
    assert [reason.split(":")[0] for reason in taken.refused] == [
        "return RMA-4 of order 999-UNKNOWN",
        "return RMA-5 of order 111-4",
        "return RMA-6 of order 111-4",
    ]
    assert "NOT-LISTED" in taken.refused[1] and "at most 1 more" in taken.refused[2]
    [found] = container.returns.listed()
    assert found.found.platform_return_id == "RMA-7"


def test_polling_takes_each_page_and_stores_the_cursor(container, amazon, clock):
    for n in range(1, 4):
        order(container, clock, f"111-{n}", (TEE, 1))
    amazon.returns = [returned(f"RMA-{n}", f"111-{n}", (TEE, 1), clock=clock) for n in (1, 2, 3)]
    amazon.returns_page = 2
    first = container.platform_returns.poll("amazon", amazon.connector())
    assert (first.returns, first.taken.new, first.pages, first.cursor) == (3, 3, 3, "3")
    again = container.platform_returns.poll("amazon", amazon.connector())
    assert (again.returns, again.taken.new) == (0, 0)
    amazon.down = True
    with pytest.raises(PlatformUnavailable):
        container.platform_returns.poll("amazon", amazon.connector())
    assert len(container.returns.listed()) == 3


def test_fba_stock_is_applied_as_a_snapshot_of_the_location_that_serves_amazon_alone(
    container, amazon, clock
):
    container.stock.execute(Receive(TEE, FBA, 5), actor="test")
    container.stock.execute(Receive(MUG, FBA, 4), actor="test")
    clock.advance(minutes=1)
    amazon.fulfilled = FulfilledStock(
        clock() - timedelta(seconds=5),
        (
            FulfilledRow(f"A-{TEE}", 7, damaged=1, quality_control=1),
            FulfilledRow("UNLISTED", 3),
        ),
    )
    assert container.fulfilled_stock.locations_fed_by("amazon") == [FBA]
    assert container.fulfilled_stock.locations_fed_by("shopify") == []  # NYC serves it: a store
    fetched = container.fulfilled_stock.fetch("amazon", amazon.connector())
    assert fetched.unmapped == ("UNLISTED",)
    [done] = fetched.applied
    assert done.snapshot.location == FBA and done.snapshot.movements > 0
    tee, mug = balance(container, TEE, FBA), balance(container, MUG, FBA)
    assert (tee.on_hand, tee.damaged, tee.quality_control, tee.available) == (7, 1, 1, 5)
    assert mug.on_hand == 0  # Amazon holds none of it any more
    again = container.fulfilled_stock.fetch("amazon", amazon.connector())
    assert again.applied[0].replayed  # the same reading: nothing moves twice
    reasons = {
        e.movement.reason
        for e in container.ledger.entries(location=FBA)
        if e.movement.reason != Reason.RECEIVED
    }
    assert reasons == {Reason.SNAPSHOT_RECONCILE}


def test_a_platform_without_a_fulfilment_network_feeds_nothing(container, amazon, clock):
    amazon.fulfilled = None
    assert container.fulfilled_stock.fetch("amazon", amazon.connector()).applied == ()
