"""ShopifyConnector: the connector Protocol over one shop's Admin GraphQL and its webhooks."""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime
from functools import partial
from typing import TYPE_CHECKING

import httpx

from stockpool.channels.resilience import Backoff, Clock, Sleep, push_each
from stockpool.channels.shopify import cancellation, catalogue, orders, returns, webhooks
from stockpool.channels.shopify.client import Admin, ShopifyCredentials
from stockpool.channels.shopify.inventory import Inventory
from stockpool.domain.channels import Platform
from stockpool.domain.listings import Listing
from stockpool.domain.platforms import (
    Cancellation,
    Delivered,
    Feed,
    FeedState,
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

if TYPE_CHECKING:
    from stockpool.services.ports.connectors import Connector


class ShopifyConnector:
    """One Shopify shop, built from its `credentials` (as `stockpool sandbox --json` prints
    them) and its base `url`; `transport`, the clocks (`clock` monotonic for pacing, `now`
    for when a number was read), sleep and backoff are for tests."""

    def __init__(
        self,
        url: str,
        credentials: Mapping[str, str],
        *,
        transport: httpx.BaseTransport | None = None,
        clock: Clock = time.monotonic,
        sleep: Sleep = time.sleep,
        backoff: Backoff | None = None,
        now: Callable[[], datetime] = partial(datetime.now, UTC),
        orders_page_size: int = orders.PAGE_SIZE,
        returns_page_size: int = returns.PAGE_SIZE,
    ) -> None:
        self.admin = Admin(
            url,
            ShopifyCredentials.of(credentials),
            transport=transport,
            clock=clock,
            sleep=sleep,
            backoff=backoff or Backoff(),
        )
        self.inventory = Inventory(self.admin, now)
        self.orders_page_size = orders_page_size
        self.returns_page_size = returns_page_size

    @property
    def platform(self) -> Platform:
        return Platform.SHOPIFY

    def push(self, pushes: Sequence[Push]) -> list[Pushed]:
        """One inventorySetQuantities call per push (the results end where the circuit opened:
        stockpool.channels.resilience.push_each)."""
        return push_each(pushes, lambda push: self.inventory.set_available([push])[0])

    def push_feed(self, pushes: Sequence[Push]) -> Feed:
        """Shopify has no bulk feed: the numbers go out as one batched inventorySetQuantities
        (every quantity in one mutation), and the Feed comes back already DONE with its results."""
        results = self.inventory.set_available(pushes)
        return Feed(
            feed_id=f"shopify-batch-{uuid.uuid4()}",
            pushes=tuple(pushes),
            state=FeedState.DONE,
            results=tuple(results),
        )

    def feed(self, feed: Feed) -> Feed:
        """A Shopify 'feed' is done when push_feed returns: it is its own answer."""
        return feed

    def shown(self, listings: Sequence[Listing]) -> list[Shown]:
        """`available` at each listing's inventory item and location, as the admin shows it."""
        return self.inventory.shown(listings)

    def catalogue(self, wanted: Sequence[str] = ()) -> list[PlatformItem]:
        """Every item: the listing is complete, `wanted` is not needed."""
        return catalogue.catalogue(self.admin)

    def orders_since(self, cursor: str | None) -> OrdersPage:
        """Orders updated after cursor (None: every order the app may read, Shopify's last 60
        days without read_all_orders). Call again with the returned cursor until a page comes
        back empty; states are mapped as stockpool.channels.shopify.orders says."""
        return orders.orders_since(self.admin, cursor, self.orders_page_size)

    def returns_since(self, cursor: str | None) -> ReturnsPage:
        """Refunds that restocked fulfilled units (Shopify's RETURN), on orders updated since
        cursor (None: every order the app may read); each named by the refund's id, which the
        refunds/create webhook gives it too. Call again with the returned cursor until a page
        comes back empty."""
        return returns.returns_since(self.admin, cursor, self.returns_page_size)

    def fulfilled_stock(self) -> FulfilledStock | None:
        """Shopify fulfils nothing itself for stockpool's sellers: no such stock."""
        return None

    def acknowledge(self, orders: Sequence[PlatformOrder]) -> None:
        """Shopify asks for no acknowledgement: nothing to do."""

    def cancel(self, external_id: str, lines: Sequence[PlatformOrderLine]) -> Cancellation:
        """`orderCancel` (restocked, refunded) when these are all the order's units still on it;
        else what to edit or refund by hand (see stockpool.channels.shopify.cancellation)."""
        return cancellation.cancel(self.admin, external_id, lines)

    def webhook(self, headers: Mapping[str, str], body: bytes) -> Delivered:
        """A delivery's X-Shopify-Event-Id (the same for every delivery of one event) and its
        order or return; WebhookRefused unless its HMAC matches the raw body."""
        return webhooks.delivery(headers, body, self.admin.credentials.webhook_secret)

    def register_webhooks(self, callback_url: str) -> dict[str, str]:
        """Subscribe callback_url to orders/create, orders/updated, orders/cancelled and
        refunds/create (beyond the Protocol: only Shopify pushes orders); ids by topic."""
        return webhooks.register(self.admin, callback_url)

    def vitals(self) -> Vitals:
        """Its circuit breaker and throttling, for the channel's sync health."""
        return self.admin.breaker.vitals()

    def close(self) -> None:
        self.admin.close()


if TYPE_CHECKING:  # mypy holds the class to the Protocol the services define

    def _is_a_connector(connector: ShopifyConnector) -> Connector:
        return connector
