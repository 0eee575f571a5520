"""The Shopify sandbox: Admin GraphQL over a shelf, orders by buyers, webhooks out."""

from __future__ import annotations

import secrets
import time
from collections.abc import Callable
from typing import Any

from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute

from stockpool.sandbox.core import Sandbox
from stockpool.sandbox.shelf import Listing
from stockpool.sandbox.shopify import admin, steering
from stockpool.sandbox.shopify.catalog import Catalog
from stockpool.sandbox.shopify.cost import (
    MAXIMUM_AVAILABLE,
    MUTATION_COST,
    RESTORE_RATE,
    CostBucket,
    throttled_body,
)
from stockpool.sandbox.shopify.inventory import Groups
from stockpool.sandbox.shopify.orders import OrderBook
from stockpool.sandbox.shopify.versions import LATEST_VERSION
from stockpool.sandbox.shopify.webhooks import SHOPIFY_RETRY_SCHEDULE, Webhooks


class ShopifySandbox(Sandbox):
    """A shop on `{base_url}/admin/api/{version}/graphql.json`; steer it under /_sandbox."""

    platform = "shopify"
    default_delay_seconds = 2.0  # the storefront shows an accepted write a little later

    def __init__(
        self,
        *,
        delay_seconds: float | None = None,
        seed: int | None = None,
        credentials: dict[str, str] | None = None,
        clock: Callable[[], float] = time.monotonic,
        bucket_size: float = MAXIMUM_AVAILABLE,
        restore_rate: float = RESTORE_RATE,
        retry_schedule: tuple[float, ...] = SHOPIFY_RETRY_SCHEDULE,
        webhook_timeout_seconds: float = 5.0,
        reorder_hold_seconds: float = 5.0,
        token_lifetime_seconds: float = admin.TOKEN_LIFETIME,
    ) -> None:
        super().__init__(
            delay_seconds=delay_seconds, seed=seed, credentials=credentials, clock=clock
        )
        self.catalog = Catalog(self.shelf)
        self.groups = Groups()
        self.order_book = OrderBook(self.orders)
        self.bucket = CostBucket(bucket_size, restore_rate, clock)
        self.idempotency: dict[str, tuple[str, dict[str, Any]]] = {}
        self.webhooks = Webhooks(
            self, retry_schedule, webhook_timeout_seconds, reorder_hold_seconds
        )
        self.token_lifetime_seconds = token_lifetime_seconds
        self._issued: dict[str, float] = {}  # client-credentials tokens: expiry on self.clock

    # -- hooks ----------------------------------------------------------------------------------

    def new_credentials(self) -> dict[str, str]:
        # Shopify signs webhooks with the app's client secret: the two are the same value here.
        client_secret = secrets.token_hex(16)
        return {
            "shop_domain": "stockpool-sandbox.myshopify.com",
            "access_token": f"shpat_{secrets.token_hex(16)}",
            "client_id": secrets.token_hex(16),
            "client_secret": client_secret,
            "webhook_secret": client_secret,
            "api_version": LATEST_VERSION,
        }

    def routes(self) -> list[BaseRoute]:
        return admin.routes(self)

    def control_routes(self) -> list[BaseRoute]:
        return steering.routes(self)

    def add_listing(self, sku: str, quantity: int = 0) -> Listing:
        return self.catalog.add(sku, quantity)

    def place_order(self, sku: str, quantity: int) -> dict[str, Any] | None:
        listing = self.shelf.get(sku)
        if listing is None or not self.catalog.sell(listing, quantity):
            return None
        order = self.order_book.create(listing, quantity)
        self.webhooks.emit("orders/create", order)
        return order

    def server_error(self, status: int) -> Response:
        message = {500: "Internal Server Error", 503: "Service Unavailable", 504: "Gateway Timeout"}
        return JSONResponse(
            {"errors": message.get(status, "Internal Server Error")}, status_code=status
        )

    def throttled(self) -> Response:
        return JSONResponse(throttled_body(MUTATION_COST, self.bucket))

    def close(self) -> None:
        self.webhooks.stop()
        super().close()

    # -- tokens (lock held) ---------------------------------------------------------------------

    def issue_token(self) -> str:
        token = f"shpat_{secrets.token_hex(16)}"
        self._issued[token] = self.clock() + self.token_lifetime_seconds
        return token

    def token_valid(self, token: str) -> bool:
        if token and secrets.compare_digest(token, self.credentials["access_token"]):
            return True
        expires_at = self._issued.get(token)
        return expires_at is not None and self.clock() < expires_at

    # -- buyers changing their minds (lock held) ------------------------------------------------

    def cancel_order(
        self, order: dict[str, Any], reason: str = "customer", *, restock: bool = True
    ) -> None:
        for sku, units in self.order_book.cancel(order, reason):
            listing = self.shelf.get(sku)
            if listing is not None:
                self.catalog.release(listing, units, restock=restock)
        self.webhooks.emit("orders/cancelled", order)
        self.webhooks.emit("orders/updated", order)

    def fulfill_order(
        self, order: dict[str, Any], lines: list[tuple[dict[str, Any], int]]
    ) -> dict[str, Any]:
        """Ship `lines` (line item, units) from the primary location: committed units leave
        on_hand, and Shopify tells orders/fulfilled (or partially_fulfilled) and orders/updated."""
        fulfillment = self.order_book.fulfill(order, lines, self.catalog.primary.number)
        for line, units in lines:
            listing = self.shelf.get(line["sku"])
            if listing is not None:
                self.catalog.ship(listing, units)
        whole = order["fulfillment_status"] == "fulfilled"
        self.webhooks.emit("orders/fulfilled" if whole else "orders/partially_fulfilled", order)
        self.webhooks.emit("orders/updated", order)
        return fulfillment

    def refund_order(
        self,
        order: dict[str, Any],
        lines: list[tuple[dict[str, Any], int]],
        restock: bool,
        note: str | None = None,
    ) -> dict[str, Any]:
        """Refund `lines`: unfulfilled units leave committed (available again when restocked),
        fulfilled ones restocked come back as a return to the primary location."""
        refund, taken = self.order_book.refund(
            order, lines, restock, self.catalog.primary.number, note
        )
        for sku, unfulfilled, fulfilled in taken:
            listing = self.shelf.get(sku)
            if listing is None:
                continue
            self.catalog.release(listing, unfulfilled, restock=restock)
            if restock:
                self.catalog.restock_return(listing, fulfilled)
        self.webhooks.emit("refunds/create", refund)
        self.webhooks.emit("orders/updated", order)
        return refund
