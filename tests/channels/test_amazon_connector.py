"""The Amazon connector against the Amazon sandbox, served on a free port, on a clock the test
moves by hand (no test waits: the connector's sleep moves that clock)."""

from __future__ import annotations

import pytest

from stockpool.channels.amazon import AmazonConnector
from stockpool.domain.errors import CircuitOpen, PlatformUnavailable, WebhookRefused
from stockpool.domain.platforms import (
    CancellationOutcome,
    FeedState,
    Outcome,
    PlatformOrder,
    PlatformOrderLine,
    PlatformOrderState,
)
from stockpool.domain.sync_health import Vitals
from stockpool.services.ports.connectors import Connector
from tests.channels.amazon_support import listing, market, push


def test_it_is_a_connector() -> None:
    with market() as amazon:
        connector: Connector = amazon.connector  # mypy checks AmazonConnector is one
        assert isinstance(connector, AmazonConnector)


def test_a_push_is_applied_and_shows_after_the_propagation_delay() -> None:
    with market(delay_seconds=60, shown=5) as amazon:
        [pushed] = amazon.connector.push([push("SKU-0001", 12)])
        assert pushed.outcome is Outcome.APPLIED
        assert amazon.connector.shown([listing("SKU-0001")])[0].quantity == 5
        amazon.clock.advance(61)
        assert amazon.connector.shown([listing("SKU-0001")])[0].quantity == 12


def test_a_push_amazon_answers_invalid_is_refused_with_its_issue() -> None:
    with market() as amazon:
        good, unknown = amazon.connector.push([push("SKU-0001", 3), push("NO-SUCH-SKU", 3)])
    assert good.outcome is Outcome.APPLIED
    assert unknown.outcome is Outcome.REFUSED
    assert unknown.detail is not None and "NOT_FOUND" in unknown.detail


def test_a_feed_is_followed_to_done_with_a_result_per_push() -> None:
    with market(feed_queue_seconds=10, feed_processing_seconds=20) as amazon:
        pushes = [push("SKU-0001", 4), push("NO-SUCH-SKU", 1), push("SKU-0002", 9)]
        feed = amazon.connector.push_feed(pushes)
        assert amazon.connector.feed(feed).state is FeedState.PROCESSING
        amazon.clock.advance(31)
        done = amazon.connector.feed(feed)
        shown = amazon.connector.shown([listing("SKU-0001"), listing("SKU-0002")])
    assert done.state is FeedState.DONE
    assert [r.push for r in done.results] == pushes
    assert [r.outcome for r in done.results] == [Outcome.APPLIED, Outcome.REFUSED, Outcome.APPLIED]
    assert [s.quantity for s in shown] == [4, 9]


def test_a_stuck_feed_stays_processing() -> None:
    with market() as amazon:
        amazon.faults(stuck_feeds=True)
        feed = amazon.connector.push_feed([push("SKU-0001", 4)])
        amazon.clock.advance(3600)
        assert amazon.connector.feed(feed).state is FeedState.PROCESSING


def test_what_shows_is_read_per_listing_and_an_unknown_sku_shows_none() -> None:
    with market(shown=7) as amazon:
        shown = amazon.connector.shown([listing("SKU-0002"), listing("NO-SUCH-SKU")])
    assert [(s.channel_sku, s.quantity) for s in shown] == [("SKU-0002", 7), ("NO-SUCH-SKU", None)]


def test_the_catalogue_lists_every_listing_page_by_page_ordered_or_not() -> None:
    with market(skus=23) as amazon:
        amazon.order("SKU-0003")
        items = amazon.connector.catalogue()
        searches = [
            entry
            for entry in amazon.sandbox.requests.since()
            if entry["path"]
            == f"/listings/2021-08-01/items/{amazon.sandbox.credentials['seller_id']}"
        ]
    assert sorted(i.channel_sku for i in items) == [f"SKU-{n:04d}" for n in range(1, 24)]
    assert {i.fulfillment_channel for i in items} == {"DEFAULT"}
    assert len(searches) == 2  # 20 a page


def test_past_the_1000_a_search_pages_through_the_wanted_skus_are_looked_up() -> None:
    with market(skus=1_030) as amazon:
        wanted = ["SKU-1001", "SKU-1030", "SKU-0005", "NOT-LISTED"]
        items = amazon.connector.catalogue(wanted)
    codes = {i.channel_sku for i in items}
    assert len(items) == len(codes) > 1_000  # the 1,000 searched, then the rest looked up
    assert {"SKU-1001", "SKU-1030", "SKU-0005"} <= codes and "NOT-LISTED" not in codes


