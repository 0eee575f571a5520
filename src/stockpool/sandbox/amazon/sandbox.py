"""`AmazonSandbox`: the Selling Partner API's contract on a local port.

Every SP-API call passes the same gate: feeds due by now are finished, the LWA access token in
`x-amz-access-token` is checked (403), the operation's token bucket is drawn from (429), and
`x-amzn-RateLimit-Limit` goes on the answer. Reports due are finished the same way as feeds. Bad input raises `BadInput`, answered in SP-API's
error shape.
"""

from __future__ import annotations

import hashlib
import secrets
import string
import time
from collections.abc import Awaitable, Callable, Mapping
from datetime import UTC, datetime
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from stockpool.sandbox.amazon import (
    documents,
    fba,
    feeds,
    listings,
    orders_api,
    reports,
    search,
    steering,
)
from stockpool.sandbox.amazon.errors import (
    DENIED,
    BadInput,
    bad_input_response,
    denied,
    internal_failure,
    quota_exceeded,
    sp_error,
)
from stockpool.sandbox.amazon.feeds import DOCUMENTS_PATH, Feeds
from stockpool.sandbox.amazon.lwa import TOKEN_PATH, Tokens, token_endpoint
from stockpool.sandbox.amazon.orders import new_order
from stockpool.sandbox.amazon.params import csv_list, iso
from stockpool.sandbox.amazon.reports import Reports
from stockpool.sandbox.amazon.returns import BuyerReturn
from stockpool.sandbox.core import Sandbox
from stockpool.sandbox.ratelimit import TokenBucket
from stockpool.sandbox.shelf import Listing

MARKETPLACE = "ATVPDKIKX0DER"  # amazon.com
PRICE = "19.99"
# (rate per second, burst) per operation: the models' default usage plans.
DEFAULT_RATE_LIMITS: dict[str, tuple[float, float]] = {
    "patchListingsItem": (5.0, 5),
    "getListingsItem": (5.0, 10),
    "searchListingsItems": (5.0, 5),
    "createFeedDocument": (0.5, 15),
    "createFeed": (0.0083, 15),
    "getFeed": (2.0, 15),
    "getFeeds": (0.0222, 10),
    "cancelFeed": (2.0, 15),
    "getFeedDocument": (0.0222, 10),
    "searchOrders": (0.0056, 20),
    "getOrder": (0.5, 30),
    "getOrdersV0": (0.0167, 20),
    "getOrderV0": (0.5, 30),
    "getOrderItemsV0": (0.5, 30),
    "createReport": (0.0167, 15),
    "getReport": (2.0, 15),
    "getReportDocument": (0.0167, 15),
    "getInventorySummaries": (2.0, 2),
}
Handler = Callable[["AmazonSandbox", Request], Awaitable[Response]]


