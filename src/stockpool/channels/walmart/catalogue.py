"""The seller's Walmart catalogue: `GET /v3/items` (Walmart's Items API, getAllItems), paged
with nextCursor, each item at the ship node stockpool sets its quantity at."""

from __future__ import annotations

from urllib.parse import quote

from stockpool.channels.walmart.client import WalmartClient, WalmartRefused, problems
from stockpool.domain.platforms import PlatformItem

ITEMS_PAGE = 200
MAX_PAGES = 10_000  # a runaway cursor stops somewhere


def catalogue(client: WalmartClient, default_node: str | None) -> list[PlatformItem]:
    """Every item the seller lists, by SKU, with the ship node it is stocked at."""
    query: str | None = f"?limit={ITEMS_PAGE}&nextCursor=*"
    found: dict[str, PlatformItem] = {}
    for _ in range(MAX_PAGES):
        if query is None:
            break
        response = client.request("items", "GET", "/v3/items" + query)
        if response.status_code != 200:
            raise WalmartRefused(f"Walmart refused to list the items: {problems(response)}")
        body = response.json()
        for item in body.get("ItemResponse") or []:
            sku = str(item["sku"])
            found[sku] = PlatformItem(sku, ship_node=default_node)
        cursor = body.get("nextCursor")
        query = f"?limit={ITEMS_PAGE}&nextCursor={quote(str(cursor), safe='')}" if cursor else None
    return sorted(found.values(), key=lambda item: item.channel_sku)
