"""The seller's listings items, for discovery: searchListingsItems (Listings Items 2021-08-01),
paged by `pageToken`, each with its fulfilment channel.

Amazon pages through at most the first 1,000 items a search finds. Past that, the SKUs the caller
wants (stockpool's own codes) are looked up by identifier, 20 a call (identifiersType=SKU): a
catalogue of thousands is found without the Reports API (GET_MERCHANT_LISTINGS_ALL_DATA)."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING, Any

from stockpool.domain.platforms import PlatformItem

if TYPE_CHECKING:
    from stockpool.channels.amazon.client import SpApi

PAGE_SIZE = 20  # searchListingsItems' largest page
PAGEABLE = 1_000  # what one search pages through at most
IDENTIFIERS_MAX = 20  # SKUs one search by identifiers takes


def listed(api: SpApi, wanted: Sequence[str] = ()) -> list[PlatformItem]:
    """Every listings item of the seller in its marketplace; when the search stopped at what it
    pages through, those of `wanted` it did not reach, looked up by SKU."""
    found = {item.sku: _item(item) for item in _searched(api)}
    if len(found) >= PAGEABLE:
        missing = sorted(set(wanted) - set(found))
        for start in range(0, len(missing), IDENTIFIERS_MAX):
            for item in _looked_up(api, missing[start : start + IDENTIFIERS_MAX]):
                found.setdefault(item.sku, _item(item))
    return list(found.values())


def _looked_up(api: SpApi, skus: list[str]) -> list[Any]:
    def search() -> Any:
        return api.listings.search_listings_items_with_http_info(
            api.seller_id,
            [api.marketplace_id],
            identifiers=skus,
            identifiers_type="SKU",
            included_data=["summaries", "fulfillmentAvailability"],
            page_size=PAGE_SIZE,
        )

    return list(api.calls.run("searchListingsItems", search).items or [])


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
