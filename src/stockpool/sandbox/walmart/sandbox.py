"""The Walmart Marketplace (US) sandbox: its state, its routes and how its buyers order."""

from __future__ import annotations

import secrets
import time
from collections.abc import Callable, Mapping
from typing import Any

from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from stockpool.sandbox.core import Sandbox
from stockpool.sandbox.ratelimit import TokenBucket
from stockpool.sandbox.shelf import Listing, Shelf
from stockpool.sandbox.walmart import (
    auth,
    errors,
    feeds,
    inventory,
    items,
    orders,
    returns,
    steering,
    wfs,
)
from stockpool.sandbox.walmart.epoch import now_ms
from stockpool.sandbox.walmart.feeds import FeedBook
from stockpool.sandbox.walmart.gateway import DEFAULT_QUOTAS, Handler, Quota, endpoint
from stockpool.sandbox.walmart.purchase_orders import new_purchase_order
from stockpool.sandbox.walmart.return_orders import new_return_order
from stockpool.sandbox.walmart.wfs import WfsStock

SHIP_NODE = "10000001234"


class FeedAwareShelf(Shelf):
    """A shelf that lets processed feeds land before anyone reads it (buyers, control routes,
    handlers), so a feed's quantities show on time whoever looks first."""

    def __init__(
        self, delay_seconds: float, clock: Callable[[], float], settle: Callable[[], None]
    ) -> None:
        super().__init__(delay_seconds, clock)
        self._settle = settle

    def get(self, sku: str) -> Listing | None:
        self._settle()
        return super().get(sku)

    def all(self) -> list[Listing]:
        self._settle()
        return super().all()


