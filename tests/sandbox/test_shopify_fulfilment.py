"""The Shopify sandbox fulfils orders, and tells a refund's restocked units apart as Shopify does:
fulfilled ones come back as a return, unfulfilled ones as a cancel."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest

from stockpool.sandbox.core import Sandbox
from stockpool.sandbox.shopify import ShopifySandbox
from tests.sandbox.shopify_support import PRIMARY, Admin, webhook_receiver
from tests.sandbox.test_shopify_webhooks import buy, subscribe
from tests.sandbox.timing import eventually

Serve = Callable[[Sandbox], str]
PRIMARY_NUMBER = int(PRIMARY.rsplit("/", 1)[1])

ORDER = """query($id: ID!) { order(id: $id) {
  displayFulfillmentStatus
  lineItems(first: 5) { nodes { sku quantity currentQuantity fulfillableQuantity } }
  refunds { legacyResourceId note refundLineItems(first: 10) {
    nodes { id quantity restockType restocked location { id } lineItem { sku } } } }
} }"""


@pytest.fixture
def shop(serve: Serve) -> Admin:
    sandbox = ShopifySandbox(delay_seconds=0, seed=5, retry_schedule=(0.05,))
    sandbox.seed(2, quantity=10)
    return Admin(sandbox, serve(sandbox))


def fulfil(shop: Admin, order: dict[str, Any], **body: Any) -> Any:
    return shop.http.post(f"/_sandbox/shopify/orders/{order['id']}/fulfill", json=body or None)


def refund(shop: Admin, order: dict[str, Any], units: int, **options: Any) -> dict[str, Any]:
    answer = shop.http.post(
        f"/_sandbox/shopify/orders/{order['id']}/refund",
        json={"line_items": [{"sku": order["line_items"][0]["sku"], "quantity": units}], **options},
    )
    assert answer.status_code == 201, answer.text
    refunded: dict[str, Any] = answer.json()
    return refunded


def graphql_order(shop: Admin, order: dict[str, Any]) -> dict[str, Any]:
    found: dict[str, Any] = shop.data(ORDER, {"id": order["admin_graphql_api_id"]})["order"]
    return found


def test_fulfilling_ships_committed_units_and_tells_the_order_topics(shop: Admin) -> None:
    with webhook_receiver() as receiver:
        subscribe(
            shop, receiver.url, "ORDERS_FULFILLED", "ORDERS_PARTIALLY_FULFILLED", "ORDERS_UPDATED"
        )
        order = buy(shop, quantity=3)
        part = fulfil(shop, order, line_items=[{"sku": "SKU-0001", "quantity": 1}])
        assert part.status_code == 201
        assert part.json()["location_id"] == PRIMARY_NUMBER
        assert part.json()["line_items"][0]["quantity"] == 1
        eventually(lambda: len(receiver.got) == 2)
        view = graphql_order(shop, order)
        assert view["displayFulfillmentStatus"] == "PARTIALLY_FULFILLED"
        assert view["lineItems"]["nodes"][0]["fulfillableQuantity"] == 2
        assert shop.item("SKU-0001")[1] == {"available": 7, "on_hand": 9, "committed": 2}

        assert fulfil(shop, order).status_code == 201  # the rest
        eventually(lambda: len(receiver.got) == 4)
    topics = [got.headers["x-shopify-topic"] for got in receiver.got]
    assert sorted(topics[:2]) == ["orders/partially_fulfilled", "orders/updated"]
    assert sorted(topics[2:]) == ["orders/fulfilled", "orders/updated"]
    last = json.loads(receiver.got[-1].body)
    assert last["fulfillment_status"] == "fulfilled"
    assert last["line_items"][0]["fulfillment_status"] == "fulfilled"
    assert last["line_items"][0]["fulfillable_quantity"] == 0
    assert graphql_order(shop, order)["displayFulfillmentStatus"] == "FULFILLED"
    assert shop.item("SKU-0001")[1] == {"available": 7, "on_hand": 7, "committed": 0}


def test_fulfilling_refuses_what_cannot_be_shipped(shop: Admin) -> None:
    line = {"sku": "SKU-0001", "quantity": 1}
    assert shop.http.post("/_sandbox/shopify/orders/123/fulfill").status_code == 404
    assert shop.http.post("/_sandbox/shopify/orders/abc/fulfill").status_code == 404
    order = buy(shop, quantity=2)
    route = f"/_sandbox/shopify/orders/{order['id']}/fulfill"
    assert shop.http.post(route, content=b"{oops").status_code == 400
    assert fulfil(shop, order, line_items=[]).status_code == 400
    assert fulfil(shop, order, line_items=[{**line, "quantity": 3}]).status_code == 409
    assert fulfil(shop, order, line_items=[{**line, "sku": "SKU-0009"}]).status_code == 404
    assert fulfil(shop, order, line_items=[line, line]).status_code == 201
    nothing_left = fulfil(shop, order)
    assert nothing_left.status_code == 409 and "nothing left to fulfil" in nothing_left.text
    cancel = f"/_sandbox/shopify/orders/{order['id']}/cancel"
    assert shop.http.post(cancel).status_code == 409  # Shopify cancels no fulfilled order
    cancelled = buy(shop, "SKU-0002")
    assert shop.http.post(f"/_sandbox/shopify/orders/{cancelled['id']}/cancel").status_code == 200
    assert fulfil(shop, cancelled).status_code == 409


def test_restocked_fulfilled_units_are_a_return_and_unfulfilled_ones_a_cancel(
    shop: Admin,
) -> None:
    with webhook_receiver() as receiver:
        subscribe(shop, receiver.url, "REFUNDS_CREATE")
        order = buy(shop, quantity=3)
        fulfil(shop, order, line_items=[{"sku": "SKU-0001", "quantity": 2}])
        refunded = refund(shop, order, 3, note="wrong size")
        [got] = eventually(lambda: list(receiver.got))
    assert json.loads(got.body) == refunded
    assert [
        (item["restock_type"], item["quantity"], item["location_id"])
        for item in refunded["refund_line_items"]
    ] == [("cancel", 1, PRIMARY_NUMBER), ("return", 2, PRIMARY_NUMBER)]
    assert {item["line_item"]["sku"] for item in refunded["refund_line_items"]} == {"SKU-0001"}
    # the cancelled unit leaves committed, the returned two come back to on_hand: all 10 again
    assert shop.item("SKU-0001")[1] == {"available": 10, "on_hand": 10, "committed": 0}
    [view] = graphql_order(shop, order)["refunds"]
    assert view["note"] == "wrong size" and view["legacyResourceId"] == str(refunded["id"])
    nodes = view["refundLineItems"]["nodes"]
    assert [(node["restockType"], node["quantity"], node["restocked"]) for node in nodes] == [
        ("CANCEL", 1, True),
        ("RETURN", 2, True),
    ]
    assert {node["location"]["id"] for node in nodes} == {PRIMARY}
    assert nodes[0]["id"].startswith("gid://shopify/RefundLineItem/")
    by_id = shop.data(
        "query($id: ID!) { refund(id: $id) { legacyResourceId order { legacyResourceId } } }",
        {"id": refunded["admin_graphql_api_id"]},
    )["refund"]
    assert by_id == {
        "legacyResourceId": str(refunded["id"]),
        "order": {"legacyResourceId": str(order["id"])},
    }


def test_a_refund_without_restock_says_no_restock_and_leaves_stock_as_it_is(shop: Admin) -> None:
    order = buy(shop, "SKU-0002", quantity=2)
    fulfil(shop, order)
    refunded = refund(shop, order, 1, restock=False)
    [item] = refunded["refund_line_items"]
    assert (item["restock_type"], item["location_id"]) == ("no_restock", None)
    assert shop.item("SKU-0002")[1] == {"available": 8, "on_hand": 8, "committed": 0}
    [view] = graphql_order(shop, order)["refunds"]
    [node] = view["refundLineItems"]["nodes"]
    assert (node["restockType"], node["restocked"], node["location"]) == (
        "NO_RESTOCK",
        False,
        None,
    )
    # the unit kept is still refundable, as a return now
    again = refund(shop, order, 1)
    assert [item["restock_type"] for item in again["refund_line_items"]] == ["return"]
    assert shop.item("SKU-0002")[1] == {"available": 9, "on_hand": 9, "committed": 0}
