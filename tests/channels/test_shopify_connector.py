"""The Shopify connector against the Shopify sandbox, served on a free port: pushes, batched
pushes, reads, the catalogue, the orders backfill, throttling and failure, webhooks."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest

from stockpool.channels.resilience import Backoff
from stockpool.channels.shopify import ShopifyConnector
from stockpool.channels.shopify.orders import moment
from stockpool.domain.errors import PlatformUnavailable, WebhookRefused
from stockpool.domain.listings import Listing
from stockpool.domain.platforms import (
    CancellationOutcome,
    FeedState,
    Outcome,
    PlatformOrderLine,
    PlatformOrderState,
    PlatformReturn,
    Push,
)
from stockpool.domain.sync_health import Vitals
from stockpool.sandbox.serve import running
from stockpool.sandbox.shopify import ShopifySandbox
from stockpool.services.ports.connectors import Connector
from tests.sandbox.shopify_support import PRIMARY, shown, webhook_receiver
from tests.sandbox.timing import Clock, eventually


@dataclass
class Waits:
    """The connector's clock and sleep: sleeping moves the clock, nobody waits."""

    now: float = 0.0
    slept: list[float] = field(default_factory=list)

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds


@dataclass
class Shop:
    sandbox: ShopifySandbox
    sandbox_clock: Clock
    connector: ShopifyConnector
    waits: Waits

    def listing(self, sku: str) -> Listing:
        item = next(item for item in self.connector.catalogue() if item.channel_sku == sku)
        return Listing(
            "shop",
            sku,
            sku,
            inventory_item_id=item.inventory_item_id,
            location_id=item.location_id,
        )

    def order(self, sku: str, quantity: int = 1) -> int:
        with self.sandbox.lock:
            placed = self.sandbox.place_order(sku, quantity)
        assert placed is not None
        return int(placed["id"])

    def fulfil(self, order_id: int, units: int) -> None:
        with self.sandbox.lock:
            order = self.sandbox.order_book.get(order_id)
            assert order is not None
            self.sandbox.fulfill_order(order, [(order["line_items"][0], units)])

    def refund(self, order_id: int, units: int, note: str | None = None) -> dict[str, Any]:
        """A refund of `units` of the order's first line, restocked."""
        with self.sandbox.lock:
            order = self.sandbox.order_book.get(order_id)
            assert order is not None
            return self.sandbox.refund_order(
                order, [(order["line_items"][0], units)], restock=True, note=note
            )


@pytest.fixture
def shop() -> Iterator[Shop]:
    clock = Clock()
    sandbox = ShopifySandbox(delay_seconds=2.0, seed=3, clock=clock)
    sandbox.seed(5, quantity=5)
    waits = Waits()
    with running(sandbox) as url:
        connector = ShopifyConnector(
            url,
            sandbox.credentials,
            clock=waits,
            sleep=waits.sleep,
            backoff=Backoff(jitter=lambda: 0.5),
            orders_page_size=2,
        )
        yield Shop(sandbox, clock, connector, waits)
        connector.close()
    sandbox.close()


def test_it_is_a_connector(shop: Shop) -> None:
    connector: Connector = shop.connector
    assert connector.platform.value == "shopify"


def test_a_push_shows_on_the_storefront_after_the_delay(shop: Shop) -> None:
    listing = shop.listing("SKU-0001")
    [pushed] = shop.connector.push([Push(listing, 9, version=1)])
    assert pushed.outcome is Outcome.APPLIED
    assert shown(shop.sandbox, "SKU-0001") == 5  # accepted, not on the storefront yet
    [read] = shop.connector.shown([listing])
    assert (read.channel_sku, read.quantity) == ("SKU-0001", 9)  # the admin number moves at once
    shop.sandbox_clock.advance(2.0)
    assert shown(shop.sandbox, "SKU-0001") == 9


def test_a_push_over_a_sale_it_did_not_know_fails_once_then_sets(shop: Shop) -> None:
    listing = shop.listing("SKU-0002")
    shop.sandbox_clock.advance(0)
    assert shop.connector.push([Push(listing, 4, version=1)])[0].outcome is Outcome.APPLIED
    shop.sandbox_clock.advance(2.0)
    shop.order("SKU-0002")  # Shopify's available moves to 3 behind stockpool's back
    [stale] = shop.connector.push([Push(listing, 6, version=2)])
    assert stale.outcome is Outcome.FAILED
    assert stale.detail is not None and "CHANGE_FROM_QUANTITY_STALE" in stale.detail
    [again] = shop.connector.push([Push(listing, 5, version=3)])
    assert again.outcome is Outcome.APPLIED
    assert shop.connector.shown([listing])[0].quantity == 5