class AmazonSandbox(Sandbox):
    platform = "amazon"
    default_delay_seconds = 900.0  # minutes to show, per MARKETPLACES.md

    def __init__(
        self,
        *,
        delay_seconds: float | None = None,
        seed: int | None = None,
        credentials: dict[str, str] | None = None,
        clock: Callable[[], float] = time.monotonic,
        token_lifetime_seconds: float = 3600,
        rate_limits: Mapping[str, tuple[float, float]] | None = None,
        feed_queue_seconds: float = 30,
        feed_processing_seconds: float = 120,
        document_url_seconds: float = 300,
        report_queue_seconds: float = 30,
        report_processing_seconds: float = 60,
        gzip_reports: bool = False,
        inventory_page_size: int = 50,
    ) -> None:
        unknown = set(rate_limits or {}) - set(DEFAULT_RATE_LIMITS)
        if unknown:
            raise ValueError(
                f"Unknown operations {sorted(unknown)}; known: {', '.join(DEFAULT_RATE_LIMITS)}"
            )
        if inventory_page_size < 1:
            raise ValueError(f"inventory_page_size must be at least 1, not {inventory_page_size}")
        super().__init__(
            delay_seconds=delay_seconds, seed=seed, credentials=credentials, clock=clock
        )
        self.credentials = dict(self.credentials)
        self.tokens = Tokens(token_lifetime_seconds, self.clock)
        self.credentials["access_token"] = self.tokens.issue(
            token=self.credentials.get("access_token")
        )
        self.limits = {
            operation: TokenBucket(rate, burst, self.clock)
            for operation, (rate, burst) in {**DEFAULT_RATE_LIMITS, **(rate_limits or {})}.items()
        }
        self.feeds = Feeds(
            self.clock, feed_queue_seconds, feed_processing_seconds, document_url_seconds
        )
        self.reports = Reports(
            self.clock, report_queue_seconds, report_processing_seconds, gzip_reports
        )
        self.returns: list[BuyerReturn] = []  # buyers' returns, in the order they were made
        self.fba: dict[str, fba.FbaStock] = {}  # units in Amazon's fulfilment centres, by SKU
        self.inventory_page_size = inventory_page_size
        self._orders_by_id: dict[str, dict[str, Any]] = {}
        # Each order's exact times: the API shows them to the second, searches use these.
        self.order_times: dict[str, dict[str, datetime]] = {}

    # -- the platform's hooks ----------------------------------------------------------------------

    def new_credentials(self) -> dict[str, str]:
        alphabet = string.ascii_uppercase + string.digits
        return {
            "client_id": "amzn1.application-oa2-client." + secrets.token_hex(16),
            "client_secret": "amzn1.oa2-cs.v1." + secrets.token_hex(32),
            "refresh_token": "Atzr|" + secrets.token_urlsafe(64),
            "seller_id": "A" + "".join(secrets.choice(alphabet) for _ in range(13)),
            "marketplace_id": MARKETPLACE,
        }

    def describe(self) -> dict[str, Any]:
        return {**super().describe(), "token_url": self.base_url + TOKEN_PATH}

    def add_listing(self, sku: str, quantity: int = 0) -> Listing:
        if sku in self.shelf:
            return self.shelf.add(sku)
        now = iso(datetime.now(UTC))
        return self.shelf.add(
            sku,
            quantity,
            asin="B0" + hashlib.sha1(sku.encode()).hexdigest()[:8].upper(),
            productType="PRODUCT",
            itemName=f"Sandbox item {sku}",
            price=PRICE,
            createdDate=now,
            lastUpdatedDate=now,
        )

    def place_order(
        self, sku: str, quantity: int, *, pending: bool = False
    ) -> dict[str, Any] | None:
        """pending: the buyer's payment is not through yet (PENDING until it is confirmed, by
        POST /_sandbox/amazon/orders/{id}/confirm); else the order is UNSHIPPED at once."""
        feeds.advance(self)
        listing = self.shelf.get(sku)
        if listing is None or not self.shelf.take(sku, quantity):
            return None
        now = datetime.now(UTC)
        order = new_order(len(self.orders) + 1, listing, quantity, MARKETPLACE, now)
        if pending:
            order["fulfillment"]["fulfillmentStatus"] = "PENDING"
        self.orders.append(order)
        self._orders_by_id[order["orderId"]] = order
        self.order_times[order["orderId"]] = {"createdTime": now, "lastUpdatedTime": now}
        return order

    def server_error(self, status: int) -> Response:
        return internal_failure(status)

    def throttled(self) -> Response:
        return quota_exceeded()

    # -- what the operations share -----------------------------------------------------------------

    def order(self, order_id: str) -> dict[str, Any] | None:
        return self._orders_by_id.get(order_id)

    def check_seller(self, seller_id: str) -> None:
        if seller_id != self.credentials["seller_id"]:
            raise BadInput(
                f"Seller {seller_id} has not authorized this application.",
                status=403,
                code="Unauthorized",
                message=DENIED,
            )

    def check_marketplace(self, marketplace: str) -> None:
        if marketplace != MARKETPLACE:
            raise BadInput(f"Invalid marketplace identifier: {marketplace}.")

    def marketplace(self, request: Request) -> str:
        """The one marketplace a Listings Items call names in `marketplaceIds`."""
        named = csv_list(request.query_params, "marketplaceIds")
        if not named:
            raise BadInput("Missing required parameter: marketplaceIds.")
        if len(named) > 1:
            raise BadInput("Only one marketplaceId is supported per request.")
        self.check_marketplace(named[0])
        return named[0]

    def _operation(self, name: str, handler: Handler) -> Callable[[Request], Awaitable[Response]]:
        async def gated(request: Request) -> Response:
            bucket = self.limits[name]  # built after routes(), which Sandbox.__init__ calls
            with self.lock:
                feeds.advance(self)
                reports.advance(self)
                refused = self.tokens.why_refused(request.headers.get("x-amz-access-token"))
                if refused is not None:
                    return denied(refused)
                if not bucket.take():
                    return self.throttled()
            try:
                response = await handler(self, request)
            except BadInput as error:
                response = bad_input_response(error)
            if response.status_code < 300 or response.status_code in (400, 404):
                response.headers["x-amzn-RateLimit-Limit"] = str(float(bucket.rate))
            return response

        return gated

    def _by_method(
        self, handlers: dict[str, tuple[str, Handler]]
    ) -> Callable[[Request], Awaitable[Response]]:
        gated = {
            method: self._operation(name, handler) for method, (name, handler) in handlers.items()
        }

        async def dispatch(request: Request) -> Response:
            # Starlette lets HEAD through wherever GET is allowed.
            method = "GET" if request.method == "HEAD" else request.method
            return await gated[method](request)

        return dispatch

    def _route(self, path: str, **operations: tuple[str, Handler]) -> Route:
        """`path` answered by SP-API operations (by HTTP method: name, handler), each gated."""
        if len(operations) > 1:
            endpoint = self._by_method(operations)
        else:
            endpoint = self._operation(*next(iter(operations.values())))
        return Route(path, endpoint, methods=list(operations))

    # -- routes ------------------------------------------------------------------------------------

    def routes(self) -> list[BaseRoute]:
        async def token(request: Request) -> Response:
            return await token_endpoint(self.credentials, self.tokens, self.lock)(request)

        async def document(request: Request) -> Response:
            return await documents.document(self, request)

        async def unknown(request: Request) -> Response:
            return sp_error(
                404,
                "NotFound",
                "Resource not found",
                f"{request.method} {request.url.path} is not an operation this sandbox serves.",
            )

        return [
            Route(TOKEN_PATH, token, methods=["POST"]),
            *self._listings_routes(),
            *self._feeds_routes(),
            *self._orders_routes(),
            *self._reports_routes(),
            self._route(
                "/fba/inventory/v1/summaries",
                GET=("getInventorySummaries", fba.get_inventory_summaries),
            ),
            Route(DOCUMENTS_PATH + "/{documentId}", document, methods=["GET", "PUT"]),
            Route("/{anything:path}", unknown, methods=["GET", "POST", "PUT", "PATCH", "DELETE"]),
        ]

    def _listings_routes(self) -> list[BaseRoute]:
        return [
            self._route(
                "/listings/2021-08-01/items/{sellerId}",
                GET=("searchListingsItems", search.search_listings_items),
            ),
            self._route(
                "/listings/2021-08-01/items/{sellerId}/{sku:path}",
                GET=("getListingsItem", listings.get_listings_item),
                PATCH=("patchListingsItem", listings.patch_listings_item),
            ),
        ]

    def _feeds_routes(self) -> list[BaseRoute]:
        return [
            self._route(
                "/feeds/2021-06-30/documents",
                POST=("createFeedDocument", feeds.create_feed_document),
            ),
            self._route(
                "/feeds/2021-06-30/documents/{feedDocumentId}",
                GET=("getFeedDocument", feeds.get_feed_document),
            ),
            self._route(
                "/feeds/2021-06-30/feeds",
                GET=("getFeeds", feeds.get_feeds),
                POST=("createFeed", feeds.create_feed),
            ),
            self._route(
                "/feeds/2021-06-30/feeds/{feedId}",
                GET=("getFeed", feeds.get_feed),
                DELETE=("cancelFeed", feeds.cancel_feed),
            ),
        ]

    def _orders_routes(self) -> list[BaseRoute]:
        return [
            self._route(
                "/orders/2026-01-01/orders", GET=("searchOrders", orders_api.search_orders)
            ),
            self._route(
                "/orders/2026-01-01/orders/{orderId}", GET=("getOrder", orders_api.get_order)
            ),
            self._route("/orders/v0/orders", GET=("getOrdersV0", orders_api.get_orders_v0)),
            self._route("/orders/v0/orders/{orderId}", GET=("getOrderV0", orders_api.get_order_v0)),
            self._route(
                "/orders/v0/orders/{orderId}/orderItems",
                GET=("getOrderItemsV0", orders_api.get_order_items_v0),
            ),
        ]

    def _reports_routes(self) -> list[BaseRoute]:
        return [
            self._route(
                "/reports/2021-06-30/reports", POST=("createReport", reports.create_report)
            ),
            self._route(
                "/reports/2021-06-30/reports/{reportId}", GET=("getReport", reports.get_report)
            ),
            self._route(
                "/reports/2021-06-30/documents/{reportDocumentId}",
                GET=("getReportDocument", reports.get_report_document),
            ),
        ]

    def control_routes(self) -> list[BaseRoute]:
        return steering.routes(self)
