"""The parts every sandbox shares: the shelf and its delay, quotas, faults, buyers, control."""

from __future__ import annotations

import time
from typing import Any

import httpx
import pytest
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from stockpool.sandbox.core import Sandbox
from stockpool.sandbox.faults import parse_fault
from stockpool.sandbox.ratelimit import TokenBucket
from stockpool.sandbox.shelf import Shelf
from tests.sandbox.timing import Clock


class Toy(Sandbox):
    """The smallest marketplace: GET and PUT a quantity, orders as dicts."""

    platform = "toy"
    default_delay_seconds = 0.0

    def new_credentials(self) -> dict[str, str]:
        return {"token": "toy-token"}

    def routes(self) -> list[BaseRoute]:
        async def read(request: Request) -> Response:
            with self.lock:
                listing = self.shelf.get(request.path_params["sku"])
                return JSONResponse({"shown": listing.shown if listing else None})

        async def write(request: Request) -> Response:
            with self.lock:
                self.shelf.push(request.path_params["sku"], int(request.query_params["q"]))
            return JSONResponse({"accepted": True})

        return [
            Route("/items/{sku}", read, methods=["GET"]),
            Route("/items/{sku}", write, methods=["PUT"]),
        ]

    def place_order(self, sku: str, quantity: int) -> dict[str, Any] | None:
        if not self.shelf.take(sku, quantity):
            return None
        order = {"id": len(self.orders) + 1, "sku": sku, "quantity": quantity}
        self.orders.append(order)
        return order

    def server_error(self, status: int) -> Response:
        return JSONResponse({"error": "boom"}, status_code=status)

    def throttled(self) -> Response:
        return JSONResponse({"error": "slow down"}, status_code=429)


def test_a_push_shows_only_after_its_delay_and_the_last_one_wins() -> None:
    clock = Clock()
    shelf = Shelf(delay_seconds=10, clock=clock)
    shelf.add("A", 3)
    shelf.push("A", 7)
    clock.now += 5
    shelf.push("A", 4)
    assert (shelf.get("A").shown, shelf.expected("A")) == (3, 4)  # type: ignore[union-attr]
    clock.now += 5
    assert shelf.get("A").shown == 7  # type: ignore[union-attr]
    clock.now += 5
    assert shelf.get("A").shown == 4  # type: ignore[union-attr]
    assert shelf.get("A").pending == []  # type: ignore[union-attr]


def test_buyers_take_what_is_shown_and_a_landing_push_overwrites_sales() -> None:
    clock = Clock()
    shelf = Shelf(delay_seconds=10, clock=clock)
    shelf.add("A", 1)
    shelf.push("A", 5)
    assert shelf.take("A", 1) and not shelf.take("A", 1)
    clock.now += 10
    assert shelf.get("A").shown == 5  # type: ignore[union-attr]
    assert shelf.take("A", 2, pending_too=True)
    shelf.push("A", 5)
    assert shelf.take("A", 3, pending_too=True)
    assert shelf.expected("A") == 2  # the admin number moved with the sale
    assert not shelf.take("A", 0) and not shelf.take("missing", 1)


def test_a_bucket_refills_at_its_rate_up_to_its_burst() -> None:
    clock = Clock()
    bucket = TokenBucket(rate=2, burst=3, clock=clock)
    assert [bucket.take() for _ in range(4)] == [True, True, True, False]
    assert bucket.seconds_until() == pytest.approx(0.5)
    clock.now += 10
    assert bucket.available() == 3


def test_faults_from_the_command_line_are_checked() -> None:
    platform, change = parse_fault("amazon.error_rate=0.25")
    assert (platform, change.error_rate) == ("amazon", 0.25)
    assert parse_fault("stuck_feeds=true")[1].stuck_feeds is True
    for wrong in ("error_rate", "amazon.nope=1", "error_rate=2", "error_rate=lots"):
        with pytest.raises(ValueError, match=wrong.split("=")[0]):
            parse_fault(wrong)