def test_a_feed_is_one_batched_mutation_done_at_once_with_a_result_per_push(shop: Shop) -> None:
    good = [shop.listing("SKU-0001"), shop.listing("SKU-0003")]
    unknown = Listing(
        "shop",
        "GONE",
        "GONE",
        inventory_item_id="gid://shopify/InventoryItem/1",
        location_id=PRIMARY,
    )
    pushes = [Push(good[0], 7, 1), Push(unknown, 2, 2), Push(good[1], 0, 3)]
    before = len(shop.sandbox.requests.since(path="/admin"))
    feed = shop.connector.push_feed(pushes)
    assert feed.state is FeedState.DONE
    assert shop.connector.feed(feed) == feed
    assert [result.outcome for result in feed.results] == [
        Outcome.APPLIED,
        Outcome.REFUSED,
        Outcome.APPLIED,
    ]
    assert feed.results[1].detail is not None and "INVALID_INVENTORY_ITEM" in feed.results[1].detail
    # one batch refused for its bad line, then the two good lines in one batch again
    assert len(shop.sandbox.requests.since(path="/admin")) - before == 2
    assert [read.quantity for read in shop.connector.shown(good)] == [7, 0]


def test_shown_is_none_for_an_item_the_shop_does_not_stock(shop: Shop) -> None:
    listing = Listing(
        "shop",
        "GONE",
        "GONE",
        inventory_item_id="gid://shopify/InventoryItem/1",
        location_id=PRIMARY,
    )
    assert [read.quantity for read in shop.connector.shown([listing])] == [None]


def test_the_catalogue_lists_every_sku_at_the_primary_location(shop: Shop) -> None:
    items = shop.connector.catalogue()
    assert [item.channel_sku for item in items] == [f"SKU-000{n}" for n in range(1, 6)]
    assert {item.location_id for item in items} == {PRIMARY}
    assert all(
        item.inventory_item_id and item.inventory_item_id.startswith("gid://shopify/InventoryItem/")
        for item in items
    )


def test_orders_come_back_once_across_pages_and_calls(shop: Shop) -> None:
    first_ids = [shop.order(f"SKU-000{n}") for n in (1, 2, 3, 4, 5)]
    page = shop.connector.orders_since(None)  # 5 orders, pages of 2
    assert [order.external_id for order in page.orders] == [str(n) for n in first_ids]
    assert page.orders[0].lines[0].channel_sku == "SKU-0001"
    assert {order.state for order in page.orders} == {PlatformOrderState.OPEN}
    assert shop.connector.orders_since(page.cursor).orders == ()
    later = [shop.order("SKU-0001"), shop.order("SKU-0002")]
    next_page = shop.connector.orders_since(page.cursor)
    assert [order.external_id for order in next_page.orders] == [str(n) for n in later]
    with shop.sandbox.lock:
        cancelled = shop.sandbox.order_book.get(first_ids[0])
        assert cancelled is not None
        shop.sandbox.cancel_order(cancelled)
    changed = shop.connector.orders_since(next_page.cursor)
    assert [(order.external_id, order.state) for order in changed.orders] == [
        (str(first_ids[0]), PlatformOrderState.CANCELLED)
    ]


def test_a_whole_order_is_cancelled_on_shopify_and_part_of_one_left_to_a_person(
    shop: Shop,
) -> None:
    order_id = shop.order("SKU-0001", 2)
    part = shop.connector.cancel(str(order_id), [PlatformOrderLine("SKU-0001", 1)])
    assert part.outcome == CancellationOutcome.MANUAL
    assert "edit or refund order #" in part.detail and "remove 1 of SKU SKU-0001" in part.detail
    whole = shop.connector.cancel(str(order_id), [PlatformOrderLine("SKU-0001", 2)])
    assert whole.outcome == CancellationOutcome.DONE and "job gid://shopify/Job/" in whole.detail
    with shop.sandbox.lock:
        cancelled = shop.sandbox.order_book.get(order_id)
        assert cancelled is not None and cancelled["cancel_reason"] == "inventory"
    again = shop.connector.cancel(str(order_id), [PlatformOrderLine("SKU-0001", 2)])
    assert again.outcome == CancellationOutcome.DONE and "already" in again.detail
    [polled] = shop.connector.orders_since(None).orders
    assert polled.state == PlatformOrderState.CANCELLED
    unknown = shop.connector.cancel("999999", [PlatformOrderLine("SKU-0001", 1)])
    assert unknown.outcome == CancellationOutcome.MANUAL and "no order 999999" in unknown.detail


