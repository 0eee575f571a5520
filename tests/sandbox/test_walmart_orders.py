"""`/v3/orders`: buyers' orders as purchase orders, paged with nextCursor, filtered, and the
seller's acknowledge, cancel (units back on the shelf) and shipping."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from stockpool.sandbox.walmart import WalmartSandbox
from tests.sandbox.walmart_support import (
    Api,
    buy,
    cancellation,
    errors_of,
    shipment,
)

pytest_plugins = ["tests.sandbox.walmart_fixtures"]


def listed(walmart_api: Api, path: str = "/v3/orders", **params: str) -> list[dict[str, Any]]:
    answer = walmart_api.get(path, params=params)
    if answer.status_code == 404:
        return []
    assert answer.status_code == 200, answer.text
    found: list[dict[str, Any]] = answer.json()["list"]["elements"]["order"]
    return found


def ids(orders: list[dict[str, Any]]) -> list[str]:
    return [order["purchaseOrderId"] for order in orders]


def line_statuses(walmart_api: Api, purchase_order_id: str) -> list[tuple[str, str]]:
    order = walmart_api.get(f"/v3/orders/{purchase_order_id}").json()["order"]
    line = order["orderLines"]["orderLine"][0]
    return [
        (status["status"], status["statusQuantity"]["amount"])
        for status in line["orderLineStatuses"]["orderLineStatus"]
    ]


def test_a_buyers_order_is_a_created_purchase_order_with_walmarts_types(
    walmart_api: Api, walmart: WalmartSandbox
) -> None:
    purchase_order_id = buy(walmart, "SKU-0002", 2)
    [order] = listed(walmart_api)
    assert order["purchaseOrderId"] == purchase_order_id
    assert isinstance(order["orderDate"], int)
    assert abs(order["orderDate"] / 1000 - datetime.now(UTC).timestamp()) < 60
    line = order["orderLines"]["orderLine"][0]
    assert line["item"]["sku"] == "SKU-0002"
    assert line["orderLineQuantity"] == {"unitOfMeasurement": "EACH", "amount": "2"}
    assert line_statuses(walmart_api, purchase_order_id) == [("Created", "2")]
    assert order["shipNode"]["id"] == walmart.credentials["ship_node"]
    assert (
        walmart_api.get("/v3/inventory", params={"sku": "SKU-0002"}).json()["quantity"]["amount"]
        == 8
    )


def test_pages_follow_next_cursor_and_orders_placed_meanwhile_do_not_shift_them(
    walmart_api: Api, walmart: WalmartSandbox
) -> None:
    placed = [buy(walmart, f"SKU-000{1 + n % 5}") for n in range(7)]
    first = walmart_api.get("/v3/orders", params={"limit": "3"}).json()["list"]
    assert first["meta"]["totalCount"] == 7 and first["meta"]["limit"] == 3
    seen = ids(first["elements"]["order"])
    buy(walmart)  # arrives while the client pages
    cursor = first["meta"]["nextCursor"]
    while cursor:
        assert cursor.startswith("?")
        page = walmart_api.get("/v3/orders" + cursor).json()["list"]
        seen += ids(page["elements"]["order"])
        cursor = page["meta"].get("nextCursor")
    assert seen == list(reversed(placed))  # newest first, each once
    assert len(listed(walmart_api, limit="200")) == 8


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"limit": "0"}, "limit"),
        ({"limit": "201"}, "limit"),
        ({"limit": "ten"}, "limit"),
        ({"status": "Lost"}, "status"),
        ({"createdStartDate": "yesterday"}, "createdStartDate"),
        ({"lastModifiedEndDate": "2026-13-40"}, "lastModifiedEndDate"),
        ({"poIndex": "-3"}, "poIndex"),
    ],
)
def test_bad_list_parameters_are_400(
    walmart_api: Api, walmart: WalmartSandbox, params: dict[str, str], field: str
) -> None:
    buy(walmart)
    answer = walmart_api.get("/v3/orders", params=params)
    assert answer.status_code == 400
    item = errors_of(answer)[0]
    assert item["code"] == "INVALID_REQUEST_PARAM" and item["field"] == field


def test_no_matching_orders_is_404_content_not_found(walmart_api: Api) -> None:
    answer = walmart_api.get("/v3/orders")
    assert answer.status_code == 404
    assert errors_of(answer)[0]["code"] == "CONTENT_NOT_FOUND"


def test_filters_by_status_sku_and_dates(walmart_api: Api, walmart: WalmartSandbox) -> None:
    old = buy(walmart, "SKU-0001")
    recent = buy(walmart, "SKU-0002")
    with walmart.lock:  # the first order was placed eight days ago
        eight_days_ago = int((datetime.now(UTC) - timedelta(days=8)).timestamp() * 1000)
        walmart.orders[0]["orderDate"] = eight_days_ago
        walmart.orders[0]["orderLines"]["orderLine"][0]["statusDate"] = eight_days_ago
    assert ids(listed(walmart_api)) == [recent]  # the default window is the last 7 days
    nine_days = (datetime.now(UTC) - timedelta(days=9)).date().isoformat()
    assert ids(listed(walmart_api, createdStartDate=nine_days)) == [recent, old]
    assert ids(listed(walmart_api, createdStartDate=nine_days, sku="SKU-0001")) == [old]
    assert ids(
        listed(walmart_api, createdStartDate=nine_days, createdEndDate=str(eight_days_ago))
    ) == [old]
    assert ids(listed(walmart_api, createdStartDate=nine_days, purchaseOrderId=old)) == [old]
    walmart_api.post(f"/v3/orders/{old}/acknowledge")
    assert ids(listed(walmart_api, createdStartDate=nine_days, status="Acknowledged")) == [old]
    assert ids(listed(walmart_api, createdStartDate=nine_days, status="Created")) == [recent]
    an_hour_ago = (datetime.now(UTC) - timedelta(hours=1)).isoformat()
    # the acknowledgement modified the old order just now
    assert ids(listed(walmart_api, lastModifiedStartDate=an_hour_ago)) == [recent, old]
    tomorrow = (datetime.now(UTC) + timedelta(days=1)).strftime("%Y-%m-%dT%H:%M:%SZ")
    assert listed(walmart_api, createdStartDate=tomorrow) == []


def test_released_lists_orders_with_created_lines(
    walmart_api: Api, walmart: WalmartSandbox
) -> None:
    acknowledged, created = buy(walmart), buy(walmart)
    assert walmart_api.post(f"/v3/orders/{acknowledged}/acknowledge").status_code == 200
    assert ids(listed(walmart_api, "/v3/orders/released")) == [created]
    assert ids(listed(walmart_api, "/v3/orders/released", status="Acknowledged")) == [created]


def test_one_order_by_id_and_an_unknown_one(walmart_api: Api, walmart: WalmartSandbox) -> None:
    purchase_order_id = buy(walmart)
    assert walmart_api.get(f"/v3/orders/{purchase_order_id}").json()["order"][
        "purchaseOrderId"
    ] == (purchase_order_id)
    for method, path in [
        ("GET", "/v3/orders/404404"),
        ("POST", "/v3/orders/404404/acknowledge"),
    ]:
        answer = walmart_api.request(method, path)
        assert answer.status_code == 404
        assert errors_of(answer)[0]["code"] == "CONTENT_NOT_FOUND"
    for path, body in [("cancel", cancellation()), ("shipping", shipment())]:
        answer = walmart_api.post(f"/v3/orders/404404/{path}", json=body)
        assert answer.status_code == 404


def test_acknowledging_twice_changes_nothing_more(
    walmart_api: Api, walmart: WalmartSandbox
) -> None:
    purchase_order_id = buy(walmart, units=2)
    answer = walmart_api.post(f"/v3/orders/{purchase_order_id}/acknowledge")
    assert answer.status_code == 200 and "order" in answer.json()
    assert line_statuses(walmart_api, purchase_order_id) == [("Acknowledged", "2")]
    assert walmart_api.post(f"/v3/orders/{purchase_order_id}/acknowledge").status_code == 200
    assert line_statuses(walmart_api, purchase_order_id) == [("Acknowledged", "2")]


def test_cancelling_gives_the_units_back_to_the_shelf(
    walmart_api: Api, walmart: WalmartSandbox
) -> None:
    purchase_order_id = buy(walmart, "SKU-0003", 3)
    assert (
        walmart_api.get("/v3/inventory", params={"sku": "SKU-0003"}).json()["quantity"]["amount"]
        == 7
    )
    answer = walmart_api.post(
        f"/v3/orders/{purchase_order_id}/cancel", json=cancellation(units="2")
    )
    assert answer.status_code == 200
    assert line_statuses(walmart_api, purchase_order_id) == [("Created", "1"), ("Cancelled", "2")]
    assert (
        walmart_api.get("/v3/inventory", params={"sku": "SKU-0003"}).json()["quantity"]["amount"]
        == 9
    )
    assert (
        walmart_api.post(f"/v3/orders/{purchase_order_id}/cancel", json=cancellation()).status_code
        == 200
    )
    assert line_statuses(walmart_api, purchase_order_id) == [("Cancelled", "3")]
    # a fully cancelled order has nothing left to acknowledge, cancel or ship
    for path, body in [
        ("acknowledge", None),
        ("cancel", cancellation()),
        ("shipping", shipment()),
    ]:
        refused = walmart_api.post(f"/v3/orders/{purchase_order_id}/{path}", json=body)
        assert refused.status_code == 400, path
        assert errors_of(refused)[0]["code"] == "INVALID_REQUEST_PARAM"
    assert (
        walmart_api.get("/v3/inventory", params={"sku": "SKU-0003"}).json()["quantity"]["amount"]
        == 10
    )


def test_shipping_marks_the_line_shipped_with_its_tracking(
    walmart_api: Api, walmart: WalmartSandbox
) -> None:
    purchase_order_id = buy(walmart, units=2)
    walmart_api.post(f"/v3/orders/{purchase_order_id}/acknowledge")
    answer = walmart_api.post(f"/v3/orders/{purchase_order_id}/shipping", json=shipment(units="2"))
    assert answer.status_code == 200
    line = answer.json()["order"]["orderLines"]["orderLine"][0]
    [shipped] = line["orderLineStatuses"]["orderLineStatus"]
    assert shipped["status"] == "Shipped" and shipped["statusQuantity"]["amount"] == "2"
    assert shipped["trackingInfo"]["trackingNumber"] == "1Z999"
    refused = walmart_api.post(f"/v3/orders/{purchase_order_id}/cancel", json=cancellation())
    assert refused.status_code == 400  # shipped units cannot be cancelled
    assert (
        walmart_api.get("/v3/inventory", params={"sku": "SKU-0001"}).json()["quantity"]["amount"]
        == 8
    )


def test_an_unknown_line_or_too_many_units_is_400(
    walmart_api: Api, walmart: WalmartSandbox
) -> None:
    purchase_order_id = buy(walmart)
    for body in [cancellation(line="7"), cancellation(units="2"), shipment(line="2")]:
        kind = "cancel" if "orderCancellation" in body else "shipping"
        refused = walmart_api.post(f"/v3/orders/{purchase_order_id}/{kind}", json=body)
        assert refused.status_code == 400
        assert errors_of(refused)[0]["field"] == "lineNumber"
    assert line_statuses(walmart_api, purchase_order_id) == [("Created", "1")]


BAD_CANCELS: dict[str, Any] = {
    "malformed": b'{"orderCancellation": ',
    "empty": {},
    "no lines": {"orderCancellation": {"orderLines": {"orderLine": []}}},
    "number amount": cancellation(statusQuantity={"unitOfMeasurement": "EACH", "amount": 1}),
    "zero amount": cancellation(units="0"),
    "bad reason": cancellation(cancellationReason="BORED"),
    "not cancelled": cancellation(status="Shipped"),
    "bad unit": cancellation(statusQuantity={"unitOfMeasurement": "BOX", "amount": "1"}),
}


@pytest.mark.parametrize("case", list(BAD_CANCELS))
def test_a_bad_cancellation_body_is_400(
    walmart_api: Api, walmart: WalmartSandbox, case: str
) -> None:
    purchase_order_id = buy(walmart)
    body = BAD_CANCELS[case]
    options: dict[str, Any] = (
        {"content": body, "headers": {"Content-Type": "application/json"}}
        if isinstance(body, bytes)
        else {"json": body}
    )
    refused = walmart_api.post(f"/v3/orders/{purchase_order_id}/cancel", **options)
    assert refused.status_code == 400, refused.text
    assert errors_of(refused)[0]["code"] == "INVALID_REQUEST_PARAM"
    assert line_statuses(walmart_api, purchase_order_id) == [("Created", "1")]


BAD_SHIPMENTS: dict[str, Any] = {
    "no tracking": {
        "orderShipment": {
            "orderLines": {
                "orderLine": [
                    {
                        "lineNumber": "1",
                        "sellerOrderId": "SP-1",
                        "orderLineStatuses": {
                            "orderLineStatus": [
                                {
                                    "status": "Shipped",
                                    "statusQuantity": {"unitOfMeasurement": "EACH", "amount": "1"},
                                }
                            ]
                        },
                    }
                ]
            }
        }
    },
    "date as text": shipment(shipDateTime="2026-12-01"),
    "bad method": shipment(methodCode="Teleport"),
    "no carrier": shipment(carrierName={}),
    "other carrier without walmart_url": shipment(carrierName={"otherCarrier": "Bob's Vans"}),
}


@pytest.mark.parametrize("case", list(BAD_SHIPMENTS))
def test_a_bad_shipment_body_is_400(walmart_api: Api, walmart: WalmartSandbox, case: str) -> None:
    purchase_order_id = buy(walmart)
    refused = walmart_api.post(f"/v3/orders/{purchase_order_id}/shipping", json=BAD_SHIPMENTS[case])
    assert refused.status_code == 400, refused.text
    assert errors_of(refused)[0]["code"] == "INVALID_REQUEST_PARAM"
    assert line_statuses(walmart_api, purchase_order_id) == [("Created", "1")]


def test_buyers_orders_placed_through_the_control_endpoint_show_up(
    walmart_api: Api, walmart: WalmartSandbox, walmart_url: str
) -> None:
    import httpx

    placed = httpx.post(f"{walmart_url}/_sandbox/orders", json={"sku": "SKU-0005", "quantity": 4})
    assert placed.status_code == 201
    [order] = listed(walmart_api, sku="SKU-0005")
    assert order["purchaseOrderId"] == placed.json()["purchaseOrderId"]
    refused = httpx.post(f"{walmart_url}/_sandbox/orders", json={"sku": "SKU-0005", "quantity": 7})
    assert refused.status_code == 409  # only 6 are shown
