"""A Walmart sandbox served on a free port and a connector to it, both on one hand-moved clock:
sleeping moves the clock, so nothing really waits."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import httpx

from stockpool.channels.resilience import Backoff
from stockpool.channels.walmart import WalmartConnector
from stockpool.domain.listings import Listing
from stockpool.domain.platforms import Push
from stockpool.sandbox.serve import running
from stockpool.sandbox.walmart import WalmartSandbox
from stockpool.sandbox.walmart.epoch import now_ms
from stockpool.sandbox.walmart.purchase_orders import LineChange, acknowledge, apply


def walmart_time() -> datetime:
    """The sandbox dates its orders by the real time: the connector's wall clock follows it."""
    return datetime.fromtimestamp(now_ms() / 1000, UTC)


DELAY = 60.0  # a PUT shows this long after it is taken
FEED_SECONDS = 1800.0  # a feed processes this long


@dataclass
class HandClock:
    """Monotonic seconds moved by hand; sleep() moves it and records how long."""

    now: float = 1_000.0
    slept: list[float] = field(default_factory=list)

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds


@dataclass
class World:
    walmart: WalmartSandbox
    url: str
    clock: HandClock

    def connector(self, **options: Any) -> WalmartConnector:
        options.setdefault("backoff", Backoff(jitter=lambda: 0.5))
        return WalmartConnector(
            self.url,
            self.walmart.credentials,
            clock=self.clock,
            sleep=self.clock.sleep,
            wall=walmart_time,
            **options,
        )

    def calls(self, path: str) -> list[dict[str, Any]]:
        with self.walmart.lock:
            return self.walmart.requests.since(0, path)

    def buy(self, sku: str = "SKU-0001", units: int = 1) -> str:
        with self.walmart.lock:
            order = self.walmart.place_order(sku, units)
        assert order is not None, f"the sandbox shows fewer than {units} of {sku}"
        return str(order["purchaseOrderId"])

    def ship(self, purchase_order_id: str) -> None:
        """The seller ships every unit of the order (as its shipping call would)."""
        with self.walmart.lock:
            order = self.walmart.purchase_order(purchase_order_id)
            assert order is not None, f"no purchase order {purchase_order_id}"
            acknowledge(order, now_ms())
            for line in order["orderLines"]["orderLine"]:
                units = int(line["orderLineQuantity"]["amount"])
                apply(order, LineChange(line["lineNumber"], units, "Shipped", {}), now_ms())

    def control(self, method: str, path: str, body: Any = None) -> dict[str, Any]:
        """A call to the sandbox's control routes under /_sandbox/walmart."""
        answer = httpx.request(method, f"{self.url}/_sandbox/walmart{path}", json=body)
        assert answer.is_success, answer.text
        found: dict[str, Any] = answer.json()
        return found

    def return_units(self, purchase_order_id: str, sku: str, units: int, **more: Any) -> str:
        """A buyer returns units of a shipped order (INITIATED): the returnOrderId."""
        body = {"lines": [{"sku": sku, "quantity": units}], **more}
        return str(
            self.control("POST", f"/orders/{purchase_order_id}/return", body)["returnOrderId"]
        )

    def receive(self, return_order_id: str) -> None:
        self.control("POST", f"/returns/{return_order_id}/receive")

    def set_wfs(self, sku: str, on_hand: int, available: int | None = None) -> None:
        self.control("PUT", f"/wfs/{sku}", {"on_hand": on_hand, "available_to_sell": available})


def served_world() -> Iterator[World]:
    """A seeded sandbox (SKU-0001..5 showing 10 each), served until the generator ends."""
    clock = HandClock()
    walmart = WalmartSandbox(
        delay_seconds=DELAY, seed=3, clock=clock, feed_processing_seconds=FEED_SECONDS
    )
    walmart.seed(5, quantity=10)
    with running(walmart) as url:
        yield World(walmart, url, clock)
    walmart.close()


def listing(sku: str = "SKU-0001", ship_node: str | None = None) -> Listing:
    return Listing("walmart-us", sku, "TEE-M", ship_node=ship_node)


def push(sku: str, quantity: int, ship_node: str | None = None, version: int = 1) -> Push:
    return Push(listing(sku, ship_node), quantity, version)
