"""Webhooks from the Shopify sandbox: registered by GraphQL, signed, retried, doubled, reordered."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from collections.abc import Callable
from typing import Any

import pytest

from stockpool.sandbox.core import Sandbox
from stockpool.sandbox.shopify import ShopifySandbox
from tests.sandbox.shopify_support import (
    Admin,
    webhook_receiver,
)
from tests.sandbox.timing import eventually

Serve = Callable[[Sandbox], str]

SUBSCRIBE = """
mutation($topic: WebhookSubscriptionTopic!, $url: URL!) {
  webhookSubscriptionCreate(topic: $topic, webhookSubscription: {callbackUrl: $url, format: JSON}) {
    webhookSubscription { id topic callbackUrl }
    userErrors { field message }
  }
}
"""


@pytest.fixture
def shop(serve: Serve) -> Admin:
    sandbox = ShopifySandbox(
        delay_seconds=0, seed=3, retry_schedule=(0.05, 0.05, 0.05), reorder_hold_seconds=0.5
    )
    sandbox.seed(2, quantity=10)
    return Admin(sandbox, serve(sandbox))


def subscribe(shop: Admin, url: str, *topics: str) -> list[str]:
    ids = []
    for topic in topics:
        payload = shop.data(SUBSCRIBE, {"topic": topic, "url": url})["webhookSubscriptionCreate"]
        assert payload["userErrors"] == [], payload
        ids.append(payload["webhookSubscription"]["id"])
    return ids


def buy(shop: Admin, sku: str = "SKU-0001", quantity: int = 1) -> dict[str, Any]:
    placed = shop.http.post("/_sandbox/orders", json={"sku": sku, "quantity": quantity})
    assert placed.status_code == 201
    order: dict[str, Any] = placed.json()
    return order


def expected_hmac(body: bytes, secret: str) -> str:
    """Shopify's documented check: base64(HMAC-SHA256(raw body, secret))."""
    return base64.b64encode(hmac.new(secret.encode(), body, hashlib.sha256).digest()).decode()


def test_signature_verifies_with_shopifys_algorithm_and_a_wrong_secret_fails(shop: Admin) -> None:
    with webhook_receiver() as receiver:
        subscribe(shop, receiver.url, "ORDERS_CREATE")
        order = buy(shop)
        eventually(lambda: len(receiver.got) == 1)
    got = receiver.got[0]
    secret = shop.sandbox.credentials["webhook_secret"]
    assert secret == shop.sandbox.credentials["client_secret"]
    sent = got.headers["x-shopify-hmac-sha256"]
    assert hmac.compare_digest(expected_hmac(got.body, secret), sent)
    assert not hmac.compare_digest(expected_hmac(got.body, "not-the-secret"), sent)
    assert not hmac.compare_digest(expected_hmac(got.body + b" ", secret), sent)
    body = json.loads(got.body)
    assert (
        body["id"] == order["id"]
        and body["admin_graphql_api_id"] == f"gid://shopify/Order/{order['id']}"
    )
    assert body["line_items"][0]["sku"] == "SKU-0001" and body["line_items"][0]["quantity"] == 1
    assert {
        "name",
        "created_at",
        "updated_at",
        "cancelled_at",
        "financial_status",
        "fulfillment_status",
    } <= body.keys()
    headers = got.headers
    assert headers["x-shopify-topic"] == "orders/create"
    assert headers["x-shopify-shop-domain"] == "stockpool-sandbox.myshopify.com"
    assert headers["x-shopify-api-version"] == "2026-10"
    assert (
        headers["x-shopify-webhook-id"]
        and headers["x-shopify-event-id"]
        and headers["x-shopify-triggered-at"]
    )


def test_a_failing_receiver_gets_retries_until_it_answers_2xx(shop: Admin) -> None:
    with webhook_receiver(statuses=[500, 503]) as receiver:
        subscribe(shop, receiver.url, "ORDERS_CREATE")
        buy(shop)
        eventually(lambda: len(receiver.got) == 3)
        log = shop.http.get("/_sandbox/shopify/webhooks").json()
        eventually(
            lambda: shop.http.get("/_sandbox/shopify/webhooks").json()[0]["status"] == "delivered"
        )
    log = shop.http.get("/_sandbox/shopify/webhooks").json()
    assert [attempt["status"] for attempt in log[0]["attempts"]] == [500, 503, 200]
    assert len({got.headers["x-shopify-event-id"] for got in receiver.got}) == 1
    assert len({got.headers["x-shopify-webhook-id"] for got in receiver.got}) == 1


def test_a_receiver_that_never_answers_2xx_ends_failed(shop: Admin) -> None:
    with webhook_receiver(statuses=[500] * 10) as receiver:
        subscribe(shop, receiver.url, "ORDERS_CREATE")
        buy(shop)
        eventually(
            lambda: shop.http.get("/_sandbox/shopify/webhooks").json()[0]["status"] == "failed"
        )
    assert len(receiver.got) == 4  # the first try and three retries


