"""The Walmart connector against the Walmart sandbox: pushes and feeds, what is shown, the
catalogue, orders polled by cursor and acknowledged, lines cancelled, and Walmart's throttling
and failures met with retries and the circuit breaker."""

from __future__ import annotations

import pytest

from stockpool.channels.resilience import Backoff, CircuitBreaker
from stockpool.channels.walmart import WalmartConnector, catalogue
from stockpool.domain.errors import CircuitOpen, PlatformUnavailable, WebhookRefused
from stockpool.domain.platforms import (
    CancellationOutcome,
    FeedState,
    Outcome,
    PlatformItem,
    PlatformOrderLine,
    PlatformOrderState,
)
from stockpool.domain.sync_health import Vitals
from stockpool.services.ports.connectors import Connector
from tests.channels.walmart_support import (
    DELAY,
    FEED_SECONDS,
    World,
    listing,
    push,
    served_world,
    walmart_time,
)

world = pytest.fixture(served_world, name="world")


def test_the_connector_is_a_connector(world: World) -> None:
    connector: Connector = world.connector()  # mypy checks the Protocol here
    assert connector.platform == "walmart"


def test_a_push_shows_on_walmart_once_its_delay_has_passed(world: World) -> None:
    connector = world.connector()
    node = world.walmart.ship_node
    [pushed] = connector.push([push("SKU-0001", 7, ship_node=node)])
    assert pushed.outcome == Outcome.APPLIED
    assert [s.quantity for s in connector.shown([listing("SKU-0001", node)])] == [10]
    world.clock.now += DELAY
    assert [s.quantity for s in connector.shown([listing("SKU-0001", node)])] == [7]
    [put] = [call for call in world.calls("/v3/inventory") if call["method"] == "PUT"]
    assert f"shipNode={node}" in put["query"]
    assert put["headers"]["wm_svc.name"] == "Walmart Marketplace"
    assert put["headers"]["wm_qos.correlation_id"]


def test_a_push_walmart_refuses_is_refused_with_what_walmart_said(world: World) -> None:
    results = world.connector().push([push("NO-SUCH-SKU", 3), push("SKU-0002", 4)])
    assert [r.outcome for r in results] == [Outcome.REFUSED, Outcome.APPLIED]
    assert "CONTENT_NOT_FOUND" in (results[0].detail or "")


def test_a_feed_per_ship_node_is_followed_to_done_with_a_result_per_push(world: World) -> None:
    connector = world.connector()
    node = world.walmart.ship_node
    pushes = [push("SKU-0001", 1, node), push("NOPE", 2, node), push("SKU-0003", 3, node)]
    feed = connector.push_feed(pushes)
    assert "feedType=MP_INVENTORY" in world.calls("/v3/feeds")[0]["query"]
    assert connector.feed(feed).state == FeedState.PROCESSING
    world.clock.now += FEED_SECONDS
    done = connector.feed(feed)
    assert done.state == FeedState.DONE
    assert [(r.push, r.outcome) for r in done.results] == [
        (pushes[0], Outcome.APPLIED),
        (pushes[1], Outcome.REFUSED),
        (pushes[2], Outcome.APPLIED),
    ]
    assert "NOPE" in (done.results[1].detail or "")
    world.clock.now += DELAY
    shown = connector.shown([listing("SKU-0001"), listing("SKU-0003")])
    assert [s.quantity for s in shown] == [1, 3]


def test_listings_without_a_ship_node_go_in_the_plain_inventory_feed(world: World) -> None:
    connector = world.connector()
    feed = connector.push_feed([push("SKU-0002", 5)])
    assert "feedType=inventory" in world.calls("/v3/feeds")[0]["query"]
    world.clock.now += FEED_SECONDS
    assert [r.outcome for r in connector.feed(feed).results] == [Outcome.APPLIED]