def test_order_cancel_refuses_as_shopify_does(shop: Shop) -> None:
    mutation = """mutation C($id: ID!) { orderCancel(orderId: $id, reason: INVENTORY,
      restock: true, refund: true) { job { id } orderCancelUserErrors { field message code } } }"""
    missing = shop.connector.admin.run("C", mutation, {"id": "gid://shopify/Order/1"})
    [error] = missing["orderCancel"]["orderCancelUserErrors"]
    assert (error["code"], error["field"]) == ("NOT_FOUND", ["orderId"])
    order_id = shop.order("SKU-0002")
    shop.fulfil(order_id, 1)
    fulfilled = shop.connector.admin.run("C", mutation, {"id": f"gid://shopify/Order/{order_id}"})
    assert fulfilled["orderCancel"]["job"] is None
    assert fulfilled["orderCancel"]["orderCancelUserErrors"][0]["code"] == "INVALID"


def test_a_shop_out_of_reach_fails_the_cancellation_for_now(shop: Shop) -> None:
    order_id = shop.order("SKU-0003")
    shop.sandbox.faults.error_rate = 1.0
    failed = shop.connector.cancel(str(order_id), [PlatformOrderLine("SKU-0003", 1)])
    assert failed.outcome == CancellationOutcome.FAILED


def test_acknowledge_asks_nothing_of_shopify(shop: Shop) -> None:
    shop.order("SKU-0001")
    page = shop.connector.orders_since(None)
    before = len(shop.sandbox.requests.since())
    shop.connector.acknowledge(page.orders)
    assert len(shop.sandbox.requests.since()) == before


def test_a_throttled_call_is_retried_then_succeeds(shop: Shop) -> None:
    listing = shop.listing("SKU-0001")
    shop.sandbox.faults.throttle_rate = 1.0

    def sleep(seconds: float) -> None:
        shop.waits.sleep(seconds)
        shop.sandbox.faults.throttle_rate = 0.0  # the storm passes while the connector waits

    shop.connector.admin.sleep = sleep
    [pushed] = shop.connector.push([Push(listing, 3, 1)])
    assert pushed.outcome is Outcome.APPLIED
    faults = [entry["fault"] for entry in shop.sandbox.requests.since(path="/admin")][-2:]
    assert faults == ["throttle", None]
    assert shop.waits.slept
    assert shop.connector.vitals() == Vitals("closed", 0, 1)


def test_a_failing_shop_ends_unavailable_and_opens_the_circuit(shop: Shop) -> None:
    listing, other = shop.listing("SKU-0001"), shop.listing("SKU-0002")
    shop.sandbox.faults.error_rate = 1.0
    [failed] = shop.connector.push([Push(listing, 3, 1), Push(other, 3, 1)])
    assert failed.outcome is Outcome.FAILED and "HTTP 500" in (failed.detail or "")
    assert shop.connector.admin.breaker.open  # so the second push was not sent
    assert shop.connector.vitals().circuit == "open"
    calls = len(shop.sandbox.requests.since())
    with pytest.raises(PlatformUnavailable, match="circuit open"):
        shop.connector.shown([listing])
    assert len(shop.sandbox.requests.since()) == calls  # refused without calling
    shop.sandbox.faults.error_rate = 0.0
    shop.waits.now += shop.connector.admin.breaker.cooldown
    assert shop.connector.shown([listing])[0].quantity == 5  # half open: one try, it works