class WalmartSandbox(Sandbox):
    """Walmart US: `/v3/token`, `/v3/inventory`, `/v3/items`, `/v3/feeds`, `/v3/orders`,
    `/v3/returns` and `/v3/fulfillment/inventory` (WFS), steered under /_sandbox/walmart.

    `delay_seconds` is how long a PUT takes to show; `feed_processing_seconds` how long a feed
    stays in processing (then its quantities take `delay_seconds` more); `quotas` overrides the
    per-endpoint limits (see gateway.DEFAULT_QUOTAS)."""

    platform = "walmart"
    default_delay_seconds = 600.0

    def __init__(
        self,
        *,
        delay_seconds: float | None = None,
        seed: int | None = None,
        credentials: dict[str, str] | None = None,
        clock: Callable[[], float] = time.monotonic,
        feed_processing_seconds: float = 1800.0,
        feed_received_seconds: float | None = None,
        token_ttl_seconds: float = 900.0,
        quotas: Mapping[str, Quota] | None = None,
    ) -> None:
        self.feeds = FeedBook(
            feed_processing_seconds,
            feed_processing_seconds / 30
            if feed_received_seconds is None
            else feed_received_seconds,
        )
        self._next_order = 1
        self.return_orders: list[dict[str, Any]] = []  # as GET /v3/returns shows them
        self.wfs: dict[str, WfsStock] = {}  # what Walmart's fulfilment centres hold, per SKU
        self._settling = True  # no feeds to settle until the shelf below exists
        super().__init__(
            delay_seconds=delay_seconds, seed=seed, credentials=credentials, clock=clock
        )
        # credentials given without some of Walmart's ids get generated ones for the rest
        self.credentials = {**self.new_credentials(), **self.credentials}
        self.shelf = FeedAwareShelf(self.shelf.delay_seconds, clock, self.settle_feeds)
        self.tokens = auth.AccessTokens(token_ttl_seconds, clock)
        self.tokens.issue(self.credentials["access_token"])
        limits = {**DEFAULT_QUOTAS, **(quotas or {})}
        self.buckets: dict[str, TokenBucket] = {
            name: quota.bucket(clock) for name, quota in limits.items()
        }
        self._settling = False

    @property
    def ship_node(self) -> str:
        return self.credentials.get("ship_node", SHIP_NODE)

    def new_credentials(self) -> dict[str, str]:
        return {
            "client_id": secrets.token_hex(16),
            "client_secret": secrets.token_urlsafe(32),
            "access_token": auth.new_access_token(),
            "ship_node": SHIP_NODE,
            "partner_id": "10001234567",
        }

    def routes(self) -> list[BaseRoute]:
        def gated(path: str, method: str, quota: str, handler: Handler, **options: bool) -> Route:
            return Route(path, endpoint(self, quota, handler, **options), methods=[method])

        return [
            gated("/v3/token", "POST", "token", auth.issue_token, needs_token=False),
            gated("/v3/inventory", "GET", "inventory_get", inventory.get_inventory),
            gated("/v3/inventory", "PUT", "inventory_put", inventory.put_inventory),
            gated("/v3/items", "GET", "items", items.list_items),
            gated("/v3/feeds", "POST", "feed_submit", feeds.submit_feed),
            gated("/v3/feeds", "GET", "feeds_list", feeds.list_feeds),
            gated("/v3/feeds/{feedId}", "GET", "feed_status", feeds.feed_status),
            gated("/v3/orders", "GET", "orders_list", orders.list_orders),
            gated("/v3/orders/released", "GET", "orders_released", orders.released_orders),
            gated("/v3/orders/{purchaseOrderId}", "GET", "order_get", orders.get_order),
            gated(
                "/v3/orders/{purchaseOrderId}/acknowledge",
                "POST",
                "acknowledge",
                orders.acknowledge_order,
            ),
            gated("/v3/orders/{purchaseOrderId}/cancel", "POST", "cancel", orders.cancel_lines),
            gated("/v3/orders/{purchaseOrderId}/shipping", "POST", "shipping", orders.ship_lines),
            gated("/v3/returns", "GET", "returns", returns.list_returns),
            gated("/v3/fulfillment/inventory", "GET", "wfs_inventory", wfs.wfs_inventory),
        ]

    def control_routes(self) -> list[BaseRoute]:
        return steering.routes(self)

    def add_listing(self, sku: str, quantity: int = 0) -> Listing:
        return self.shelf.add(sku, quantity, productName=f"Sandbox item {sku}", price=19.99)

    def place_order(self, sku: str, quantity: int) -> dict[str, Any] | None:
        listing = self.shelf.get(sku)
        if listing is None or not self.shelf.take(sku, quantity):
            return None
        number = self._next_order
        self._next_order += 1
        order = new_purchase_order(
            purchase_order_id=str(1_800_000_000_000 + number),
            customer_order_id=str(2_000_000_000_000 + number),
            sku=sku,
            units=quantity,
            product_name=str(listing.attributes.get("productName", sku)),
            unit_price=float(listing.attributes.get("price", 19.99)),
            ship_node=self.ship_node,
            at_ms=now_ms(),
        )
        self.orders.append(order)
        return order

    def purchase_order(self, purchase_order_id: str) -> dict[str, Any] | None:
        """The purchase order with this id (lock held), or None."""
        return next((o for o in self.orders if o["purchaseOrderId"] == purchase_order_id), None)

    def return_order(self, return_order_id: str) -> dict[str, Any] | None:
        """The return order with this id (lock held), or None."""
        found = (ro for ro in self.return_orders if ro["returnOrderId"] == return_order_id)
        return next(found, None)

    def add_return_order(
        self, order: dict[str, Any], taken: list[tuple[dict[str, Any], int]], reason: str
    ) -> dict[str, Any]:
        """A buyer returns these (order line, units) of `order` (lock held, checked by
        return_orders.plan): a new INITIATED return order."""
        number = len(self.return_orders) + 1
        return_order = new_return_order(
            str(7_700_000_000_000 + number), order, taken, reason, now_ms()
        )
        self.return_orders.append(return_order)
        return return_order

    def settle_feeds(self) -> None:
        """Push the quantities of feeds that have finished processing (lock held). Each lands
        `delay_seconds` after its feed finished, however late this runs."""
        if self._settling:
            return  # re-entered from the pushes below, or still constructing
        self._settling = True
        try:
            for feed, finished_ago in self.feeds.due(self.clock()):
                feed.applied = True
                for item in feed.items:
                    if item.quantity is not None:
                        self.shelf.push(
                            item.sku, item.quantity, self.shelf.delay_seconds - finished_ago
                        )
        finally:
            self._settling = False

    def server_error(self, status: int) -> Response:
        return errors.system_error(status)

    def throttled(self) -> Response:
        return errors.throttled(0, 1.0)

    def describe(self) -> dict[str, Any]:
        with self.lock:
            self.settle_feeds()
            return {
                **super().describe(),  # the ship node is among the credentials
                "feed_processing_seconds": self.feeds.processing_seconds,
                "token_ttl_seconds": self.tokens.ttl_seconds,
            }
