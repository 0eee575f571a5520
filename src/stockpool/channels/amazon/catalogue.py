"""The seller's listings items, for discovery.

Amazon lists a seller's items with searchListingsItems (Listings Items 2021-08-01), paged by
`pageToken`. Where that operation is not served (the stockpool sandbox serves neither it nor the
Reports API's GET_MERCHANT_LISTINGS_ALL_DATA), the catalogue is built from what the platform
does expose: the seller SKUs its orders name (searchOrders since `since`), each confirmed with
getListingsItem, which also gives its fulfilment channel. Items never ordered are then missing,
and must be listed by hand."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from typing import TYPE_CHECKING, Any

from stockpool.channels.amazon.calls import Refused
from stockpool.domain.platforms import PlatformItem

if TYPE_CHECKING:
    from stockpool.channels.amazon.client import SpApi

PAGE_SIZE = 20  # searchListingsItems' largest page


def listed(api: SpApi, since: datetime) -> list[PlatformItem]:
    """Every listings item of the seller, by searchListingsItems or, where it is not served,
    from the SKUs ordered since `since`."""
    try:
        return [_item(item) for item in _searched(api)]
    except Refused as refused:
        if refused.status != 404:
            raise
    items = []
    for sku in sorted(set(_ordered_skus(api, since))):
        found = _read(api, sku)
        if found is not None:
            items.append(_item(found))
    return items


def _item(item: Any) -> PlatformItem:
    channels = [entry.fulfillment_channel_code for entry in item.fulfillment_availability or []]
    return PlatformItem(channel_sku=item.sku, fulfillment_channel=channels[0] if channels else None)


def _searched(api: SpApi) -> Iterator[Any]:
    token: str | None = None
    while True:

        def search(token: str | None = token) -> Any:
            return api.listings.search_listings_items_with_http_info(
                api.seller_id,
                [api.marketplace_id],
                included_data=["summaries", "fulfillmentAvailability"],
                page_size=PAGE_SIZE,
                **({"page_token": token} if token else {}),
            )

        page = api.calls.run("searchListingsItems", search)
        yield from page.items or []
        token = page.pagination.next_token if page.pagination else None
        if not token:
            return


def _ordered_skus(api: SpApi, since: datetime) -> Iterator[str]:
    token: str | None = None
    while True:

        def search(token: str | None = token) -> Any:
            return api.orders.search_orders_with_http_info(
                created_after=since,
                marketplace_ids=[api.marketplace_id],
                max_results_per_page=100,
                **({"pagination_token": token} if token else {}),
            )

        page = api.calls.run("searchOrders", search)
        for order in page.orders or []:
            yield from (item.product.seller_sku for item in order.order_items or [])
        token = page.pagination.next_token if page.pagination else None
        if not token:
            return


def _read(api: SpApi, sku: str) -> Any:
    try:
        return api.calls.run(
            "getListingsItem",
            lambda: api.listings.get_listings_item_with_http_info(
                api.seller_id, sku, [api.marketplace_id], included_data=["fulfillmentAvailability"]
            ),
        )
    except Refused as refused:
        if refused.status == 404:
            return None  # ordered once, no longer listed
        raise