def test_orders_page_through_cursors_and_none_comes_twice() -> None:
    with market(skus=2, shown=50) as amazon:
        amazon.connector.orders_per_page = 2
        placed = [amazon.order("SKU-0002", 2) for _ in range(5)]
        seen: list[PlatformOrder] = []
        cursor: str | None = None
        for _ in range(3):
            page = amazon.connector.orders_since(cursor)
            seen += page.orders
            cursor = page.cursor
        assert [o.external_id for o in seen] == placed
        assert all(o.state is PlatformOrderState.OPEN for o in seen)
        assert seen[0].lines[0].channel_sku == "SKU-0002" and seen[0].lines[0].quantity == 2
        again = amazon.connector.orders_since(cursor)
        again = amazon.connector.orders_since(again.cursor)  # the next window, past its pages
        assert again.orders == ()

        amazon.change_order(placed[1], "cancel")
        changed = amazon.connector.orders_since(again.cursor)
        while changed.cursor and not changed.orders:
            changed = amazon.connector.orders_since(changed.cursor)
    assert [(o.external_id, o.state) for o in changed.orders] == [
        (placed[1], PlatformOrderState.CANCELLED)
    ]


def test_a_throttled_call_is_retried_then_succeeds() -> None:
    with market(shown=6) as amazon:
        amazon.connector.shown([listing("SKU-0001")])  # the token is fetched: only calls throttle
        amazon.faults(throttle_rate=1.0)
        amazon.sleeps.hooks.append(lambda: amazon.faults(throttle_rate=0.0))
        [shown] = amazon.connector.shown([listing("SKU-0001")])
    assert shown.quantity == 6
    assert amazon.sleeps.waits  # it waited (on the injected clock) before trying again
    assert not amazon.breaker.open
    assert amazon.connector.vitals() == Vitals("closed", 0, 1)


def test_persistent_failure_ends_in_platform_unavailable_and_opens_the_circuit() -> None:
    with market() as amazon:
        amazon.connector.shown([listing("SKU-0001")])
        amazon.faults(error_rate=1.0)
        with pytest.raises(PlatformUnavailable):
            amazon.connector.shown([listing("SKU-0001")])
        assert amazon.breaker.open
        assert amazon.connector.vitals().circuit == "open"
        calls = len(amazon.sandbox.requests.since())
        with pytest.raises(CircuitOpen) as refused:  # at once: Amazon is not called
            amazon.connector.push([push("SKU-0001", 3)])
        assert len(amazon.sandbox.requests.since()) == calls
        assert 0 < refused.value.retry_in <= amazon.breaker.cooldown


def test_the_rate_follows_amazons_header() -> None:
    with market(rate_limits={"getListingsItem": (2.0, 10)}) as amazon:
        amazon.connector.shown([listing("SKU-0001")])
        assert amazon.connector.api.calls.buckets["getListingsItem"].rate == 2.0


def test_the_access_token_is_cached_and_refreshed_before_it_expires() -> None:
    with market(token_lifetime_seconds=3600) as amazon:
        tokens = amazon.connector.api.tokens
        amazon.connector.shown([listing("SKU-0001")])
        amazon.connector.shown([listing("SKU-0001")])
        assert tokens.refreshed == 1
        amazon.clock.advance(3600 - 30)  # inside the last minute: replaced before Amazon refuses
        amazon.connector.shown([listing("SKU-0001")])
        assert tokens.refreshed == 2


def test_a_token_amazon_stops_honouring_is_replaced_and_the_call_retried() -> None:
    with market(shown=4) as amazon:
        amazon.connector.shown([listing("SKU-0001")])
        with amazon.sandbox.lock:
            amazon.sandbox.tokens.expire_all()
        [shown] = amazon.connector.shown([listing("SKU-0001")])
        assert shown.quantity == 4
        assert amazon.connector.api.tokens.refreshed == 2


def test_acknowledge_calls_nothing_and_webhooks_are_refused() -> None:
    with market() as amazon:
        amazon.order("SKU-0001")
        orders = amazon.connector.orders_since(None).orders
        before = len(amazon.sandbox.requests.since(0, "/"))
        amazon.connector.acknowledge(orders)
        assert len(amazon.sandbox.requests.since(0, "/")) == before
        with pytest.raises(WebhookRefused, match="notifications"):
            amazon.connector.webhook({}, b"{}")


def test_a_cancellation_is_left_to_a_person_with_what_to_do_in_seller_central() -> None:
    with market() as amazon:
        before = len(amazon.sandbox.requests.since(0, "/"))
        asked = amazon.connector.cancel("111-222", [PlatformOrderLine("SKU-0001", 2)])
        assert asked.outcome == CancellationOutcome.MANUAL
        assert "Seller Central" in asked.detail and "2 of SKU-0001" in asked.detail
        assert len(amazon.sandbox.requests.since(0, "/")) == before  # no API can do it
