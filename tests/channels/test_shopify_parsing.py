"""The Shopify connector's reading of payloads: order states, webhook signatures, the cost
bucket followed from `extensions.cost`, the legacy compareQuantity mutation (by hand-built
answers at the outermost edge: httpx's MockTransport)."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import re
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest

from stockpool.channels.resilience import Backoff
from stockpool.channels.shopify import ShopifyConnector, returns
from stockpool.channels.shopify.orders import Mark, from_rest
from stockpool.channels.shopify.returns import ReturnsMark
from stockpool.domain.errors import WebhookRefused
from stockpool.domain.listings import Listing
from stockpool.domain.platforms import (
    Delivered,
    Outcome,
    PlatformOrderLine,
    PlatformOrderState,
    PlatformReturn,
    Push,
)

SECRET = "hush"
CREDENTIALS = {
    "shop_domain": "shop.myshopify.com",
    "access_token": "shpat_x",
    "client_id": "id",
    "client_secret": SECRET,
    "webhook_secret": SECRET,
    "api_version": "2026-10",
}
LISTING = Listing(
    "shop",
    "TEE",
    "TEE",
    inventory_item_id="gid://shopify/InventoryItem/1",
    location_id="gid://shopify/Location/1",
)


def rest_order(**changes: Any) -> dict[str, Any]:
    order: dict[str, Any] = {
        "id": 5500000001,
        "created_at": "2026-11-05T10:00:00+00:00",
        "updated_at": "2026-11-05T10:00:05+00:00",
        "cancelled_at": None,
        "financial_status": "paid",
        "fulfillment_status": None,
        "line_items": [
            {"id": 1, "sku": "TEE", "quantity": 2, "current_quantity": 2},
            {"id": 2, "sku": None, "quantity": 1, "current_quantity": 1},  # a custom item
        ],
    }
    return {**order, **changes}


def signed(body: bytes, topic: str = "orders/create") -> dict[str, str]:
    digest = hmac.new(SECRET.encode(), body, hashlib.sha256).digest()
    return {
        "X-Shopify-Topic": topic,
        "X-Shopify-Hmac-Sha256": base64.b64encode(digest).decode(),
        "X-Shopify-Event-Id": "event-1",
        "X-Shopify-Webhook-Id": "delivery-1",
    }


@pytest.mark.parametrize(
    ("changes", "state"),
    [
        ({}, PlatformOrderState.OPEN),
        ({"financial_status": "pending"}, PlatformOrderState.OPEN),  # Shopify commits at once
        ({"cancelled_at": "2026-11-05T11:00:00+00:00"}, PlatformOrderState.CANCELLED),
        ({"fulfillment_status": "partial"}, PlatformOrderState.OPEN),
        ({"fulfillment_status": "fulfilled"}, PlatformOrderState.SHIPPED),
        (
            {
                "line_items": [
                    {"id": 1, "sku": "TEE", "quantity": 2, "current_quantity": 0},
                ]
            },
            PlatformOrderState.CANCELLED,  # every unit refunded before shipping
        ),
    ],
)
def test_a_rest_order_maps_to_its_state(changes: dict[str, Any], state: PlatformOrderState) -> None:
    assert from_rest(rest_order(**changes)).state is state


def test_a_rest_order_keeps_its_ordered_lines_with_a_sku() -> None:
    order = from_rest(rest_order())
    assert order.external_id == "5500000001"
    assert [(line.channel_sku, line.quantity) for line in order.lines] == [("TEE", 2)]
    assert order.placed_at.tzinfo is not None and order.updated_at > order.placed_at


def test_a_signed_order_webhook_gives_its_event_id_and_order() -> None:
    connector = ShopifyConnector("http://shop", CREDENTIALS)
    body = json.dumps(rest_order()).encode()
    headers = {key.lower(): value for key, value in signed(body).items()}  # any case
    delivered = connector.webhook(headers, body)
    [order] = delivered.orders
    assert (delivered.event_id, order.external_id) == ("event-1", "5500000001")


def test_a_refund_webhook_is_taken_but_carries_no_order() -> None:
    connector = ShopifyConnector("http://shop", CREDENTIALS)
    body = json.dumps({"id": 920000001, "order_id": 5500000001, "refund_line_items": []}).encode()
    assert connector.webhook(signed(body, "refunds/create"), body) == Delivered("event-1")


def refund_line(restock_type: str | None, quantity: int, sku: str | None) -> dict[str, Any]:
    line: dict[str, Any] = {
        "id": 1,
        "line_item_id": 11,
        "quantity": quantity,
        "location_id": 70000000001 if restock_type != "no_restock" else None,
        "line_item": {"id": 11, "sku": sku, "quantity": 5, "fulfillment_status": "fulfilled"},
    }
    if restock_type is not None:
        line["restock_type"] = restock_type
    return line


RETURNED = refund_line("return", 1, "TEE")


def rest_refund(*lines: dict[str, Any], **changes: Any) -> dict[str, Any]:
    refund: dict[str, Any] = {
        "id": 920000001,
        "order_id": 5500000001,
        "created_at": "2026-11-06T09:00:00+00:00",
        "processed_at": "2026-11-06T09:00:00+00:00",
        "note": "wrong size",
        "restock": True,
        "refund_line_items": list(lines),
    }
    return {**refund, **changes}


def refund_delivery(refund: dict[str, Any]) -> Delivered:
    connector = ShopifyConnector("http://shop", CREDENTIALS)
    body = json.dumps(refund).encode()
    return connector.webhook(signed(body, "refunds/create"), body)


def test_a_refund_webhook_gives_only_the_returned_units_by_sku() -> None:
    refund = rest_refund(
        refund_line("return", 2, "TEE"),
        refund_line("cancel", 1, "TEE"),  # unfulfilled units put back: no return
        refund_line("no_restock", 1, "TEE"),  # refunded, not restocked: no return
        refund_line("legacy_restock", 1, "TEE"),  # restocked before restock types: a return
        refund_line("return", 3, "CAP"),
        refund_line("return", 1, None),  # a custom item: no listing names it
    )
    delivered = refund_delivery(refund)
    assert delivered == Delivered(
        "event-1",
        returns=(
            PlatformReturn(
                return_id="920000001",
                order_external_id="5500000001",  # as from_rest names the order
                lines=(PlatformOrderLine("TEE", 3), PlatformOrderLine("CAP", 3)),
                returned_at=datetime(2026, 11, 6, 9, 0, tzinfo=UTC),
                reason="wrong size",
            ),
        ),
    )
    assert from_rest(rest_order()).external_id == delivered.returns[0].order_external_id


def test_a_refund_without_a_note_or_restock_types_is_still_read() -> None:
    legacy = rest_refund(refund_line(None, 2, "TEE"), note=None)  # restock: true, no types
    [returned] = refund_delivery(legacy).returns
    assert returned.reason == "refund with restock"
    assert returned.lines == (PlatformOrderLine("TEE", 2),)
    not_restocked = rest_refund(refund_line(None, 2, "TEE"), restock=False)
    assert refund_delivery(not_restocked).returns == ()


@pytest.mark.parametrize(
    "lines",
    [
        [],
        [refund_line("cancel", 2, "TEE")],
        [refund_line("no_restock", 2, "TEE"), refund_line("return", 0, "TEE")],
    ],
)
def test_a_refund_that_returned_no_fulfilled_unit_carries_no_return(
    lines: list[dict[str, Any]],
) -> None:
    assert refund_delivery(rest_refund(*lines)) == Delivered("event-1")


@pytest.mark.parametrize(
    ("refund", "message"),
    [
        ({"order_id": 1, "refund_line_items": []}, "not a refund \\(no id\\)"),
        (rest_refund(order_id=None), "order_id is None"),
        ({**rest_refund(), "refund_line_items": None}, "refund_line_items is not a list"),
        (rest_refund(refund_line("return", "2", "TEE")), "quantity is '2'"),  # type: ignore[arg-type]
        (rest_refund(refund_line("return", -1, "TEE")), "quantity is -1"),
        (rest_refund({"restock_type": "return", "quantity": 1}), "no 'line_item'"),
        (rest_refund(RETURNED, created_at=None, processed_at=None), "created_at is None"),
        (rest_refund(RETURNED, created_at="yesterday"), "yesterday"),
    ],
)
def test_a_signed_refund_that_is_not_one_is_refused(refund: dict[str, Any], message: str) -> None:
    with pytest.raises(WebhookRefused) as refused:
        refund_delivery(refund)
    assert re.search(message, str(refused.value)), refused.value
    assert "nothing was taken" in str(refused.value)


def test_a_returns_cursor_that_is_not_one_is_refused_by_name() -> None:
    orders_cursor = Mark(datetime(2026, 11, 6, tzinfo=UTC), {}).encode()
    with pytest.raises(ValueError, match="not a Shopify returns cursor"):
        ReturnsMark.decode(orders_cursor)


def test_a_signed_delivery_that_is_not_an_order_is_refused() -> None:
    connector = ShopifyConnector("http://shop", CREDENTIALS)
    body = b'{"id": 1}'
    with pytest.raises(WebhookRefused, match="not an order"):
        connector.webhook(signed(body), body)


def test_an_orders_cursor_that_is_not_one_is_refused_by_name() -> None:
    with pytest.raises(ValueError, match="not a Shopify orders cursor"):
        Mark.decode("eyJsYXN0X2lkIjoxfQ==")


class Answers:
    """A shop that answers each call from a list, recording what it was sent."""

    def __init__(self, *answers: dict[str, Any]) -> None:
        self.answers = list(answers)
        self.statuses: list[int] = []  # the HTTP status of each answer (200 when not given)
        self.sent: list[dict[str, Any]] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.sent.append(json.loads(request.content))
        status = self.statuses.pop(0) if self.statuses else 200
        return httpx.Response(status, json=self.answers.pop(0))


def cost(requested: int, available: float, rate: float = 50.0) -> dict[str, Any]:
    return {
        "cost": {
            "requestedQueryCost": requested,
            "actualQueryCost": None,
            "throttleStatus": {
                "maximumAvailable": 1000.0,
                "currentlyAvailable": available,
                "restoreRate": rate,
            },
        }
    }


APPLIED = {"inventorySetQuantities": {"inventoryAdjustmentGroup": {"id": "g"}, "userErrors": []}}


def connector_on(
    answers: Answers, version: str = "2026-10"
) -> tuple[ShopifyConnector, list[float]]:
    slept: list[float] = []  # sleeping moves the clock: nobody waits
    connector = ShopifyConnector(
        "http://shop",
        {**CREDENTIALS, "api_version": version},
        transport=httpx.MockTransport(answers),
        clock=lambda: sum(slept),
        sleep=slept.append,
        backoff=Backoff(jitter=lambda: 0.5),
    )
    return connector, slept


def test_throttled_waits_until_the_bucket_holds_what_the_query_asked() -> None:
    throttled = {"errors": [{"message": "Throttled", "extensions": {"code": "THROTTLED"}}]}
    answers = Answers({**throttled, "extensions": cost(10, 4.0)}, {"data": APPLIED})
    connector, slept = connector_on(answers)
    assert connector.push([Push(LISTING, 3, 1)])[0].outcome is Outcome.APPLIED
    assert slept[-1] == pytest.approx((10 - 4) / 50)  # points missing / restoreRate
    assert connector.admin.bucket.rate == 50.0 and connector.admin.bucket.burst == 1000.0


def test_the_bucket_follows_what_shopify_reports_and_paces_the_next_call() -> None:
    answers = Answers({"data": APPLIED, "extensions": cost(10, 0.0, rate=100.0)}, {"data": APPLIED})
    connector, slept = connector_on(answers)
    connector.push([Push(LISTING, 3, 1), Push(LISTING, 4, 2)])
    assert sum(slept) == pytest.approx(0.1)  # the 10 points it costs, back at 100 a second


def test_a_query_shopify_refuses_fails_the_push_with_its_message() -> None:
    answers = Answers({"errors": [{"message": "Field 'x' doesn't exist"}]})
    connector, _ = connector_on(answers)
    [failed] = connector.push([Push(LISTING, 3, 1)])
    assert failed.outcome is Outcome.FAILED
    assert failed.detail is not None and "Field 'x' doesn't exist" in failed.detail


def test_before_2026_04_it_compares_quantities_and_sends_no_idempotency_key() -> None:
    answers = Answers({"data": APPLIED}, {"data": APPLIED})
    connector, _ = connector_on(answers, version="2025-10")
    connector.push([Push(LISTING, 3, 1)])
    connector.push([Push(LISTING, 5, 2)])
    first, second = (sent["variables"] for sent in answers.sent)
    assert "key" not in first and "@idempotent" not in answers.sent[0]["query"]
    assert first["input"]["ignoreCompareQuantity"] is True  # nothing set yet to compare with
    assert second["input"]["quantities"][0]["compareQuantity"] == 3
    assert "ignoreCompareQuantity" not in second["input"]


def test_from_2026_04_every_quantity_says_what_it_changes_from_under_a_key() -> None:
    answers = Answers({"data": APPLIED}, {"data": APPLIED})
    connector, _ = connector_on(answers)
    connector.push([Push(LISTING, 3, 1)])
    connector.push([Push(LISTING, 5, 2)])
    first, second = (sent["variables"] for sent in answers.sent)
    assert first["input"]["quantities"][0]["changeFromQuantity"] is None
    assert second["input"]["quantities"][0]["changeFromQuantity"] == 3
    assert first["key"] != second["key"] and "@idempotent(key: $key)" in answers.sent[0]["query"]
    assert first["input"]["referenceDocumentUri"] == "gid://stockpool/Push/shop/TEE/1"


def test_pushes_sent_before_shopify_failed_keep_their_results_and_the_rest_wait() -> None:
    failing = {"errors": "Internal Server Error"}
    answers = Answers({"data": APPLIED}, *[failing] * 5)
    answers.statuses = [200] + [500] * 5
    connector, _ = connector_on(answers)
    results = connector.push([Push(LISTING, 3, 1), Push(LISTING, 4, 2), Push(LISTING, 5, 3)])
    # The second's five tries open the circuit: the third is not sent (no result: still due).
    assert [result.outcome for result in results] == [Outcome.APPLIED, Outcome.FAILED]
    assert results[1].detail is not None and "HTTP 500" in results[1].detail
    assert len(answers.sent) == 6


def graphql_refund(
    number: int, created_at: str, *lines: tuple[str, int, str], more: bool = False
) -> dict[str, Any]:
    return {
        "id": f"gid://shopify/Refund/{number}",
        "legacyResourceId": str(number),
        "createdAt": created_at,
        "note": None,
        "refundLineItems": {
            "nodes": [
                {"restockType": kind, "quantity": units, "lineItem": {"sku": sku}}
                for kind, units, sku in lines
            ],
            "pageInfo": {"hasNextPage": more, "endCursor": "lines-1" if more else None},
        },
    }


def orders_page(*orders: tuple[int, str, list[dict[str, Any]]], more: bool = False) -> Any:
    nodes = [
        {"legacyResourceId": str(number), "updatedAt": updated_at, "refunds": refunds}
        for number, updated_at, refunds in orders
    ]
    page_info = {"hasNextPage": more, "endCursor": "orders-1" if more else None}
    return {"data": {"orders": {"nodes": nodes, "pageInfo": page_info}}}


def test_returns_since_follows_a_refund_with_more_lines_than_one_page() -> None:
    refund = graphql_refund(7, "2026-11-06T09:00:00Z", ("RETURN", 1, "TEE"), more=True)
    rest = {
        "nodes": [
            {"restockType": "LEGACY_RESTOCK", "quantity": 2, "lineItem": {"sku": "TEE"}},
            {"restockType": "CANCEL", "quantity": 4, "lineItem": {"sku": "TEE"}},
        ],
        "pageInfo": {"hasNextPage": False, "endCursor": "lines-2"},
    }
    answers = Answers(
        orders_page((55, "2026-11-06T09:00:00Z", [refund])),
        {"data": {"refund": {"refundLineItems": rest}}},
    )
    connector, _ = connector_on(answers)
    [returned] = connector.returns_since(None).returns
    assert (returned.return_id, returned.order_external_id) == ("7", "55")
    assert returned.lines == (PlatformOrderLine("TEE", 3),)
    assert returned.reason == "refund with restock"
    assert answers.sent[1]["variables"] == {"id": "gid://shopify/Refund/7", "after": "lines-1"}


def test_returns_since_reports_each_refund_once_across_cut_short_and_later_passes() -> None:
    old = graphql_refund(1, "2026-11-06T07:00:00Z", ("RETURN", 1, "TEE"))
    first = graphql_refund(2, "2026-11-06T08:00:00Z", ("RETURN", 2, "CAP"))
    new = graphql_refund(3, "2026-11-06T11:00:00Z", ("RETURN", 1, "TEE"), ("CANCEL", 1, "CAP"))
    answers = Answers(
        orders_page((1, "2026-11-06T09:00:00Z", [first]), more=True),  # cut short: 1 page a call
        orders_page((2, "2026-11-06T10:00:00Z", [old])),
        orders_page((2, "2026-11-06T11:00:00Z", [old, new])),  # updated again by a new refund
        orders_page((2, "2026-11-06T11:00:00Z", [old, new])),  # within the cursor's second
    )
    connector, _ = connector_on(answers)

    def since(cursor: str | None) -> tuple[list[str], str | None]:
        page = returns.returns_since(connector.admin, cursor, page_size=1, pages=1)
        return [item.return_id for item in page.returns], page.cursor

    ids, cursor = since(None)
    assert ids == ["2"]
    ids, cursor = since(cursor)
    assert ids == ["1"]  # the pass from the start is not over until its last page
    assert "updated_at:>='2026-11-06T09:00:00Z'" in answers.sent[1]["variables"]["query"]
    ids, cursor = since(cursor)
    assert ids == ["3"]  # refund 1 was made before the last full pass: reported already
    assert since(cursor)[0] == []
