"""The seller's Walmart catalogue: `GET /v3/items` (Walmart's Items API, paged with nextCursor)
where the platform serves it.

The sandbox has no Items API (nor `GET /v3/inventories`): no call of its platform API lists the
seller's items. There the catalogue is built from what does exist, the SKUs its purchase orders
name over Walmart's 180 days of order history, at the ship node each order came from. That finds
only the items that have sold; a listing never sold must be mapped by hand.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any
from urllib.parse import quote

from stockpool.channels.walmart.client import WalmartClient, WalmartRefused, problems
from stockpool.channels.walmart.purchase_orders import iso, lines_of
from stockpool.domain.platforms import PlatformItem

ITEMS_PAGE = 200
ORDER_HISTORY = timedelta(days=180)  # how far back Walmart keeps orders
MAX_PAGES = 10_000  # a runaway cursor stops somewhere


def catalogue(client: WalmartClient, default_node: str | None) -> list[PlatformItem]:
    """Every item the seller lists, by SKU, with the ship node it is stocked at."""
    items = _items_api(client, default_node)
    return items if items is not None else _from_orders(client, default_node)


def _items_api(client: WalmartClient, default_node: str | None) -> list[PlatformItem] | None:
    """The items the Items API lists; None when the platform has no Items API."""
    query: str | None = f"?limit={ITEMS_PAGE}&nextCursor=*"
    found: dict[str, PlatformItem] = {}
    for _ in range(MAX_PAGES):
        if query is None:
            break
        response = client.request("items", "GET", "/v3/items" + query)
        if response.status_code == 404 and not _walmart_error(response):
            return None  # no such route: not Walmart's "no items" answer
        if response.status_code == 404:
            break
        if response.status_code != 200:
            raise WalmartRefused(f"Walmart refused to list the items: {problems(response)}")
        body = response.json()
        for item in body.get("ItemResponse") or []:
            sku = str(item["sku"])
            found[sku] = PlatformItem(sku, ship_node=default_node)
        cursor = body.get("nextCursor")
        query = f"?limit={ITEMS_PAGE}&nextCursor={quote(str(cursor), safe='')}" if cursor else None
    return list(found.values())


def _walmart_error(response: Any) -> bool:
    try:
        body = response.json()
    except ValueError:
        return False
    return isinstance(body, dict) and bool(body.get("errors") or body.get("error"))


def _from_orders(client: WalmartClient, default_node: str | None) -> list[PlatformItem]:
    """The SKUs the seller's purchase orders name, at the ship node each came from."""
    since = int((client.wall() - ORDER_HISTORY).timestamp() * 1000)
    query: str | None = f"?limit=200&createdStartDate={quote(iso(since), safe='')}"
    found: dict[str, PlatformItem] = {}
    for _ in range(MAX_PAGES):
        if query is None:
            break
        response = client.request("orders_list", "GET", "/v3/orders" + query)
        if response.status_code == 404:
            break  # "No orders found"
        if response.status_code != 200:
            raise WalmartRefused(f"Walmart refused the orders query: {problems(response)}")
        listed = response.json()["list"]
        for order in (listed.get("elements") or {}).get("order") or []:
            node = (order.get("shipNode") or {}).get("id") or default_node
            for line in lines_of(order):
                sku = str(line["item"]["sku"])
                found.setdefault(sku, PlatformItem(sku, ship_node=node))
        query = (listed.get("meta") or {}).get("nextCursor") or None
    return sorted(found.values(), key=lambda item: item.channel_sku)
