"""A connector that stands for a platform in the sync worker's tests: it records every number it
is sent and answers as told (taken, failed, refused; feeds processing until released)."""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime

from stockpool.domain.channels import Platform
from stockpool.domain.errors import CircuitOpen, PlatformUnavailable, WebhookRefused
from stockpool.domain.listings import Listing
from stockpool.domain.platforms import (
    Cancellation,
    CancellationOutcome,
    Delivered,
    Feed,
    FeedState,
    FulfilledStock,
    OrdersPage,
    Outcome,
    PlatformItem,
    PlatformOrder,
    PlatformOrderLine,
    PlatformOrderState,
    PlatformReturn,
    Push,
    Pushed,
    ReturnsPage,
    Shown,
)
from stockpool.domain.sync_health import Vitals


class FakePlatform:
    """What the platform shows per channel SKU, and every push it was sent."""

    def __init__(self, platform: Platform, clock: Callable[[], datetime]) -> None:
        self.platform = platform
        self.clock = clock
        self.frozen: set[str] = set()  # listings whose number no push changes (drift)
        self.during_push: Callable[[], object] | None = None  # runs inside each push call
        self.shows: dict[str, int] = {}
        self.sent: list[tuple[str, int, int]] = []  # (channel_sku, quantity, version)
        self.calls = 0
        self.answer: dict[str, Outcome] = {}  # channel_sku -> outcome (default APPLIED)
        self.down = False
        self.circuit_opens_after: int | None = None  # pushes a call sends before its circuit opens
        self.feeds_down = False  # feeds refused (their quota spent), single calls taken
        self.feeds: dict[str, tuple[Push, ...]] = {}
        self.feeds_done: set[str] = set()
        self.in_flight = 0
        self.orders: list[PlatformOrder] = []  # buyers' orders, as its order API reports them
        self.returns: list[PlatformReturn] = []  # returns back with the seller, as reported
        self.returns_page = 100  # returns per page of returns_since
        self.fulfilled: FulfilledStock | None = None  # its fulfilment network's stock
        self.overlapped = False  # two pushes at once: the lease did not hold
        self.vitals = Vitals()  # what every connector of it reports of its calls
        self._lock = threading.Lock()

    def connector(self) -> FakeConnector:
        return FakeConnector(self)

    def sell(self, channel_sku: str, units: int = 1) -> None:
        """A buyer orders: the platform takes the units off what it shows, at once."""
        self.shows[channel_sku] -= units
        now = self.clock()
        line = PlatformOrderLine(channel_sku, units)
        number = f"B-{len(self.orders) + 1}"
        self.orders.append(PlatformOrder(number, PlatformOrderState.OPEN, (line,), now, now))


class FakeConnector:
    def __init__(self, fake: FakePlatform) -> None:
        self.fake = fake

    @property
    def platform(self) -> Platform:
        return self.fake.platform

    def push(self, pushes: Sequence[Push]) -> list[Pushed]:
        fake = self.fake
        with fake._lock:
            fake.in_flight += 1
            fake.overlapped |= fake.in_flight > 1
            fake.calls += 1
        try:
            if fake.down:
                raise PlatformUnavailable("the fake platform is down")
            if fake.during_push is not None:
                fake.during_push()
            if fake.circuit_opens_after is not None:  # the rest are not sent: no result
                pushes = pushes[: fake.circuit_opens_after]
                if not pushes:
                    raise CircuitOpen("the fake platform's circuit is open", retry_in=30.0)
            return [self._apply(p) for p in pushes]
        finally:
            with fake._lock:
                fake.in_flight -= 1

    def _apply(self, push: Push) -> Pushed:
        fake = self.fake
        code = push.listing.channel_sku
        outcome = fake.answer.get(code, Outcome.APPLIED)
        if outcome is Outcome.APPLIED:
            fake.sent.append((code, push.quantity, push.version))
            if code not in fake.frozen:
                fake.shows[code] = push.quantity
        return Pushed(push, outcome, None if outcome is Outcome.APPLIED else f"told to {outcome}")

    def push_feed(self, pushes: Sequence[Push]) -> Feed:
        if self.fake.down or self.fake.feeds_down:
            raise PlatformUnavailable("the fake platform is down")
        feed_id = f"feed-{len(self.fake.feeds) + 1}"
        self.fake.feeds[feed_id] = tuple(pushes)
        return Feed(feed_id, tuple(pushes))

    def feed(self, feed: Feed) -> Feed:
        if feed.feed_id not in self.fake.feeds_done:
            return Feed(feed.feed_id, feed.pushes)
        results = tuple(self._apply(p) for p in feed.pushes)
        return Feed(feed.feed_id, feed.pushes, FeedState.DONE, results)

    def shown(self, listings: Sequence[Listing]) -> list[Shown]:
        now = self.fake.clock()
        return [Shown(x.channel_sku, self.fake.shows.get(x.channel_sku), now) for x in listings]

    def catalogue(self, wanted: Sequence[str] = ()) -> list[PlatformItem]:
        return []

    def orders_since(self, cursor: str | None) -> OrdersPage:
        if self.fake.down:
            raise PlatformUnavailable("the fake platform is down")
        start = int(cursor or 0)
        return OrdersPage(tuple(self.fake.orders[start:]), str(len(self.fake.orders)))

    def returns_since(self, cursor: str | None) -> ReturnsPage:
        if self.fake.down:
            raise PlatformUnavailable("the fake platform is down")
        start = int(cursor or 0)
        page = tuple(self.fake.returns[start : start + self.fake.returns_page])
        return ReturnsPage(page, str(start + len(page)))

    def fulfilled_stock(self) -> FulfilledStock | None:
        if self.fake.down:
            raise PlatformUnavailable("the fake platform is down")
        return self.fake.fulfilled

    def acknowledge(self, orders: Sequence[PlatformOrder]) -> None:
        return None

    def webhook(self, headers: Mapping[str, str], body: bytes) -> Delivered:
        raise WebhookRefused("the fake platform sends no webhooks")

    def cancel(self, external_id: str, lines: Sequence[PlatformOrderLine]) -> Cancellation:
        return Cancellation(CancellationOutcome.MANUAL, "the fake platform cancels nothing")

    def close(self) -> None:
        return None

    def vitals(self) -> Vitals:
        return self.fake.vitals
