"""What Walmart Fulfillment Services holds for the seller: every page of
`GET /v3/fulfillment/inventory` (offset and limit, at most 300 a page) as one FulfilledStock.

The mapping: a SKU's on_hand is its `onHandQty` summed over its WFSFulfilled ship nodes (a node
with no type is taken as WFS, the only type Walmart reports there so far). WFS reports no
damaged or quality-control split: `onHandQty` is already only the active units (not damaged,
expired or being inspected), so damaged and quality_control stay 0. `availToSellQty` is not
used: onHand - availToSell are units held for orders, still on WFS's shelves, not a separate
physical state.
"""

from __future__ import annotations

from typing import Any

from stockpool.channels.walmart.client import WalmartClient, WalmartRefused, problems
from stockpool.domain.platforms import FulfilledRow, FulfilledStock

PAGE_MAX = 300
WFS_NODE = "WFSFulfilled"


def on_hand(item: dict[str, Any]) -> int:
    """The SKU's units on hand across its WFS ship nodes."""
    total = 0
    for node in item.get("shipNodes") or []:
        if node.get("shipNodeType", WFS_NODE) != WFS_NODE:
            continue
        units = node.get("onHandQty") or 0
        if isinstance(units, bool) or not isinstance(units, int) or units < 0:
            raise WalmartRefused(
                f"Walmart sent WFS onHandQty {units!r} for {item.get('sku')!r}: not a count "
                "stockpool can read."
            )
        total += units
    return total


def to_rows(items: list[dict[str, Any]]) -> list[FulfilledRow]:
    return [FulfilledRow(str(item["sku"]), on_hand(item)) for item in items]


def fulfilled_stock(client: WalmartClient, page_size: int, max_pages: int) -> FulfilledStock:
    """Every SKU WFS holds, read page after page from offset 0; as_of is when reading began.
    WalmartRefused when Walmart refuses a page or there are more than max_pages of them (a
    partial snapshot would read as units gone)."""
    as_of = client.wall()
    limit = min(page_size, PAGE_MAX)
    rows: list[FulfilledRow] = []
    for page in range(max_pages):
        params = {"offset": str(page * limit), "limit": str(limit)}
        path = "/v3/fulfillment/inventory"
        response = client.request("wfs_inventory", "GET", path, params=params)
        if response.status_code == 404:
            return FulfilledStock(as_of, tuple(rows))  # nothing (more) in WFS for this seller
        if response.status_code != 200:
            raise WalmartRefused(f"Walmart refused the WFS inventory query: {problems(response)}")
        body = response.json()
        items: list[dict[str, Any]] = (body.get("payload") or {}).get("inventory") or []
        rows += to_rows(items)
        total = (body.get("headers") or {}).get("totalCount")
        if len(items) < limit or (isinstance(total, int) and len(rows) >= total):
            return FulfilledStock(as_of, tuple(rows))
    raise WalmartRefused(
        f"WFS holds more than {max_pages} pages of {limit} SKUs: raise the connector's "
        "max_pages to read them all."
    )
