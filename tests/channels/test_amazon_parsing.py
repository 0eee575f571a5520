"""The Amazon connector's readings that the sandbox cannot show: every order status, a cursor it
did not write, a feed report's whole-feed error, and searchListingsItems (which the sandbox does
not serve) answered by a hand-written transport."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from types import SimpleNamespace

import httpx
import pytest

from stockpool.channels.amazon import AmazonConnector
from stockpool.channels.amazon.inventory import report_results
from stockpool.channels.amazon.orders import BadCursor, Cursor, platform_order
from stockpool.domain.platforms import Outcome, PlatformOrderState
from tests.channels.amazon_support import push


@pytest.mark.parametrize(
    ("status", "state"),
    [
        ("PENDING_AVAILABILITY", PlatformOrderState.PENDING),
        ("PENDING", PlatformOrderState.PENDING),
        ("UNSHIPPED", PlatformOrderState.OPEN),
        ("PARTIALLY_SHIPPED", PlatformOrderState.OPEN),
        ("CANCELLED", PlatformOrderState.CANCELLED),
        ("UNFULFILLABLE", PlatformOrderState.CANCELLED),
        ("SHIPPED", PlatformOrderState.SHIPPED),
        ("SOMETHING_NEW", PlatformOrderState.PENDING),  # held, never lost nor committed
    ],
)
def test_each_amazon_status_maps_to_a_state(status: str, state: PlatformOrderState) -> None:
    order = SimpleNamespace(
        order_id="111-0000001-0000001",
        created_time="2026-01-02T03:04:05Z",
        last_updated_time="2026-01-02T03:04:06Z",
        fulfillment=SimpleNamespace(fulfillment_status=status),
        order_items=[SimpleNamespace(quantity_ordered=2, product=SimpleNamespace(seller_sku="A"))],
    )
    found = platform_order(order)
    assert found.state is state
    assert found.placed_at == datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)


def test_a_cursor_round_trips_and_a_foreign_one_is_refused() -> None:
    cursor = Cursor(datetime(2026, 1, 1, tzinfo=UTC), "token", {"1": "x"})
    assert Cursor.decode(cursor.encode()) == cursor
    with pytest.raises(BadCursor, match="start again"):
        Cursor.decode("not-a-cursor")


def test_a_report_error_about_the_whole_feed_fails_every_push() -> None:
    pushes = [push("SKU-0001", 1), push("SKU-0002", 2)]
    report = {"issues": [{"code": "FATAL", "severity": "ERROR", "message": "bad feed"}]}
    assert [r.outcome for r in report_results(pushes, report)] == [Outcome.FAILED] * 2


def test_the_catalogue_pages_through_search_listings_items() -> None:
    pages = {
        None: (
            {"sku": "A", "fulfillmentAvailability": [{"fulfillmentChannelCode": "DEFAULT"}]},
            "p2",
        ),
        "p2": (
            {"sku": "B", "fulfillmentAvailability": [{"fulfillmentChannelCode": "AMAZON_NA"}]},
            None,
        ),
    }
    asked: list[str | None] = []

    def answer(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/auth/o2/token":
            return httpx.Response(200, json={"access_token": "Atza|t", "expires_in": 3600})
        assert request.url.path == "/listings/2021-08-01/items/SELLER"
        token = request.url.params.get("pageToken")
        asked.append(token)
        item, following = pages[token]
        body = {"numberOfResults": 2, "items": [item]}
        if following:
            body["pagination"] = {"nextToken": following}
        return httpx.Response(200, content=json.dumps(body))

    credentials = {
        "client_id": "c",
        "client_secret": "s",
        "refresh_token": "r",
        "seller_id": "SELLER",
    }
    connector = AmazonConnector(
        credentials,
        "http://amazon.test",
        "http://amazon.test/auth/o2/token",
        now=lambda: datetime(2026, 1, 1, tzinfo=UTC),
        transport=httpx.MockTransport(answer),
    )
    items = connector.catalogue()
    assert [(i.channel_sku, i.fulfillment_channel) for i in items] == [
        ("A", "DEFAULT"),
        ("B", "AMAZON_NA"),
    ]
    assert asked == [None, "p2"]
