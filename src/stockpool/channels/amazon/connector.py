"""`AmazonConnector`: stockpool's Connector over Amazon's Selling Partner API, through Amazon's
own SDK (`spapi`). Single pushes are Listings Items PATCHes, bulk ones a JSON_LISTINGS_FEED;
what shows is read with getListingsItem; orders are polled from Orders 2026-01-01 by last update;
returns come from the merchant-fulfilled returns report (Reports API), FBA stock from FBA
Inventory's summaries.
Amazon asks for no acknowledgement, and sends no webhooks (its notifications go to SQS or
EventBridge), so acknowledge() does nothing and webhook() refuses every delivery."""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime, timedelta

import httpx

from stockpool.channels.amazon import catalogue, fba, inventory
from stockpool.channels.amazon.calls import Refused
from stockpool.channels.amazon.client import FEED_CONTENT_TYPE, SpApi
from stockpool.channels.amazon.orders import Cursor, fingerprint, moment, platform_order
from stockpool.channels.amazon.returns import ReturnsWindows, returns_page
from stockpool.channels.resilience import Backoff, CircuitBreaker, Clock, Sleep, push_each
from stockpool.domain.channels import Platform
from stockpool.domain.errors import PlatformUnavailable, WebhookRefused
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
    Push,
    Pushed,
    ReturnsPage,
    Shown,
)
from stockpool.domain.sync_health import Vitals

Now = Callable[[], datetime]  # the wall clock, UTC: given by the wiring (bootstrap), moved by tests


