"""WalmartConnector: the connector Protocol (services.ports.connectors) over Walmart
Marketplace's Inventory, Feeds, Items, Orders and Returns APIs and WFS inventory. Walmart sends
no webhooks here."""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence

import httpx

from stockpool.channels.resilience import Backoff, CircuitBreaker, Clock, Sleep
from stockpool.channels.walmart import catalogue, inventory, orders, returns, wfs
from stockpool.channels.walmart.client import Wall, WalmartClient, WalmartRefused
from stockpool.domain.channels import Platform
from stockpool.domain.errors import PlatformUnavailable, WebhookRefused
from stockpool.domain.listings import Listing
from stockpool.domain.platforms import (
    Cancellation,
    CancellationOutcome,
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


class WalmartConnector:
    """One Walmart seller account. `credentials` is the object `stockpool sandbox --json`
    prints for Walmart (client_id, client_secret; ship_node is the default ship node); `wall`
    the wall clock (bootstrap.utc_now), which stamps what is shown and dates the orders window."""

    def __init__(
        self,
        url: str,
        credentials: Mapping[str, str],
        *,
        wall: Wall,
        transport: httpx.BaseTransport | None = None,
        clock: Clock = time.monotonic,
        sleep: Sleep = time.sleep,
        backoff: Backoff | None = None,
        breaker: CircuitBreaker | None = None,
        page_size: int = 100,
        max_pages: int = 50,
    ) -> None:
        self.client = WalmartClient(
            url,
            credentials,
            transport=transport,
            clock=clock,
            sleep=sleep,
            wall=wall,
            backoff=backoff,
            breaker=breaker,
        )
        self.ship_node = credentials.get("ship_node") or None
        self.page_size, self.max_pages = page_size, max_pages

    @property
    def platform(self) -> Platform:
        return Platform.WALMART

    @property
    def breaker(self) -> CircuitBreaker:
        return self.client.breaker

    def vitals(self) -> Vitals:
        """Its circuit breaker and throttling, for the channel's sync health."""
        return self.client.breaker.vitals()

    def close(self) -> None:
        self.client.close()

    def push(self, pushes: Sequence[Push]) -> list[Pushed]:
        """`PUT /v3/inventory` per push (at the listing's ship node when it names one)."""
        return inventory.push_each(self.client, pushes)

    def push_feed(self, pushes: Sequence[Push]) -> Feed:
        """One inventory feed: MP_INVENTORY per ship node when listings carry one, else the
        plain inventory feed (Walmart allows about 10 feeds an hour)."""
        return inventory.submit_feed(self.client, pushes, self.ship_node)

    def feed(self, feed: Feed) -> Feed:
        return inventory.follow_feed(self.client, feed)

    def shown(self, listings: Sequence[Listing]) -> list[Shown]:
        return inventory.shown(self.client, listings)

    def catalogue(self, wanted: Sequence[str] = ()) -> list[PlatformItem]:
        """Every item: the listing is complete, `wanted` is not needed."""
        return catalogue.catalogue(self.client, self.ship_node)

    def orders_since(self, cursor: str | None) -> OrdersPage:
        """Purchase orders modified since the cursor (None: Walmart's default, created in the
        last 7 days); states as stockpool.channels.walmart.purchase_orders maps them."""
        return orders.orders_since(self.client, cursor, self.page_size, self.max_pages)

    def returns_since(self, cursor: str | None) -> ReturnsPage:
        """Units received back with the seller, from returns modified since the cursor (None:
        the last 30 days); see stockpool.channels.walmart.returns and return_orders."""
        return returns.returns_since(self.client, cursor, self.page_size, self.max_pages)

    def fulfilled_stock(self) -> FulfilledStock | None:
        """Every SKU Walmart Fulfillment Services holds (on hand; see channels.walmart.wfs)."""
        return wfs.fulfilled_stock(self.client, self.page_size, self.max_pages)

    def acknowledge(self, orders_taken: Sequence[PlatformOrder]) -> None:
        orders.acknowledge(self.client, orders_taken)

    def cancel_lines(
        self, purchase_order_id: str, lines: Sequence[PlatformOrderLine]
    ) -> PlatformOrder:
        """Cancel these units on Walmart (a line stockpool settled as a cancel)."""
        return orders.cancel_lines(self.client, purchase_order_id, lines)

    def cancel(self, external_id: str, lines: Sequence[PlatformOrderLine]) -> Cancellation:
        """`POST /v3/orders/{purchaseOrderId}/cancel` for these units (SELLER_CANCEL_OUT_OF_STOCK);
        what Walmart refuses for good is left to a person in Seller Center."""
        units = ", ".join(f"{line.quantity} of {line.channel_sku}" for line in lines)
        try:
            self.cancel_lines(external_id, lines)
        except PlatformUnavailable as error:
            return Cancellation(CancellationOutcome.FAILED, f"Walmart not reached: {error}")
        except WalmartRefused as refused:
            return Cancellation(
                CancellationOutcome.MANUAL,
                f"{refused} In Seller Center, cancel {units} of purchase order {external_id} "
                "(reason: out of stock), or mark this done if it needs nothing more.",
            )
        return Cancellation(
            CancellationOutcome.DONE, f"Walmart cancelled {units} of purchase order {external_id}."
        )

    def webhook(self, headers: Mapping[str, str], body: bytes) -> Delivered:
        raise WebhookRefused(
            "Walmart sends no order webhooks to stockpool: its orders are polled "
            "(GET /v3/orders); do not point a Walmart notification at this address."
        )
