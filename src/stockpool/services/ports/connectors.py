"""The connector Protocol: what services ask of a sales platform. One implementation per
platform lives in stockpool.channels; each turns the platform's payloads into domain values
(stockpool.domain.platforms) and never touches the store.

Each method may raise PlatformUnavailable (the platform cannot be reached now: throttled past
its retries, failing, or its circuit open): the caller tries again later.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Protocol

from stockpool.domain.channels import Platform
from stockpool.domain.listings import Listing
from stockpool.domain.platforms import (
    Cancellation,
    Delivered,
    Feed,
    FulfilledStock,
    OrdersPage,
    PlatformItem,
    PlatformOrder,
    PlatformOrderLine,
    Push,
    Pushed,
    ReturnsPage,
    Shown,
)
from stockpool.domain.sync_health import Vitals


class Connector(Protocol):
    @property
    def platform(self) -> Platform: ...

    def push(self, pushes: Sequence[Push]) -> list[Pushed]:
        """Set each listing's number with single calls; one result per push, in order. When
        the platform's circuit opens partway the results end there (the rest were not sent);
        CircuitOpen when not one was sent."""
        ...

    def push_feed(self, pushes: Sequence[Push]) -> Feed:
        """Submit the numbers as one bulk feed; follow it with feed()."""
        ...

    def feed(self, feed: Feed) -> Feed:
        """The feed as the platform reports it now; its results once it is done."""
        ...

    def shown(self, listings: Sequence[Listing]) -> list[Shown]:
        """What each listing shows on the platform now."""
        ...

    def catalogue(self, wanted: Sequence[str] = ()) -> list[PlatformItem]:
        """Every sellable item the platform lists for this seller. A platform whose listing of
        them stops short (Amazon's search pages through 1,000) also looks up the channel SKUs
        in `wanted` it did not reach."""
        ...

    def orders_since(self, cursor: str | None) -> OrdersPage:
        """Orders created or changed since cursor (None: the platform's default window)."""
        ...

    def returns_since(self, cursor: str | None) -> ReturnsPage:
        """Returns the platform reports back with the seller since cursor (None: its default
        window); a platform whose API reports none answers an empty page."""
        ...

    def fulfilled_stock(self) -> FulfilledStock | None:
        """What the platform's own fulfilment network (Amazon FBA, Walmart WFS) holds for the
        seller now, every listing of it; None where the platform has none (Shopify)."""
        ...

    def acknowledge(self, orders: Sequence[PlatformOrder]) -> None:
        """Tell the platform these orders are taken (where it asks for it; else nothing)."""
        ...

    def cancel(self, external_id: str, lines: Sequence[PlatformOrderLine]) -> Cancellation:
        """Cancel these units of the platform's order external_id where its API allows: DONE;
        MANUAL (detail says what a person must do) where it does not or refuses for good;
        FAILED when it cannot be reached now (tried again later)."""
        ...

    def close(self) -> None:
        """Let go of the connections it holds."""
        ...

    def vitals(self) -> Vitals:
        """How its calls fare now: its circuit breaker, failures in a row, throttled answers."""
        ...

    def webhook(self, headers: Mapping[str, str], body: bytes) -> Delivered:
        """A delivery the platform sent: its event id, orders and returns. WebhookRefused when
        it is not signed by the platform."""
        ...