def test_webhooks_registered_once_and_a_signed_delivery_parses(shop: Shop) -> None:
    with webhook_receiver() as receiver:
        ids = shop.connector.register_webhooks(receiver.url)
        assert sorted(ids) == [
            "ORDERS_CANCELLED",
            "ORDERS_CREATE",
            "ORDERS_UPDATED",
            "REFUNDS_CREATE",
        ]
        assert shop.connector.register_webhooks(receiver.url) == ids
        order_id = shop.order("SKU-0003", 2)
        [got] = eventually(lambda: list(receiver.got))
    delivered = shop.connector.webhook(got.headers, got.body)
    assert delivered.event_id == got.headers["x-shopify-event-id"]
    [order] = delivered.orders
    assert order.external_id == str(order_id)
    assert order.state is PlatformOrderState.OPEN
    assert [(line.channel_sku, line.quantity) for line in order.lines] == [("SKU-0003", 2)]
    # the same order from the backfill is named alike: webhook and poll dedupe on it
    assert shop.connector.orders_since(None).orders == (order,)


def test_a_forged_or_unsigned_delivery_is_refused(shop: Shop) -> None:
    with webhook_receiver() as receiver:
        shop.connector.register_webhooks(receiver.url)
        shop.order("SKU-0001")
        [got] = eventually(lambda: list(receiver.got))
    forged = got.body.replace(b'"quantity":1', b'"quantity":9')
    assert forged != got.body
    with pytest.raises(WebhookRefused, match="does not match"):
        shop.connector.webhook(got.headers, forged)
    unsigned = {k: v for k, v in got.headers.items() if k != "x-shopify-hmac-sha256"}
    with pytest.raises(WebhookRefused, match="no X-Shopify-Hmac-Sha256"):
        shop.connector.webhook(unsigned, got.body)
    other = ShopifyConnector("http://unused", {**shop.sandbox.credentials, "webhook_secret": "x"})
    with pytest.raises(WebhookRefused):
        other.webhook(got.headers, got.body)


def test_a_fulfilled_order_is_shipped_by_its_orders_updated_webhook_and_by_poll(
    shop: Shop,
) -> None:
    with webhook_receiver() as receiver:
        shop.connector.register_webhooks(receiver.url)
        order_id = shop.order("SKU-0002", 2)
        shop.fulfil(order_id, 1)
        shop.fulfil(order_id, 1)

        def updates() -> list[Any]:
            return [
                got for got in receiver.got if got.headers["x-shopify-topic"] == "orders/updated"
            ]

        got = eventually(updates, lambda found: len(found) == 2)
    states = [shop.connector.webhook(item.headers, item.body).orders[0].state for item in got]
    assert states == [PlatformOrderState.OPEN, PlatformOrderState.SHIPPED]  # partly, then all
    [polled] = shop.connector.orders_since(None).orders
    assert (polled.external_id, polled.state) == (str(order_id), PlatformOrderState.SHIPPED)


def test_restocked_shipped_units_are_one_return_by_webhook_and_by_poll(shop: Shop) -> None:
    unshipped = shop.order("SKU-0005", 1)
    shop.refund(unshipped, 1)  # put back before shipping: a cancel, no return
    with webhook_receiver() as receiver:
        shop.connector.register_webhooks(receiver.url)
        order_id = shop.order("SKU-0004", 3)
        shop.fulfil(order_id, 2)
        before = shop.connector.returns_since(None)
        assert before.returns == ()
        refund = shop.refund(order_id, 3, note="too small")  # 1 unshipped, 2 sent back

        def refunds() -> list[Any]:
            return [
                got for got in receiver.got if got.headers["x-shopify-topic"] == "refunds/create"
            ]

        [got] = eventually(refunds)
    delivered = shop.connector.webhook(got.headers, got.body)
    assert delivered.event_id == got.headers["x-shopify-event-id"] and delivered.orders == ()
    assert delivered.returns == (
        PlatformReturn(
            return_id=str(refund["id"]),
            order_external_id=str(order_id),
            lines=(PlatformOrderLine("SKU-0004", 2),),
            returned_at=moment(refund["created_at"]),
            reason="too small",
        ),
    )
    polled = shop.connector.returns_since(before.cursor)
    assert polled.returns == delivered.returns  # the poll names it alike: taken once downstream
    assert polled.cursor is not None and polled.cursor != before.cursor
    assert shop.connector.returns_since(polled.cursor).returns == ()
    assert [item.return_id for item in shop.connector.returns_since(None).returns] == [
        str(refund["id"])
    ]
