"""Walmart's payloads read without a sandbox: order states from line statuses, both error
wrappers, its quota headers, and the feed id's @ sent encoded."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest

from stockpool.channels.resilience import Backoff
from stockpool.channels.walmart.client import WalmartClient, problems
from stockpool.channels.walmart.inventory import follow_feed
from stockpool.channels.walmart.purchase_orders import state_of, to_order
from stockpool.domain.platforms import Feed, FeedState, PlatformOrderLine, PlatformOrderState
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
