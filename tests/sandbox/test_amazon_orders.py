"""The Amazon sandbox's orders: buyers place them; Orders 2026-01-01 and v0 show them."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

from tests.sandbox.amazon_support import MARKETPLACE, Seller, Serve, error_of, open_seller

SINCE = "2020-01-01T00:00:00Z"


@pytest.fixture
def seller(serve: Serve) -> Iterator[Seller]:
    with open_seller(serve, skus=3, shown=20) as found:
        yield found


def ago(minutes: float) -> str:
    return (datetime.now(UTC) - timedelta(minutes=minutes)).strftime("%Y-%m-%dT%H:%M:%SZ")


def buy(seller: Seller, sku: str, quantity: int = 1) -> dict[str, Any]:
    with seller.sandbox.lock:
        order = seller.sandbox.place_order(sku, quantity)
    assert order is not None
    return order


def search(seller: Seller, **params: Any) -> httpx.Response:
    return seller.http.get("/orders/2026-01-01/orders", params=params)


def test_a_buyers_order_appears_in_search_orders_with_its_items(seller: Seller) -> None:
    placed = httpx.post(f"{seller.url}/_sandbox/orders", json={"sku": "SKU-0002", "quantity": 3})
    assert placed.status_code == 201
    assert seller.sandbox.shelf.get("SKU-0002").shown == 17  # type: ignore[union-attr]
    answer = search(seller, createdAfter=SINCE)
    assert answer.status_code == 200
    assert answer.headers["x-amzn-RateLimit-Limit"] == "0.0056"
    (order,) = answer.json()["orders"]
    assert order["orderId"] == placed.json()["orderId"]
    assert order["salesChannel"]["marketplaceId"] == MARKETPLACE
    assert order["fulfillment"]["fulfillmentStatus"] == "UNSHIPPED"
    (line,) = order["orderItems"]
    assert line["quantityOrdered"] == 3
    assert line["product"]["sellerSku"] == "SKU-0002"
    assert "buyer" not in order  # only with includedData=BUYER
    assert "createdBefore" in answer.json()
    assert "pagination" not in answer.json()


def test_a_buyer_cannot_order_more_than_is_shown(seller: Seller) -> None:
    with seller.sandbox.lock:
        assert seller.sandbox.place_order("SKU-0001", 21) is None
    assert search(seller, createdAfter=SINCE).json()["orders"] == []


def test_included_data_adds_the_data_sets(seller: Seller) -> None:
    buy(seller, "SKU-0001", 2)
    order = search(seller, createdAfter=SINCE, includedData="BUYER,PROCEEDS,FULFILLMENT").json()[
        "orders"
    ][0]
    assert order["buyer"]["buyerEmail"].endswith("@marketplace.amazon.com")
    assert order["proceeds"]["grandTotal"] == {"amount": "39.98", "currencyCode": "USD"}
    assert order["fulfillment"]["fulfilledBy"] == "MERCHANT"
    assert order["orderItems"][0]["fulfillment"]["quantityUnfulfilled"] == 2


def test_search_orders_pages_with_next_token_and_later_orders_do_not_shift_pages(
    seller: Seller,
) -> None:
    placed = [buy(seller, "SKU-0001")["orderId"] for _ in range(5)]
    first = search(seller, createdAfter=SINCE, maxResultsPerPage=2).json()
    seen = [order["orderId"] for order in first["orders"]]
    token = first["pagination"]["nextToken"]
    buy(seller, "SKU-0003")  # after the first page: not in this paging
    while token:
        page = search(seller, createdAfter=SINCE, maxResultsPerPage=2, paginationToken=token)
        assert page.status_code == 200, page.text
        seen += [order["orderId"] for order in page.json()["orders"]]
        token = page.json().get("pagination", {}).get("nextToken")
    assert seen == placed


def test_a_buyer_cancel_gives_units_back_and_shows_as_cancelled(seller: Seller) -> None:
    order_id = buy(seller, "SKU-0001", 4)["orderId"]
    kept = buy(seller, "SKU-0002", 1)["orderId"]
    cancelled = httpx.post(f"{seller.url}/_sandbox/amazon/orders/{order_id}/cancel")
    assert cancelled.status_code == 200
    assert seller.sandbox.shelf.get("SKU-0001").shown == 20  # type: ignore[union-attr]
    again = httpx.post(f"{seller.url}/_sandbox/amazon/orders/{order_id}/cancel")
    assert again.status_code == 409
    only_cancelled = search(seller, lastUpdatedAfter=SINCE, fulfillmentStatuses="CANCELLED")
    assert [order["orderId"] for order in only_cancelled.json()["orders"]] == [order_id]
    assert "lastUpdatedBefore" in only_cancelled.json()
    open_orders = search(seller, createdAfter=SINCE, fulfillmentStatuses="UNSHIPPED,PENDING")
    assert [order["orderId"] for order in open_orders.json()["orders"]] == [kept]
    line = seller.http.get(
        f"/orders/2026-01-01/orders/{order_id}", params={"includedData": "CANCELLATION"}
    ).json()["order"]["orderItems"][0]
    assert line["cancellation"]["cancellationExecution"]["cancelledBy"] == "BUYER"
    assert httpx.post(f"{seller.url}/_sandbox/amazon/orders/nope/cancel").status_code == 404


def test_shipping_an_order_keeps_its_units_sold(seller: Seller) -> None:
    order_id = buy(seller, "SKU-0001", 2)["orderId"]
    assert httpx.post(f"{seller.url}/_sandbox/amazon/orders/{order_id}/ship").status_code == 200
    assert seller.sandbox.shelf.get("SKU-0001").shown == 18  # type: ignore[union-attr]
    order = seller.http.get(f"/orders/2026-01-01/orders/{order_id}").json()["order"]
    assert order["fulfillment"]["fulfillmentStatus"] == "SHIPPED"
    assert httpx.post(f"{seller.url}/_sandbox/amazon/orders/{order_id}/cancel").status_code == 409


def test_a_pending_order_holds_its_units_until_its_payment_is_confirmed(seller: Seller) -> None:
    with seller.sandbox.lock:
        order = seller.sandbox.place_order("SKU-0001", 2, pending=True)
    assert order is not None
    order_id = order["orderId"]
    [shown] = search(seller, lastUpdatedAfter=SINCE, fulfillmentStatuses="PENDING").json()["orders"]
    assert shown["orderId"] == order_id
    confirmed = httpx.post(f"{seller.url}/_sandbox/amazon/orders/{order_id}/confirm")
    assert confirmed.json()["fulfillment"]["fulfillmentStatus"] == "UNSHIPPED"
    again = httpx.post(f"{seller.url}/_sandbox/amazon/orders/{order_id}/confirm")
    assert again.status_code == 409


def test_get_order_finds_one_and_404s_the_rest(seller: Seller) -> None:
    order_id = buy(seller, "SKU-0003")["orderId"]
    found = seller.http.get(f"/orders/2026-01-01/orders/{order_id}")
    assert found.status_code == 200
    assert found.json()["order"]["orderId"] == order_id
    missing = seller.http.get("/orders/2026-01-01/orders/111-0000000-0000000")
    assert missing.status_code == 404
    assert error_of(missing)["code"] == "NotFound"
    bad_data = seller.http.get(
        f"/orders/2026-01-01/orders/{order_id}", params={"includedData": "X"}
    )
    assert bad_data.status_code == 400


@pytest.mark.parametrize(
    "params",
    [
        {},
        {"createdAfter": SINCE, "lastUpdatedAfter": SINCE},
        {"createdAfter": SINCE, "lastUpdatedBefore": "2021-01-01T00:00:00Z"},
        {"lastUpdatedAfter": SINCE, "createdBefore": "2021-01-01T00:00:00Z"},
        {"createdAfter": SINCE, "createdBefore": "2019-01-01T00:00:00Z"},
        {"createdAfter": "last tuesday"},
        {"createdAfter": SINCE, "maxResultsPerPage": "0"},
        {"createdAfter": SINCE, "maxResultsPerPage": "101"},
        {"createdAfter": SINCE, "maxResultsPerPage": "many"},
        {"createdAfter": SINCE, "fulfillmentStatuses": "LOST"},
        {"createdAfter": SINCE, "marketplaceIds": "A1PA6795UKMFR9"},
        {"createdAfter": SINCE, "paginationToken": "not-a-token"},
        {"createdAfter": SINCE, "includedData": "EVERYTHING"},
        {"createdAfter": "2999-01-01T00:00:00Z"},
    ],
)
def test_search_orders_refuses_bad_queries(seller: Seller, params: dict[str, str]) -> None:
    answer = search(seller, **params)
    assert answer.status_code == 400, answer.text
    assert error_of(answer)["code"] == "InvalidInput"
    assert "x-amzn-RateLimit-Limit" in answer.headers


def test_before_bounds_must_be_two_minutes_old(seller: Seller) -> None:
    buy(seller, "SKU-0001")
    too_fresh = search(seller, createdAfter=SINCE, createdBefore=ago(1))
    assert too_fresh.status_code == 400
    assert "two minutes" in error_of(too_fresh)["details"]
    settled = search(seller, createdAfter=SINCE, createdBefore=ago(3))
    assert settled.status_code == 200
    assert settled.json()["orders"] == []  # the order is newer than the bound
    assert search(seller, lastUpdatedAfter=SINCE, lastUpdatedBefore=ago(1)).status_code == 400


def test_search_orders_is_throttled_by_its_own_small_quota(serve: Serve) -> None:
    with open_seller(serve, rate_limits={"searchOrders": (0.0056, 2)}) as seller:
        assert search(seller, createdAfter=SINCE).status_code == 200
        assert search(seller, createdAfter=SINCE).status_code == 200
        assert search(seller, createdAfter=SINCE).status_code == 429
        assert (
            seller.http.get(
                "/orders/v0/orders", params={"MarketplaceIds": MARKETPLACE, "CreatedAfter": SINCE}
            ).status_code
            == 200
        )
        seller.clock.advance(1 / 0.0056)
        assert search(seller, createdAfter=SINCE).status_code == 200


# -- v0 -------------------------------------------------------------------------------------------


def get_orders_v0(seller: Seller, **params: str) -> httpx.Response:
    return seller.http.get("/orders/v0/orders", params={"MarketplaceIds": MARKETPLACE, **params})


def test_v0_shows_the_same_orders_in_its_own_shape(seller: Seller) -> None:
    order_id = buy(seller, "SKU-0002", 2)["orderId"]
    answer = get_orders_v0(seller, CreatedAfter=SINCE)
    assert answer.status_code == 200
    assert answer.headers["x-amzn-RateLimit-Limit"] == "0.0167"
    (order,) = answer.json()["payload"]["Orders"]
    assert order["AmazonOrderId"] == order_id
    assert order["OrderStatus"] == "Unshipped"
    assert order["FulfillmentChannel"] == "MFN"
    assert order["NumberOfItemsUnshipped"] == 2
    single = seller.http.get(f"/orders/v0/orders/{order_id}").json()["payload"]
    assert single == order
    items = seller.http.get(f"/orders/v0/orders/{order_id}/orderItems").json()["payload"]
    assert items["AmazonOrderId"] == order_id
    assert [(item["SellerSKU"], item["QuantityOrdered"]) for item in items["OrderItems"]] == [
        ("SKU-0002", 2)
    ]


def test_v0_pages_with_next_token_and_filters_by_status(seller: Seller) -> None:
    placed = [buy(seller, "SKU-0001")["orderId"] for _ in range(3)]
    httpx.post(f"{seller.url}/_sandbox/amazon/orders/{placed[1]}/cancel")
    first = get_orders_v0(seller, CreatedAfter=SINCE, MaxResultsPerPage="2").json()["payload"]
    second = get_orders_v0(
        seller, CreatedAfter=SINCE, MaxResultsPerPage="2", NextToken=first["NextToken"]
    ).json()["payload"]
    assert [o["AmazonOrderId"] for o in first["Orders"] + second["Orders"]] == placed
    assert "NextToken" not in second
    cancelled = get_orders_v0(seller, LastUpdatedAfter=SINCE, OrderStatuses="Canceled")
    assert [o["AmazonOrderId"] for o in cancelled.json()["payload"]["Orders"]] == [placed[1]]
    assert "OrderTotal" not in cancelled.json()["payload"]["Orders"][0]


@pytest.mark.parametrize(
    "params",
    [
        {"CreatedAfter": SINCE, "MarketplaceIds": ""},
        {"MarketplaceIds": MARKETPLACE},
        {"MarketplaceIds": MARKETPLACE, "CreatedAfter": SINCE, "LastUpdatedAfter": SINCE},
        {"MarketplaceIds": MARKETPLACE, "CreatedAfter": SINCE, "OrderStatuses": "Lost"},
        {"MarketplaceIds": MARKETPLACE, "CreatedAfter": SINCE, "MaxResultsPerPage": "500"},
        {"MarketplaceIds": MARKETPLACE, "CreatedAfter": SINCE, "NextToken": "xyz"},
    ],
)
def test_v0_refuses_bad_queries(seller: Seller, params: dict[str, str]) -> None:
    answer = seller.http.get("/orders/v0/orders", params=params)
    assert answer.status_code == 400, answer.text
    assert error_of(answer)["code"] == "InvalidInput"


def test_v0_created_before_must_be_two_minutes_old(seller: Seller) -> None:
    assert get_orders_v0(seller, CreatedAfter=SINCE, CreatedBefore=ago(1)).status_code == 400
    settled = get_orders_v0(seller, CreatedAfter=SINCE, CreatedBefore=ago(2.5))
    assert settled.status_code == 200
    assert settled.json()["payload"]["CreatedBefore"]


def test_v0_unknown_orders_are_404(seller: Seller) -> None:
    for path in ("/orders/v0/orders/111-0000000-0000000", "/orders/v0/orders/x/orderItems"):
        answer = seller.http.get(path)
        assert answer.status_code == 404
        assert error_of(answer)["code"] == "NotFound"