def test_control_reads_and_steers_a_served_sandbox(serve: Any) -> None:
    toy = Toy(seed=7)
    toy.seed(2)
    client = httpx.Client(base_url=serve(toy))
    assert client.put("/items/SKU-0001", params={"q": 2}).status_code == 200
    assert client.get("/_sandbox/listings/SKU-0001").json()["shown"] == 2
    assert (
        client.post("/_sandbox/orders", json={"sku": "SKU-0001", "quantity": 2}).status_code == 201
    )
    refused = client.post("/_sandbox/orders", json={"sku": "SKU-0001"})
    assert refused.status_code == 409 and "shows 0" in refused.json()["detail"]
    assert client.post("/_sandbox/orders", json={"sku": "nope"}).status_code == 404
    assert (
        client.post("/_sandbox/orders", json={"sku": "SKU-0001", "quantity": 0}).status_code == 400
    )
    assert client.put("/_sandbox/listings/SKU-0002", json={"shown": 4}).json()["shown"] == 4
    assert [order["sku"] for order in client.get("/_sandbox/orders").json()] == ["SKU-0001"]

    summary = client.get("/_sandbox").json()
    assert summary["platform"] == "toy" and summary["credentials"] == {"token": "toy-token"}
    logged = client.get("/_sandbox/requests").json()
    assert [(entry["method"], entry["path"], entry["status"]) for entry in logged] == [
        ("PUT", "/items/SKU-0001", 200)
    ]  # control calls are not recorded
    assert client.get("/_sandbox/requests", params={"after": logged[-1]["id"]}).json() == []
    assert client.get("/_sandbox/requests", params={"after": "x"}).status_code == 400


def test_faults_are_injected_in_the_platform_shape_and_set_at_run_time(serve: Any) -> None:
    toy = Toy(seed=1)
    toy.seed(1)
    client = httpx.Client(base_url=serve(toy))
    assert client.put("/_sandbox/faults", json={"error_rate": 1}).json()["error_rate"] == 1
    assert client.get("/items/SKU-0001").json() == {"error": "boom"}
    client.put("/_sandbox/faults", json={"error_rate": 0, "throttle_rate": 1})
    assert client.get("/items/SKU-0001").status_code == 429
    client.put(
        "/_sandbox/faults", json={"throttle_rate": 0, "timeout_rate": 1, "timeout_seconds": 0}
    )
    assert client.get("/items/SKU-0001").status_code == 504
    assert [entry["fault"] for entry in client.get("/_sandbox/requests").json()] == [
        "error",
        "throttle",
        "timeout",
    ]
    wrong = client.put("/_sandbox/faults", json={"error_rate": 3})
    assert wrong.status_code == 400 and "error_rate" in wrong.json()["detail"]
    assert client.put("/_sandbox/faults", json={"typo": 1}).status_code == 400


def test_buyers_order_only_what_is_shown(serve: Any) -> None:
    toy = Toy(seed=3)
    toy.seed(3)
    client = httpx.Client(base_url=serve(toy))
    client.put("/_sandbox/listings/SKU-0002", json={"shown": 5})
    assert client.put("/_sandbox/buyers", json={"rate_per_minute": 12_000}).status_code == 200
    deadline = time.monotonic() + 10
    while client.get("/_sandbox/listings/SKU-0002").json()["shown"] > 0:
        assert time.monotonic() < deadline, "buyers did not buy what was shown"
        time.sleep(0.02)
    client.put("/_sandbox/buyers", json={"rate_per_minute": 0})
    orders = client.get("/_sandbox/orders").json()
    assert {order["sku"] for order in orders} == {"SKU-0002"}
    assert sum(order["quantity"] for order in orders) == 5  # never more than was shown
    assert client.put("/_sandbox/buyers", json={"rate_per_minute": -1}).status_code == 400

    # Stopped and started again, and a slow rate sped up at once: the buyers come back.
    client.put("/_sandbox/listings/SKU-0003", json={"shown": 2})
    client.put("/_sandbox/buyers", json={"rate_per_minute": 0.06, "skus": ["SKU-0003"]})
    client.put("/_sandbox/buyers", json={"rate_per_minute": 12_000, "skus": ["SKU-0003"]})
    deadline = time.monotonic() + 10
    while client.get("/_sandbox/listings/SKU-0003").json()["shown"] > 0:
        assert time.monotonic() < deadline, "buyers did not come back"
        time.sleep(0.02)
    toy.buyers.stop()
    assert client.get("/_sandbox/buyers").json()["placed"] == 7


def test_buyer_rates_are_per_minute_and_the_older_per_second_spelling_still_works(
    serve: Any,
) -> None:
    toy = Toy(seed=3)
    client = httpx.Client(base_url=serve(toy))
    try:
        assert (
            client.put("/_sandbox/buyers", json={"rate_per_minute": 30}).json()["rate_per_minute"]
            == 30
        )
        assert (
            client.put("/_sandbox/buyers", json={"rate_per_second": 2}).json()["rate_per_minute"]
            == 120
        )
        assert client.get("/_sandbox").json()["buyers"]["rate_per_minute"] == 120
        for body, message in (
            ({"quantity": 2}, "rate_per_minute is required"),
            ({"rate_per_minute": 1, "rate_per_second": 1}, "send one rate"),
        ):
            refused = client.put("/_sandbox/buyers", json=body)
            assert refused.status_code == 400 and message in refused.json()["detail"]
    finally:
        toy.buyers.stop()
