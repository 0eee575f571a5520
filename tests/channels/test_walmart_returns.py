"""The Walmart connector's returns and WFS stock against the Walmart sandbox: a return comes back
once its units are received, exactly once across polls, and WFS stock is read over every page."""

from __future__ import annotations

import pytest

from stockpool.channels.resilience import Backoff
from stockpool.channels.walmart.client import WalmartRefused
from stockpool.domain.errors import PlatformUnavailable
from stockpool.domain.platforms import FulfilledRow, PlatformOrderLine, PlatformReturn
from stockpool.sandbox.walmart.epoch import iso, now_ms
from tests.channels.walmart_support import World, served_world

world = pytest.fixture(served_world, name="world")


def shipped(world: World, sku: str = "SKU-0001", units: int = 2) -> str:
    purchase_order_id = world.buy(sku, units)
    world.ship(purchase_order_id)
    return purchase_order_id


def test_a_return_comes_back_once_received_and_only_once(world: World) -> None:
    purchase_order_id = shipped(world, "SKU-0002", 3)
    connector = world.connector(page_size=2)
    first = connector.returns_since(None)
    assert first.returns == ()
    return_order_id = world.return_units(purchase_order_id, "SKU-0002", 2, reason="DAMAGED_ITEM")
    initiated = connector.returns_since(first.cursor)
    assert initiated.returns == ()  # on its way back: not with the seller yet
    world.receive(return_order_id)
    third = connector.returns_since(initiated.cursor)
    [received] = third.returns
    assert received == PlatformReturn(
        return_id=f"{return_order_id}/{purchase_order_id}/1",
        order_external_id=purchase_order_id,
        lines=(PlatformOrderLine("SKU-0002", 2),),
        returned_at=received.returned_at,
        reason="DAMAGED_ITEM",
    )
    [order] = connector.orders_since(None).orders
    assert order.external_id == received.order_external_id  # the id orders polling uses
    cursor = third.cursor
    with world.walmart.lock:  # Walmart completes the refund later: the return is modified again
        [line] = world.walmart.return_orders[0]["returnOrderLines"]
        later = iso(now_ms() + 1)
        line.update(status="COMPLETED", currentRefundStatus="REFUND_COMPLETED", statusTime=later)
        line["returnTrackingDetail"].append(
            {"sequenceNo": 2, "eventTag": "REFUND_COMPLETED", "eventTime": later}
        )
    for _ in range(2):
        page = connector.returns_since(cursor)
        assert page.returns == ()
        cursor = page.cursor
    assert {call["status"] for call in world.calls("/v3/returns")} == {200}


def test_returns_across_pages_come_once_each_received_or_not(world: World) -> None:
    purchase_order_id = shipped(world, "SKU-0001", 5)
    connector = world.connector(page_size=2)
    cursor = connector.returns_since(None).cursor
    made = [world.return_units(purchase_order_id, "SKU-0001", 1) for _ in range(5)]
    for return_order_id in made[:3]:
        world.receive(return_order_id)
    page = connector.returns_since(cursor)
    assert sorted(r.return_id.split("/")[0] for r in page.returns) == sorted(made[:3])
    assert len(world.calls("/v3/returns")) == 1 + 3  # the first poll, then 2+2+1
    world.receive(made[4])
    [late] = connector.returns_since(page.cursor).returns
    assert late.return_id.startswith(made[4] + "/")


def test_a_poll_cut_short_resumes_its_pages(world: World) -> None:
    purchase_order_id = shipped(world, "SKU-0003", 5)
    made = [world.return_units(purchase_order_id, "SKU-0003", 1, received=True) for _ in range(5)]
    connector = world.connector(page_size=2, max_pages=1)
    seen: list[str] = []
    cursor = None
    for _ in range(4):
        page = connector.returns_since(cursor)
        seen += [r.return_id.split("/")[0] for r in page.returns]
        cursor = page.cursor
    assert sorted(seen) == sorted(made)  # each once


def test_a_cursor_that_is_not_the_connectors_says_how_to_recover(world: World) -> None:
    with pytest.raises(WalmartRefused, match="Clear the channel's returns cursor"):
        world.connector().returns_since("not json")


def test_walmart_failing_the_returns_call_is_platform_unavailable(world: World) -> None:
    world.walmart.faults.error_rate = 1.0
    connector = world.connector(backoff=Backoff(attempts=2, jitter=lambda: 0.5))
    with pytest.raises(PlatformUnavailable, match="SYSTEM_ERROR"):
        connector.returns_since(None)
    with pytest.raises(PlatformUnavailable):
        connector.fulfilled_stock()


def test_wfs_stock_is_read_over_every_page(world: World) -> None:
    stock = {
        "WFS-01": (4, 4),
        "WFS-02": (0, 0),
        "WFS-03": (9, 6),
        "WFS-04": (1, 0),
        "WFS-05": (7, 7),
    }
    for sku, (on_hand, available) in stock.items():
        world.set_wfs(sku, on_hand, available)
    connector = world.connector(page_size=2)
    found = connector.fulfilled_stock()
    assert found is not None
    assert found.rows == tuple(FulfilledRow(sku, on_hand) for sku, (on_hand, _) in stock.items())
    queries = [call["query"] for call in world.calls("/v3/fulfillment/inventory")]
    assert queries == ["offset=0&limit=2", "offset=2&limit=2", "offset=4&limit=2"]


def test_no_wfs_stock_is_an_empty_snapshot(world: World) -> None:
    found = world.connector().fulfilled_stock()
    assert found is not None and found.rows == ()


def test_more_wfs_pages_than_allowed_is_refused_not_cut_short(world: World) -> None:
    for number in range(5):
        world.set_wfs(f"WFS-{number}", 1)
    with pytest.raises(WalmartRefused, match="raise the connector's max_pages"):
        world.connector(page_size=2, max_pages=2).fulfilled_stock()
    enough = world.connector(page_size=2, max_pages=3).fulfilled_stock()
    assert enough is not None and len(enough.rows) == 5
