"""Walmart's payloads read without a sandbox: order states from line statuses, both error
wrappers, its quota headers, the feed id's @ sent encoded, return orders as returns and WFS
nodes as on-hand units."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

from stockpool.channels.resilience import Backoff
from stockpool.channels.walmart.client import WalmartClient, WalmartRefused, problems
from stockpool.channels.walmart.inventory import follow_feed
from stockpool.channels.walmart.purchase_orders import state_of, to_order
from stockpool.channels.walmart.return_orders import last_modified, to_returns
from stockpool.channels.walmart.returns import returns_since
from stockpool.channels.walmart.wfs import to_rows
from stockpool.domain.platforms import (
    Feed,
    FeedState,
    FulfilledRow,
    PlatformOrderLine,
    PlatformOrderState,
)
from tests.channels.walmart_support import HandClock, push

CREDENTIALS = {"client_id": "id", "client_secret": "secret"}


def order(*statuses: tuple[str, str], ordered: str = "2") -> dict[str, Any]:
    line = {
        "lineNumber": "1",
        "item": {"sku": "SKU-1"},
        "orderLineQuantity": {"unitOfMeasurement": "EACH", "amount": ordered},
        "statusDate": 1_780_000_060_000,
        "orderLineStatuses": {
            "orderLineStatus": [
                {"status": status, "statusQuantity": {"unitOfMeasurement": "EACH", "amount": n}}
                for status, n in statuses
            ]
        },
    }
    return {
        "purchaseOrderId": "1800000000001",
        "orderDate": 1_780_000_000_000,
        "orderLines": {"orderLine": [line]},
    }


@pytest.mark.parametrize(
    ("statuses", "state"),
    [
        ([("Created", "2")], PlatformOrderState.OPEN),
        ([("Acknowledged", "2")], PlatformOrderState.OPEN),
        ([("Cancelled", "1"), ("Acknowledged", "1")], PlatformOrderState.OPEN),
        ([("Shipped", "1"), ("Delivered", "1")], PlatformOrderState.SHIPPED),
        ([("Cancelled", "1"), ("Shipped", "1")], PlatformOrderState.SHIPPED),
        ([("Cancelled", "2")], PlatformOrderState.CANCELLED),
    ],
)
def test_an_orders_state_comes_from_its_lines_statuses(
    statuses: list[tuple[str, str]], state: PlatformOrderState
) -> None:
    assert state_of(order(*statuses)) == state


def test_a_purchase_order_reads_its_string_quantities_and_epoch_dates() -> None:
    found = to_order(order(("Created", "2")))
    assert found.lines == (PlatformOrderLine("SKU-1", 2),)
    assert found.placed_at == datetime.fromtimestamp(1_780_000_000, UTC)
    assert found.updated_at == datetime.fromtimestamp(1_780_000_060, UTC)


@pytest.mark.parametrize(
    "body",
    [
        {"errors": [{"code": "CONTENT_NOT_FOUND", "message": "No item", "field": "sku"}]},
        {"error": [{"code": "CONTENT_NOT_FOUND", "description": "No item", "field": "sku"}]},
    ],
)
def test_both_of_walmarts_error_wrappers_are_read(body: dict[str, Any]) -> None:
    said = problems(httpx.Response(404, json=body))
    assert said == "HTTP 404: CONTENT_NOT_FOUND: No item (sku)"


class Walmart:
    """A scripted Walmart: the token call, then the answers given, in turn."""

    def __init__(self, *answers: httpx.Response) -> None:
        self.answers = list(answers)
        self.seen: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.seen.append(request)
        if request.url.path == "/v3/token":
            return httpx.Response(200, json={"access_token": "t", "expires_in": 900})
        return self.answers.pop(0)


def client_on(walmart: Walmart, clock: HandClock) -> WalmartClient:
    return WalmartClient(
        "https://walmart.test",
        CREDENTIALS,
        transport=httpx.MockTransport(walmart),
        clock=clock,
        sleep=clock.sleep,
        wall=lambda: datetime.fromtimestamp(1_780_000_000, UTC),
        backoff=Backoff(jitter=lambda: 0.5),
    )


def test_the_token_count_walmart_reports_corrects_the_bucket() -> None:
    walmart = Walmart(httpx.Response(200, json={}, headers={"X-Current-Token-Count": "3"}))
    client = client_on(walmart, HandClock())
    client.request("inventory_put", "PUT", "/v3/inventory", params={"sku": "A"})
    assert client.buckets["inventory_put"].tokens == 3


def test_a_429_without_retry_after_waits_for_the_next_replenishment() -> None:
    throttled = httpx.Response(
        429,
        json={"error": [{"code": "REQUEST_THRESHOLD_VIOLATED.GMP_GATEWAY_API"}]},
        headers={"X-Current-Token-Count": "0", "X-Next-Replenishment-Time": "1780000004000"},
    )
    clock = HandClock()
    client = client_on(Walmart(throttled, httpx.Response(200, json={})), clock)
    assert client.request("inventory_get", "GET", "/v3/inventory").status_code == 200
    assert clock.slept == [4.0]


def test_a_feed_is_followed_with_its_at_sign_encoded() -> None:
    processed = {
        "feedStatus": "PROCESSED",
        "itemDetails": {"itemIngestionStatus": [{"index": 0, "ingestionStatus": "SUCCESS"}]},
    }
    walmart = Walmart(httpx.Response(200, content=json.dumps(processed)))
    feed = Feed("ABC@AQMBAQA", (push("SKU-0001", 2),))
    done = follow_feed(client_on(walmart, HandClock()), feed)
    assert done.state == FeedState.DONE
    assert walmart.seen[-1].url.raw_path.startswith(b"/v3/feeds/ABC%40AQMBAQA?")
    assert "includeDetails=true" in str(walmart.seen[-1].url)


def test_a_call_that_times_out_is_made_again() -> None:
    answers = iter([httpx.ReadTimeout("no answer"), httpx.Response(200, json={})])

    def walmart(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/v3/token":
            return httpx.Response(200, json={"access_token": "t", "expires_in": 900})
        answer = next(answers)
        if isinstance(answer, Exception):
            raise answer
        return answer

    clock = HandClock()
    client = WalmartClient(
        "https://walmart.test",
        CREDENTIALS,
        wall=lambda: datetime.fromtimestamp(1_780_000_000, UTC),
        transport=httpx.MockTransport(walmart),
        clock=clock,
        sleep=clock.sleep,
        backoff=Backoff(jitter=lambda: 0.5),
    )
    assert client.request("inventory_get", "GET", "/v3/inventory").status_code == 200
    assert len(clock.slept) == 1  # one backoff between the two attempts


def return_line(
    number: int,
    purchase_order_id: str,
    sku: str,
    units: float,
    *events: tuple[str, str],
    **more: Any,
) -> dict[str, Any]:
    return {
        "returnOrderLineNumber": number,
        "purchaseOrderId": purchase_order_id,
        "returnReason": "DEFECTIVE_ITEM",
        "item": {"sku": sku},
        "quantity": {"unitOfMeasure": "EACH", "measurementValue": units},
        "returnTrackingDetail": [
            {"sequenceNo": n, "eventTag": tag, "eventTime": at}
            for n, (tag, at) in enumerate(events)
        ],
        "status": "INITIATED",
        "statusTime": "2026-12-01T10:00:00.000Z",
        **more,
    }


INITIATED = ("RETURN_INITIATED", "2026-12-01T10:00:00.000Z")
RECEIVED = ("RETURN_RECEIVED", "2026-12-03T08:30:00.000Z")


def test_a_return_order_over_two_purchase_orders_is_a_return_each_for_its_received_lines() -> None:
    return_order = {
        "returnOrderId": "RO-1",
        "returnOrderDate": "2026-12-01T10:00:00.000Z",
        "returnOrderLines": [
            return_line(1, "PO-A", "SKU-1", 1, INITIATED, RECEIVED),
            return_line(2, "PO-A", "SKU-1", 2.0, INITIATED, RECEIVED, returnReason="WRONG_ITEM"),
            return_line(3, "PO-B", "SKU-2", 1, INITIATED, currentDeliveryStatus="DELIVERED"),
            return_line(4, "PO-B", "SKU-3", 1, INITIATED),  # on its way
            return_line(5, "PO-C", "SKU-4", 1, INITIATED, status="COMPLETED"),  # refund only
            return_line(6, "PO-C", "SKU-5", 1, INITIATED, RECEIVED, isKeepIt=True),
        ],
    }
    found = to_returns(return_order)
    assert [(r.return_id, r.order_external_id, r.lines, r.reason) for r in found] == [
        ("RO-1/PO-A/1+2", "PO-A", (PlatformOrderLine("SKU-1", 3),), "DEFECTIVE_ITEM, WRONG_ITEM"),
        ("RO-1/PO-B/3", "PO-B", (PlatformOrderLine("SKU-2", 1),), "DEFECTIVE_ITEM"),
    ]
    assert found[0].returned_at == datetime(2026, 12, 3, 8, 30, tzinfo=UTC)
    assert found[1].returned_at == datetime(2026, 12, 1, 10, tzinfo=UTC)  # its statusTime
    assert last_modified(return_order) == datetime(2026, 12, 3, 8, 30, tzinfo=UTC)


def test_a_return_quantity_that_is_not_whole_units_is_refused_by_name() -> None:
    return_order = {
        "returnOrderId": "RO-2",
        "returnOrderDate": "2026-12-01T10:00:00.000+0000",
        "returnOrderLines": [return_line(1, "PO-A", "SKU-1", 1.5, INITIATED, RECEIVED)],
    }
    with pytest.raises(WalmartRefused, match=r"return line 1 .* 1\.5"):
        to_returns(return_order)


def test_wfs_on_hand_sums_the_wfs_nodes_only() -> None:
    item = {
        "sku": "SKU-1",
        "shipNodes": [
            {"onHandQty": 4, "availToSellQty": 1, "shipNodeType": "WFSFulfilled"},
            {"onHandQty": 3, "availToSellQty": 3},
            {"onHandQty": 50, "availToSellQty": 50, "shipNodeType": "SellerFulfilled"},
        ],
    }
    assert to_rows([item, {"sku": "SKU-2", "shipNodes": []}]) == [
        FulfilledRow("SKU-1", 7),
        FulfilledRow("SKU-2", 0),
    ]
    with pytest.raises(WalmartRefused, match="onHandQty -1"):
        to_rows([{"sku": "SKU-3", "shipNodes": [{"onHandQty": -1}]}])


def test_returns_paging_ends_at_an_empty_page_whatever_its_next_cursor_says() -> None:
    received = {
        "returnOrderId": "RO-3",
        "returnOrderDate": "2026-12-01T10:00:00.000Z",
        "returnOrderLines": [return_line(1, "PO-A", "SKU-1", 1, INITIATED, RECEIVED)],
    }
    walmart = Walmart(
        httpx.Response(200, json={"meta": {"nextCursor": "?offset=1"}, "returnOrders": [received]}),
        httpx.Response(200, json={"meta": {"nextCursor": "?offset=2"}, "returnOrders": []}),
    )
    client = client_on(walmart, HandClock())
    page = returns_since(client, None, page_size=1, max_pages=10)
    assert [r.return_id for r in page.returns] == ["RO-3/PO-A/1"]
    asked = [request.url for request in walmart.seen if request.url.path == "/v3/returns"]
    thirty_days_before = datetime.fromtimestamp(1_780_000_000, UTC) - timedelta(days=30)
    start = datetime.fromisoformat(asked[0].params["returnLastModifiedStartDate"])
    assert start == thirty_days_before  # the client's wall clock, less the default window
    assert asked[1].query == b"offset=1" and walmart.answers == []
    since = json.loads(page.cursor or "")["since_ms"]
    assert since == last_modified(received).timestamp() * 1000  # the next poll starts there
