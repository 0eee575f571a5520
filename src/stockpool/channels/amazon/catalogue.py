"""The seller's listings items, for discovery: searchListingsItems (Listings Items 2021-08-01),
paged by `pageToken`, each with its fulfilment channel.

Amazon pages through at most the first 1,000 items a search finds; a larger catalogue needs the
Reports API (GET_MERCHANT_LISTINGS_ALL_DATA), which this connector does not use."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from stockpool.domain.platforms import PlatformItem

if TYPE_CHECKING:
    from stockpool.channels.amazon.client import SpApi

PAGE_SIZE = 20  # searchListingsItems' largest page


def listed(api: SpApi) -> list[PlatformItem]:
    """Every listings item of the seller in its marketplace."""
    return [_item(item) for item in _searched(api)]


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