def test_duplicates_share_the_event_id_with_new_webhook_ids(shop: Admin) -> None:
    shop.http.put("/_sandbox/faults", json={"webhook_duplicate_rate": 1.0})
    with webhook_receiver() as receiver:
        subscribe(shop, receiver.url, "ORDERS_CREATE")
        buy(shop)
        eventually(lambda: len(receiver.got) == 2)
    first, second = receiver.got
    assert first.headers["x-shopify-event-id"] == second.headers["x-shopify-event-id"]
    assert first.headers["x-shopify-webhook-id"] != second.headers["x-shopify-webhook-id"]
    assert first.body == second.body


def test_reorder_sends_pairs_newest_first(shop: Admin) -> None:
    shop.http.put("/_sandbox/faults", json={"webhook_reorder": True})
    with webhook_receiver() as receiver:
        subscribe(shop, receiver.url, "ORDERS_CREATE")
        older, newer = buy(shop), buy(shop)
        eventually(lambda: len(receiver.got) == 2)
        assert [json.loads(got.body)["id"] for got in receiver.got] == [newer["id"], older["id"]]
        buy(shop)  # alone: held a while, then sent late rather than never
        eventually(lambda: len(receiver.got) == 3)


def test_cancel_and_refund_send_their_topics_and_give_units_back(shop: Admin) -> None:
    with webhook_receiver() as receiver:
        subscribe(shop, receiver.url, "ORDERS_CANCELLED", "REFUNDS_CREATE", "ORDERS_UPDATED")
        first = buy(shop, quantity=2)
        second = buy(shop, "SKU-0002", quantity=3)
        assert (
            shop.http.post(
                f"/_sandbox/shopify/orders/{first['id']}/cancel", json={"reason": "customer"}
            ).status_code
            == 200
        )
        line = second["line_items"][0]["id"]
        refund = shop.http.post(
            f"/_sandbox/shopify/orders/{second['id']}/refund",
            json={"line_items": [{"line_item_id": line, "quantity": 2}], "restock": True},
        )
        assert refund.status_code == 201
        eventually(lambda: len(receiver.got) == 4)
    topics = sorted(got.headers["x-shopify-topic"] for got in receiver.got)
    assert topics == ["orders/cancelled", "orders/updated", "orders/updated", "refunds/create"]
    refund_body = next(
        json.loads(got.body)
        for got in receiver.got
        if got.headers["x-shopify-topic"] == "refunds/create"
    )
    assert refund_body["order_id"] == second["id"]
    refunded = refund_body["refund_line_items"][0]
    assert (
        refunded["line_item_id"] == line
        and refunded["quantity"] == 2
        and refunded["restock_type"] != "no_restock"
    )
    assert refunded["line_item"]["sku"] == "SKU-0002"
    assert shop.item("SKU-0001")[1] == {"available": 10, "on_hand": 10, "committed": 0}
    assert shop.item("SKU-0002")[1] == {"available": 9, "on_hand": 10, "committed": 1}
    cancelled = shop.data(
        "query($id: ID!) { order(id: $id) { cancelledAt displayFinancialStatus } }",
        {"id": first["admin_graphql_api_id"]},
    )
    assert (
        cancelled["order"]["cancelledAt"]
        and cancelled["order"]["displayFinancialStatus"] == "REFUNDED"
    )


def test_subscriptions_list_delete_and_bad_addresses(shop: Admin) -> None:
    [created] = subscribe(shop, "http://127.0.0.1:9/hooks", "ORDERS_CREATE")
    again = shop.data(SUBSCRIBE, {"topic": "ORDERS_CREATE", "url": "http://127.0.0.1:9/hooks"})
    assert (
        again["webhookSubscriptionCreate"]["userErrors"][0]["message"]
        == "Address for this topic has already been taken"
    )
    bad = shop.data(SUBSCRIBE, {"topic": "ORDERS_CREATE", "url": "ftp://nowhere"})
    assert bad["webhookSubscriptionCreate"]["webhookSubscription"] is None
    unknown_topic = shop.post(
        SUBSCRIBE, {"topic": "PRODUCTS_EXPLODE", "url": "http://x.test/"}
    ).json()
    assert unknown_topic["errors"][0]["extensions"]["code"] == "INVALID_VARIABLE"
    listed = shop.data("{ webhookSubscriptions(first: 10) { nodes { id topic callbackUrl } } }")
    assert listed["webhookSubscriptions"]["nodes"] == [
        {"id": created, "topic": "ORDERS_CREATE", "callbackUrl": "http://127.0.0.1:9/hooks"}
    ]
    delete = "mutation($id: ID!) { webhookSubscriptionDelete(id: $id) { deletedWebhookSubscriptionId userErrors { message } } }"
    assert (
        shop.data(delete, {"id": created})["webhookSubscriptionDelete"][
            "deletedWebhookSubscriptionId"
        ]
        == created
    )
    assert shop.data(delete, {"id": created})["webhookSubscriptionDelete"]["userErrors"]


def test_close_stops_the_delivery_thread(serve: Serve) -> None:
    sandbox = ShopifySandbox(delay_seconds=0, retry_schedule=(30.0,))
    sandbox.seed(1, quantity=1)
    shop = Admin(sandbox, serve(sandbox))
    subscribe(shop, "http://127.0.0.1:9/refused", "ORDERS_CREATE")
    buy(shop)
    eventually(lambda: bool(shop.http.get("/_sandbox/shopify/webhooks").json()[0]["attempts"]))
    sandbox.close()
    thread = sandbox.webhooks._thread
    assert thread is not None and not thread.is_alive()