class AmazonConnector:
    """One Amazon seller on one marketplace, built from the credentials `stockpool sandbox
    --json` prints for amazon, the SP-API base `url` and the LWA `token_url`."""

    platform = Platform.AMAZON

    def __init__(
        self,
        credentials: Mapping[str, str],
        url: str,
        token_url: str,
        *,
        now: Now,
        transport: httpx.BaseTransport | None = None,
        clock: Clock = time.monotonic,
        sleep: Sleep = time.sleep,
        backoff: Backoff | None = None,
        breaker: CircuitBreaker | None = None,
        first_window: timedelta = timedelta(days=7),
        orders_per_page: int = 100,
        returns_windows: ReturnsWindows | None = None,
    ) -> None:
        self.api = SpApi(
            credentials,
            url,
            token_url,
            transport=transport,
            clock=clock,
            sleep=sleep,
            backoff=backoff,
            breaker=breaker,
        )
        self.now, self.first_window, self.orders_per_page = now, first_window, orders_per_page
        self.returns_windows = returns_windows or ReturnsWindows()

    # -- pushes --------------------------------------------------------------------------------

    def push(self, pushes: Sequence[Push]) -> list[Pushed]:
        """One PATCH per push. ACCEPTED is APPLIED (Amazon shows it later), INVALID is REFUSED
        with Amazon's issues; a push Amazon could not be reached for is FAILED (the results end
        where the circuit opened: stockpool.channels.resilience.push_each)."""
        return push_each(pushes, self._push)

    def _push(self, push: Push) -> Pushed:
        api = self.api
        body = {"productType": inventory.PRODUCT_TYPE, "patches": inventory.patches(push)}
        try:
            answer = api.calls.run(
                "patchListingsItem",
                lambda: api.listings.patch_listings_item_with_http_info(
                    api.seller_id, push.listing.channel_sku, [api.marketplace_id], body
                ),
            )
        except Refused as refused:
            return Pushed(push, Outcome.REFUSED, str(refused))
        return inventory.patched(push, answer.status, answer.issues or [])

    def push_feed(self, pushes: Sequence[Push]) -> Feed:
        """Upload the pushes as a JSON_LISTINGS_FEED document and create the feed."""
        api = self.api
        content = json.dumps(inventory.feed_document(api.seller_id, pushes)).encode()
        document = api.calls.run(
            "createFeedDocument",
            lambda: api.feeds.create_feed_document_with_http_info(
                {"contentType": FEED_CONTENT_TYPE}
            ),
        )
        api.upload(document.url, content)
        body = {
            "feedType": "JSON_LISTINGS_FEED",
            "marketplaceIds": [api.marketplace_id],
            "inputFeedDocumentId": document.feed_document_id,
        }
        created = api.calls.run("createFeed", lambda: api.feeds.create_feed_with_http_info(body))
        return Feed(feed_id=created.feed_id, pushes=tuple(pushes))

    def feed(self, feed: Feed) -> Feed:
        """The feed's processing status; once DONE, one result per push from its processing
        report (CANCELLED or FATAL: every push FAILED, to be pushed again)."""
        api = self.api
        found = api.calls.run("getFeed", lambda: api.feeds.get_feed_with_http_info(feed.feed_id))
        status = found.processing_status
        state = inventory.FEED_STATES.get(status, FeedState.PROCESSING)
        if state is FeedState.FAILED:
            return Feed(
                feed.feed_id, feed.pushes, state, inventory.failed_feed(feed.pushes, status)
            )
        if state is FeedState.PROCESSING or not found.result_feed_document_id:
            return Feed(feed.feed_id, feed.pushes)
        document_id = found.result_feed_document_id
        document = api.calls.run(
            "getFeedDocument", lambda: api.feeds.get_feed_document_with_http_info(document_id)
        )
        report = json.loads(api.download(document.url, document.compression_algorithm))
        results = inventory.report_results(feed.pushes, report)
        return Feed(feed.feed_id, feed.pushes, FeedState.DONE, results)

    # -- what shows ----------------------------------------------------------------------------

    def shown(self, listings: Sequence[Listing]) -> list[Shown]:
        """Each listing's quantity on its fulfilment channel (getListingsItem with
        includedData=fulfillmentAvailability); None when Amazon does not know the SKU."""
        return [self._shown(listing) for listing in listings]

    def _shown(self, listing: Listing) -> Shown:
        api = self.api
        try:
            item = api.calls.run(
                "getListingsItem",
                lambda: api.listings.get_listings_item_with_http_info(
                    api.seller_id,
                    listing.channel_sku,
                    [api.marketplace_id],
                    included_data=["fulfillmentAvailability"],
                ),
            )
        except Refused as refused:
            if refused.status == 404:
                return Shown(listing.channel_sku, None, self.now())
            raise PlatformUnavailable(str(refused)) from refused
        channel = listing.fulfillment_channel or "DEFAULT"
        quantities = [
            entry.quantity
            for entry in item.fulfillment_availability or []
            if entry.fulfillment_channel_code == channel
        ]
        quantity = quantities[0] if quantities else None
        return Shown(listing.channel_sku, quantity, self.now())

    def catalogue(self, wanted: Sequence[str] = ()) -> list[PlatformItem]:
        """Every listings item of the seller; past the 1,000 a search pages through, those of
        `wanted` looked up by SKU (see stockpool.channels.amazon.catalogue)."""
        return catalogue.listed(self.api, wanted)

    # -- orders --------------------------------------------------------------------------------

    def orders_since(self, cursor: str | None) -> OrdersPage:
        """One page of orders updated since the cursor (None: the last `first_window`), none
        that was already returned unchanged; the cursor to ask from next (see orders.Cursor)."""
        api = self.api
        at = Cursor.decode(cursor) if cursor else Cursor(self.now() - self.first_window)
        answer = api.calls.run(
            "searchOrders",
            lambda: api.orders.search_orders_with_http_info(
                last_updated_after=at.after,
                marketplace_ids=[api.marketplace_id],
                max_results_per_page=self.orders_per_page,
                **({"pagination_token": at.token} if at.token else {}),
            ),
        )
        found = [
            order
            for order in answer.orders or []
            if at.seen.get(order.order_id) != fingerprint(order)
        ]
        seen = {**at.seen, **{order.order_id: fingerprint(order) for order in answer.orders or []}}
        token = answer.pagination.next_token if answer.pagination else None
        orders = tuple(platform_order(order) for order in found)
        if token:
            return OrdersPage(orders, Cursor(at.after, token, seen).encode())
        newest = [o.updated_at for o in orders] + [at.after]
        echoed = answer.last_updated_before
        after = moment(echoed) if echoed else max(newest)
        kept = {oid: fp for oid, fp in seen.items() if _updated(fp) >= after}
        return OrdersPage(orders, Cursor(after, None, kept).encode())

    def returns_since(self, cursor: str | None) -> ReturnsPage:
        """Merchant-fulfilled returns delivered back to the seller since the cursor (None: the
        last 30 days), each named by its Amazon RMA id, from the returns report. A report not
        done within a short wait gives an empty page whose cursor follows that same report next
        time (see stockpool.channels.amazon.returns)."""
        return returns_page(self.api, cursor, self.now(), self.returns_windows)

    def fulfilled_stock(self) -> FulfilledStock | None:
        """What Amazon's fulfilment centres hold for the seller in this marketplace, every SKU
        (mapping of Amazon's buckets to ours: stockpool.channels.amazon.fba)."""
        return fba.fulfilled(self.api, self.now)

    def acknowledge(self, orders: Sequence[PlatformOrder]) -> None:
        """Amazon has no order acknowledgement: an order is taken by shipping it."""

    def cancel(self, external_id: str, lines: Sequence[PlatformOrderLine]) -> Cancellation:
        """Always MANUAL: the Selling Partner API cancels a seller's order only through an order
        acknowledgement feed, which stockpool does not send; what to do in Seller Central."""
        units = ", ".join(f"{line.quantity} of {line.channel_sku}" for line in lines)
        return Cancellation(
            CancellationOutcome.MANUAL,
            f"In Seller Central, Orders > Manage Orders, open order {external_id} and cancel "
            f"{units} (Cancel order, reason: No inventory), then mark this done.",
        )

    def webhook(self, headers: Mapping[str, str], body: bytes) -> Delivered:
        raise WebhookRefused(
            "Amazon sends no webhooks: it delivers order changes as SP-API notifications "
            "(ORDER_CHANGE, through SQS or EventBridge), which stockpool does not support; "
            "Amazon orders are polled instead."
        )

    def vitals(self) -> Vitals:
        """Its circuit breaker and throttling, for the channel's sync health."""
        return self.api.calls.breaker.vitals()

    def close(self) -> None:
        self.api.close()


def _updated(fingerprint: str) -> datetime:
    return datetime.fromisoformat(fingerprint.split("|", 1)[0])
