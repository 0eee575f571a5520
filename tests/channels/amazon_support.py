"""The Amazon connector's tests share: a sandbox served on a free port, on a clock the test
moves, and a connector pointed at it that sleeps by recording (no test really waits)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import httpx

from stockpool.channels.amazon import AmazonConnector
from stockpool.channels.resilience import Backoff, CircuitBreaker
from stockpool.domain.listings import Listing
from stockpool.domain.platforms import Push
from stockpool.sandbox.amazon import AmazonSandbox
from stockpool.sandbox.serve import running
from tests.sandbox.timing import Clock


@dataclass
class Sleeps:
    """An injected sleep: records each wait, moves the clock, and may run a hook first."""

    clock: Clock
    waits: list[float] = field(default_factory=list)
    hooks: list[Any] = field(default_factory=list)

    def __call__(self, seconds: float) -> None:
        self.waits.append(seconds)
        self.clock.advance(seconds)
        for hook in self.hooks:
            hook()


@dataclass
class Market:
    sandbox: AmazonSandbox
    url: str
    clock: Clock
    sleeps: Sleeps
    connector: AmazonConnector
    breaker: CircuitBreaker

    def faults(self, **faults: Any) -> None:
        answer = httpx.put(f"{self.url}/_sandbox/faults", json=faults)
        assert answer.status_code == 200, answer.text

    def order(self, sku: str, quantity: int = 1) -> str:
        with self.sandbox.lock:
            placed = self.sandbox.place_order(sku, quantity)
        assert placed is not None
        order_id: str = placed["orderId"]
        return order_id

    def change_order(self, order_id: str, action: str) -> None:
        answer = httpx.post(f"{self.url}/_sandbox/amazon/orders/{order_id}/{action}")
        assert answer.status_code == 200, answer.text

    def shipped(self, sku: str, quantity: int = 1) -> str:
        """A buyer's order of `quantity` of sku, shipped; its Amazon order id."""
        order_id = self.order(sku, quantity)
        self.change_order(order_id, "ship")
        return order_id

    def give_back(
        self, order_id: str, *lines: tuple[str, int], reason: str = "CR-DEFECTIVE", **extra: Any
    ) -> str:
        """The buyer returns these units of the order; the return's Amazon RMA id."""
        answer = httpx.post(
            f"{self.url}/_sandbox/amazon/orders/{order_id}/return",
            json={
                "lines": [{"sku": sku, "quantity": units} for sku, units in lines],
                "reason": reason,
                **extra,
            },
        )
        assert answer.status_code == 201, answer.text
        rma_id: str = answer.json()["amazonRmaId"]
        return rma_id

    def set_fba(self, sku: str, **units: int) -> None:
        answer = httpx.put(f"{self.url}/_sandbox/amazon/fba/{sku}", json=units)
        assert answer.status_code == 200, answer.text

    def calls(self, path_start: str, method: str = "GET") -> list[dict[str, Any]]:
        """The SP-API requests the sandbox logged under path_start, oldest first."""
        return [
            entry
            for entry in self.sandbox.requests.since()
            if entry["path"].startswith(path_start) and entry["method"] == method
        ]


def listing(sku: str, fulfillment_channel: str | None = "DEFAULT") -> Listing:
    return Listing("amazon", sku, sku, fulfillment_channel=fulfillment_channel)


def push(sku: str, quantity: int, version: int = 1) -> Push:
    return Push(listing(sku), quantity, version)


@contextmanager
def market(*, skus: int = 3, shown: int = 5, **options: Any) -> Iterator[Market]:
    """A served Amazon sandbox (SKU-0001… showing `shown`) and a connector to it."""
    clock = Clock()
    options.setdefault("delay_seconds", 0)
    options.setdefault("feed_queue_seconds", 10)
    options.setdefault("feed_processing_seconds", 20)
    options.setdefault("report_queue_seconds", 2)
    options.setdefault("report_processing_seconds", 3)
    windows = options.pop("returns_windows", None)
    sandbox = AmazonSandbox(clock=clock, seed=7, **options)
    sandbox.seed(skus, shown)
    with running(sandbox) as url:
        sleeps = Sleeps(clock)
        breaker = CircuitBreaker(failures=5, cooldown=30, clock=clock)
        connector = AmazonConnector(
            sandbox.credentials,
            url,
            sandbox.describe()["token_url"],
            now=lambda: datetime.now(UTC),  # the sandbox dates its orders by the wall clock
            clock=clock,
            sleep=sleeps,
            backoff=Backoff(base=0.5, cap=30, attempts=5, jitter=lambda: 0.5),
            breaker=breaker,
            returns_windows=windows,
        )
        try:
            yield Market(sandbox, url, clock, sleeps, connector, breaker)
        finally:
            connector.close()
