"""`/v3/returns` and the control routes behind it: a buyer returns units of a shipped purchase
order (INITIATED), the seller receives them back (DELIVERED, RETURN_RECEIVED), and the seller
lists return orders by the published filters, paged with nextCursor."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

from stockpool.sandbox.core import Sandbox
from stockpool.sandbox.walmart import WalmartSandbox
from stockpool.sandbox.walmart.gateway import Quota
from tests.sandbox.walmart_support import (
    Api,
    buy,
    errors_of,
    receive_return,
    ship,
    start_return,
    walmart_headers,
)

pytest_plugins = ["tests.sandbox.walmart_fixtures"]


def listed(walmart_api: Api, **params: str) -> list[dict[str, Any]]:
    answer = walmart_api.get("/v3/returns", params=params)
    assert answer.status_code == 200, answer.text
    found: list[dict[str, Any]] = answer.json()["returnOrders"]
    return found


def ids(return_orders: list[dict[str, Any]]) -> list[str]:
    return [return_order["returnOrderId"] for return_order in return_orders]


def shipped(
    walmart_api: Api, walmart: WalmartSandbox, sku: str = "SKU-0001", units: int = 2
) -> str:
    purchase_order_id = buy(walmart, sku, units)
    ship(walmart_api, purchase_order_id, str(units))
    return purchase_order_id


def returned(
    walmart_api: Api, purchase_order_id: str, sku: str = "SKU-0001", units: int = 1
) -> str:
    answer = start_return(walmart_api, purchase_order_id, (sku, units))
    assert answer.status_code == 201, answer.text
    return_order_id: str = answer.json()["returnOrderId"]
    return return_order_id


def test_a_return_starts_initiated_and_is_delivered_once_received(
    walmart_api: Api, walmart: WalmartSandbox
) -> None:
    purchase_order_id = shipped(walmart_api, walmart, "SKU-0002", 3)
    answer = start_return(walmart_api, purchase_order_id, ("SKU-0002", 2), reason="DAMAGED_ITEM")
    assert answer.status_code == 201
    [return_order] = listed(walmart_api)
    assert return_order == answer.json()
    assert return_order["customerOrderId"] == walmart.orders[0]["customerOrderId"]
    [line] = return_order["returnOrderLines"]
    assert line["purchaseOrderId"] == purchase_order_id and line["purchaseOrderLineNumber"] == 1
    assert line["item"]["sku"] == "SKU-0002" and line["returnReason"] == "DAMAGED_ITEM"
    assert line["quantity"] == {"unitOfMeasure": "EACH", "measurementValue": 2}
    assert return_order["totalRefundAmount"] == {"currencyAmount": 39.98, "currencyUnit": "USD"}
    assert line["status"] == "INITIATED"
    assert [e["eventTag"] for e in line["returnTrackingDetail"]] == ["RETURN_INITIATED"]

    received = receive_return(walmart_api, return_order["returnOrderId"])
    assert received.status_code == 200
    [line] = listed(walmart_api)[0]["returnOrderLines"]
    assert (line["status"], line["currentDeliveryStatus"]) == ("DELIVERED", "DELIVERED")
    assert [e["eventTag"] for e in line["returnTrackingDetail"]] == [
        "RETURN_INITIATED",
        "RETURN_RECEIVED",
    ]
    again = receive_return(walmart_api, return_order["returnOrderId"])
    assert again.status_code == 409 and "already" in again.json()["detail"]


def test_received_at_once_when_the_buyer_return_says_so(
    walmart_api: Api, walmart: WalmartSandbox
) -> None:
    purchase_order_id = shipped(walmart_api, walmart)
    answer = start_return(walmart_api, purchase_order_id, ("SKU-0001", 1), received=True)
    assert answer.json()["returnOrderLines"][0]["status"] == "DELIVERED"


@pytest.mark.parametrize(
    ("lines", "status", "said"),
    [
        ([("SKU-0001", 3)], 409, "cannot return 3"),  # 2 shipped
        ([("SKU-0001", 1), ("SKU-0001", 2)], 409, "cannot return 2"),
        ([("SKU-0004", 1)], 409, "no shipped units of SKU-0004"),  # not on the order
        ([("SKU-0001", 0)], 400, "quantity"),
    ],
)
def test_a_buyer_cannot_return_more_than_was_shipped(
    walmart_api: Api,
    walmart: WalmartSandbox,
    lines: list[tuple[str, int]],
    status: int,
    said: str,
) -> None:
    purchase_order_id = shipped(walmart_api, walmart, "SKU-0001", 2)
    answer = start_return(walmart_api, purchase_order_id, *lines)
    assert answer.status_code == status
    assert said in answer.json()["detail"]
    assert walmart.return_orders == []


def test_units_returned_once_cannot_be_returned_again(
    walmart_api: Api, walmart: WalmartSandbox
) -> None:
    purchase_order_id = shipped(walmart_api, walmart, "SKU-0001", 2)
    returned(walmart_api, purchase_order_id)
    assert start_return(walmart_api, purchase_order_id, ("SKU-0001", 2)).status_code == 409
    returned(walmart_api, purchase_order_id)


def test_an_order_not_shipped_or_unknown_is_refused(
    walmart_api: Api, walmart: WalmartSandbox
) -> None:
    created = buy(walmart)
    refused = start_return(walmart_api, created, ("SKU-0001", 1))
    assert refused.status_code == 409 and "no shipped units" in refused.json()["detail"]
    assert start_return(walmart_api, "404404", ("SKU-0001", 1)).status_code == 404
    assert receive_return(walmart_api, "404404").status_code == 404
    no_lines = walmart_api.client.post(
        f"/_sandbox/walmart/orders/{created}/return", json={"lines": []}
    )
    assert no_lines.status_code == 400


def test_pages_follow_next_cursor_oldest_first(walmart_api: Api, walmart: WalmartSandbox) -> None:
    purchase_order_id = shipped(walmart_api, walmart, "SKU-0003", 5)
    made = [returned(walmart_api, purchase_order_id, "SKU-0003") for _ in range(5)]
    first = walmart_api.get("/v3/returns", params={"limit": "2", "status": "INITIATED"}).json()
    assert first["meta"]["totalCount"] == 5 and first["meta"]["limit"] == 2
    seen = ids(first["returnOrders"])
    cursor = first["meta"].get("nextCursor")
    pages = 1
    while cursor:
        assert cursor.startswith("?") and "status=INITIATED" in cursor and "offset=" in cursor
        page = walmart_api.get("/v3/returns" + cursor).json()
        seen += ids(page["returnOrders"])
        cursor = page["meta"].get("nextCursor")
        pages += 1
    assert (seen, pages) == (made, 3)
    assert listed(walmart_api, limit="200") == listed(walmart_api, limit="5")
    assert len(listed(walmart_api)) == 5  # ten by default


def test_filters_by_status_ids_and_dates(walmart_api: Api, walmart: WalmartSandbox) -> None:
    first_order = shipped(walmart_api, walmart, "SKU-0001")
    second_order = shipped(walmart_api, walmart, "SKU-0002")
    old, new = returned(walmart_api, first_order), returned(walmart_api, second_order, "SKU-0002")
    two_days_ago = (datetime.now(UTC) - timedelta(days=2)).isoformat(timespec="milliseconds")
    with walmart.lock:  # the first return was made two days ago
        back_dated = walmart.return_orders[0]
        back_dated["returnOrderDate"] = two_days_ago
        for line in back_dated["returnOrderLines"]:
            line["statusTime"] = line["returnTrackingDetail"][0]["eventTime"] = two_days_ago
    # midnight yesterday, as a timestamp: the model types the dates date-time (its text also
    # allows a bare date, which the sandbox takes too)
    yesterday = (datetime.now(UTC) - timedelta(days=1)).strftime("%Y-%m-%dT00:00:00Z")
    assert ids(listed(walmart_api, returnCreationStartDate=yesterday)) == [new]
    assert ids(listed(walmart_api, returnCreationEndDate=yesterday)) == [old]
    assert ids(listed(walmart_api, returnLastModifiedStartDate=yesterday)) == [new]
    assert ids(listed(walmart_api, returnOrderId=old)) == [old]
    customer = walmart.orders[1]["customerOrderId"]
    assert ids(listed(walmart_api, customerOrderId=customer)) == [new]
    assert ids(listed(walmart_api, returnType="REFUND", replacementInfo="true")) == [old, new]
    assert listed(walmart_api, returnType="REPLACEMENT") == []

    receive_return(walmart_api, old)  # receiving modifies it: it is recent again
    assert ids(listed(walmart_api, returnLastModifiedStartDate=yesterday)) == [old, new]
    assert ids(listed(walmart_api, status="DELIVERED")) == [old]
    assert ids(listed(walmart_api, status="INITIATED")) == [new]
    assert listed(walmart_api, status="COMPLETED") == []


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"limit": "0"}, "limit"),
        ({"limit": "201"}, "limit"),
        ({"status": "RECEIVED"}, "status"),
        ({"returnType": "EXCHANGE"}, "returnType"),
        ({"replacementInfo": "yes"}, "replacementInfo"),
        ({"returnCreationStartDate": "last week"}, "returnCreationStartDate"),
        ({"returnLastModifiedEndDate": "2026-13-40"}, "returnLastModifiedEndDate"),
    ],
)
def test_bad_parameters_are_400_naming_them(
    walmart_api: Api, params: dict[str, str], field: str
) -> None:
    answer = walmart_api.get("/v3/returns", params=params)
    assert answer.status_code == 400
    item = errors_of(answer)[0]
    assert item["code"] == "INVALID_REQUEST_PARAM" and item["field"] == field


def test_returns_pass_the_gateway_token_headers_and_quota(
    serve: Callable[[Sandbox], str], walmart_bare: httpx.Client
) -> None:
    assert walmart_bare.get("/v3/returns", headers=walmart_headers()).status_code == 401
    no_correlation = walmart_headers("any")
    del no_correlation["WM_QOS.CORRELATION_ID"]
    assert walmart_bare.get("/v3/returns", headers=no_correlation).status_code == 400
    tight = WalmartSandbox(quotas={"returns": Quota(1, 60)})
    with httpx.Client(base_url=serve(tight), timeout=10) as client:
        headers = walmart_headers(tight.credentials["access_token"])
        assert client.get("/v3/returns", headers=headers).status_code == 200
        throttled = client.get(
            "/v3/returns", headers=walmart_headers(tight.credentials["access_token"])
        )
    assert throttled.status_code == 429 and "Retry-After" in throttled.headers
    assert errors_of(throttled)[0]["code"] == "REQUEST_THRESHOLD_VIOLATED.GMP_GATEWAY_API"
