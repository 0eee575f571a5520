"""The shop's catalogue: every inventory item with a SKU, at the location stockpool sets it.

An item stocked at several locations is listed once, at the primary location when it is
stocked there, else at the first active location stocking it (stockpool pushes one number per
listing; Shopify sums the locations that sell online)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from stockpool.channels.shopify.client import Admin
from stockpool.domain.platforms import PlatformItem

PAGE_SIZE = 50  # items per query, each with up to 5 levels: ~650 points

_ITEMS = """
query Catalogue($first: Int!, $after: String) {
  inventoryItems(first: $first, after: $after) {
    nodes {
      id sku tracked
      inventoryLevels(first: 5) { nodes { location { id isPrimary isActive } } }
    }
    pageInfo { hasNextPage endCursor }
  }
}
"""


def catalogue(admin: Admin, page_size: int = PAGE_SIZE) -> list[PlatformItem]:
    """Every tracked inventory item with a SKU and a location stocking it."""
    items: list[PlatformItem] = []
    after: str | None = None
    while True:
        page = admin.run("Catalogue", _ITEMS, {"first": page_size, "after": after})
        connection = page["inventoryItems"]
        items.extend(filter(None, map(_item, connection["nodes"])))
        if not connection["pageInfo"]["hasNextPage"]:
            return items
        after = connection["pageInfo"]["endCursor"]


def _item(node: Mapping[str, Any]) -> PlatformItem | None:
    sku = (node.get("sku") or "").strip()
    if not sku or not node.get("tracked", True):
        return None  # no SKU to match, or Shopify does not count its stock
    places = [
        level["location"]
        for level in node["inventoryLevels"]["nodes"]
        if level["location"].get("isActive", True)
    ]
    if not places:
        return None
    place = next((where for where in places if where.get("isPrimary")), places[0])
    return PlatformItem(channel_sku=sku, inventory_item_id=node["id"], location_id=place["id"])