def test_shown_says_none_for_a_sku_walmart_does_not_know(world: World) -> None:
    shown = world.connector().shown([listing("SKU-0004"), listing("GONE")])
    assert [(s.channel_sku, s.quantity) for s in shown] == [("SKU-0004", 10), ("GONE", None)]


def test_the_catalogue_pages_every_item_sold_or_never_sold(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(catalogue, "ITEMS_PAGE", 2)
    world.buy("SKU-0004")
    with world.walmart.lock:
        world.walmart.add_listing("NEVER-SOLD", 3)
    node = world.walmart.ship_node
    assert world.connector().catalogue() == [
        PlatformItem(sku, ship_node=node)
        for sku in ("NEVER-SOLD", "SKU-0001", "SKU-0002", "SKU-0003", "SKU-0004", "SKU-0005")
    ]
    assert [call["status"] for call in world.calls("/v3/items")] == [200, 200, 200]


def test_orders_come_back_once_each_across_pages_and_polls(world: World) -> None:
    placed = [world.buy(f"SKU-000{1 + n % 5}") for n in range(5)]
    connector = world.connector(page_size=2)
    first = connector.orders_since(None)
    assert sorted(o.external_id for o in first.orders) == sorted(placed)
    assert {o.state for o in first.orders} == {PlatformOrderState.OPEN}
    assert len([c for c in world.calls("/v3/orders") if c["method"] == "GET"]) == 3  # 2+2+1
    again = connector.orders_since(first.cursor)
    assert again.orders == ()
    later = world.buy("SKU-0005", 2)
    third = connector.orders_since(again.cursor)
    assert [(o.external_id, o.lines) for o in third.orders] == [
        (later, (PlatformOrderLine("SKU-0005", 2),))
    ]
    assert connector.orders_since(third.cursor).orders == ()


def test_a_poll_cut_short_resumes_its_pages_from_the_cursor(world: World) -> None:
    placed = {world.buy() for _ in range(5)}
    connector = world.connector(page_size=2, max_pages=1)
    seen: list[str] = []
    cursor = None
    for _ in range(4):
        page = connector.orders_since(cursor)
        seen += [order.external_id for order in page.orders]
        cursor = page.cursor
    assert sorted(seen) == sorted(placed)  # each once


def test_acknowledged_orders_are_acknowledged_on_walmart_and_stay_open(world: World) -> None:
    purchase_order_id = world.buy("SKU-0003", 2)
    connector = world.connector()
    page = connector.orders_since(None)
    connector.acknowledge(page.orders)
    with world.walmart.lock:
        [order] = world.walmart.orders
    statuses = order["orderLines"]["orderLine"][0]["orderLineStatuses"]["orderLineStatus"]
    assert [s["status"] for s in statuses] == ["Acknowledged"]
    [changed] = connector.orders_since(page.cursor).orders
    assert (changed.external_id, changed.state) == (purchase_order_id, PlatformOrderState.OPEN)


def test_a_line_settled_as_cancel_is_cancelled_on_walmart(world: World) -> None:
    purchase_order_id = world.buy("SKU-0002", 2)
    connector = world.connector()
    partly = connector.cancel_lines(purchase_order_id, [PlatformOrderLine("SKU-0002", 1)])
    assert partly.state == PlatformOrderState.OPEN
    whole = connector.cancel_lines(purchase_order_id, [PlatformOrderLine("SKU-0002", 1)])
    assert whole.state == PlatformOrderState.CANCELLED
    [polled] = connector.orders_since(None).orders
    assert polled.state == PlatformOrderState.CANCELLED


def test_cancel_cancels_the_lines_or_says_what_to_do_when_walmart_cannot(world: World) -> None:
    purchase_order_id = world.buy("SKU-0003", 2)
    connector = world.connector()
    done = connector.cancel(purchase_order_id, [PlatformOrderLine("SKU-0003", 2)])
    assert done.outcome == CancellationOutcome.DONE
    [polled] = connector.orders_since(None).orders
    assert polled.state == PlatformOrderState.CANCELLED
    again = connector.cancel(purchase_order_id, [PlatformOrderLine("SKU-0003", 1)])
    assert again.outcome == CancellationOutcome.MANUAL
    assert "fewer open units" in again.detail and "Seller Center" in again.detail
    world.walmart.faults.error_rate = 1.0
    failing = world.connector(backoff=Backoff(attempts=2, jitter=lambda: 0.5))
    later = failing.cancel(world.buy("SKU-0004"), [PlatformOrderLine("SKU-0004", 1)])
    assert later.outcome == CancellationOutcome.FAILED


def test_a_throttled_call_waits_as_walmart_says_then_succeeds(world: World) -> None:
    world.walmart.faults.throttle_rate = 1.0
    clock = world.clock

    def storm_passes(seconds: float) -> None:
        clock.sleep(seconds)
        world.walmart.faults.throttle_rate = 0.0

    connector = world.connector()
    connector.client.sleep = storm_passes
    [pushed] = connector.push([push("SKU-0001", 4)])
    assert pushed.outcome == Outcome.APPLIED
    assert clock.slept == [1.0]  # the sandbox's Retry-After
    assert [c["status"] for c in world.calls("/v3/token")] == [429, 200]


def test_a_failing_walmart_ends_in_platform_unavailable_and_opens_the_circuit(
    world: World,
) -> None:
    world.walmart.faults.error_rate = 1.0
    connector = world.connector(
        backoff=Backoff(attempts=3, jitter=lambda: 0.5),
        breaker=CircuitBreaker(failures=3, cooldown=30, clock=world.clock),
    )
    # The first push fails (its tries open the circuit); the second is not sent.
    [failed] = connector.push([push("SKU-0001", 4), push("SKU-0002", 4)])
    assert failed.outcome is Outcome.FAILED and "SYSTEM_ERROR" in (failed.detail or "")
    assert connector.breaker.open
    assert connector.vitals() == Vitals("open", 3, 0)
    calls = len(world.calls("/v3/"))
    with pytest.raises(PlatformUnavailable, match="circuit open"):
        connector.shown([listing("SKU-0001")])
    with pytest.raises(CircuitOpen):
        connector.push([push("SKU-0002", 4)])
    assert len(world.calls("/v3/")) == calls  # refused without calling Walmart
    world.walmart.faults.error_rate = 0.0
    world.clock.now += 30
    assert [s.quantity for s in connector.shown([listing("SKU-0001")])] == [10]


def test_the_token_is_renewed_before_it_expires(world: World) -> None:
    connector = world.connector()
    connector.shown([listing()])
    world.clock.now += 850  # within a minute of the 900 s a token lives
    connector.shown([listing()])
    assert len(world.calls("/v3/token")) == 2
    assert all(call["status"] == 200 for call in world.calls("/v3/inventory"))


def test_a_token_walmart_no_longer_takes_is_replaced(world: World) -> None:
    connector = world.connector()
    connector.shown([listing()])
    with world.walmart.lock:
        world.walmart.tokens._expires_at.clear()  # revoked on Walmart's side
    assert [s.quantity for s in connector.shown([listing()])] == [10]
    assert [c["status"] for c in world.calls("/v3/inventory")] == [200, 401, 200]


def test_wrong_client_credentials_say_what_to_fix(world: World) -> None:
    credentials = {**world.walmart.credentials, "client_secret": "wrong"}
    connector = WalmartConnector(
        world.url, credentials, wall=walmart_time, clock=world.clock, sleep=world.clock.sleep
    )
    with pytest.raises(PlatformUnavailable, match="check client_id and client_secret"):
        connector.shown([listing()])


def test_walmart_sends_no_webhooks(world: World) -> None:
    with pytest.raises(WebhookRefused, match="polled"):
        world.connector().webhook({}, b"{}")
