"""What Amazon's fulfilment centres hold for the seller (FBA Inventory v1 getInventorySummaries
with details), as stockpool's snapshot of a marketplace-fulfilled location.

The mapping, per seller SKU (Amazon's buckets -> ours):
- on_hand = fulfillable + totalReserved + totalUnfulfillable + totalResearching: every unit
  Amazon physically holds. Reserved units (picked for a customer order, moving between centres,
  sidelined for processing) are still in Amazon's hands. Inbound units (working, shipped,
  receiving) are not: they are on their way and count nowhere until Amazon receives them.
- damaged = totalUnfulfillable: units Amazon will not sell as they are (customer, warehouse,
  carrier or distributor damaged, defective, expired).
- quality_control = totalResearching + fcProcessing: units Amazon is looking for or has
  sidelined for checks, which may come back sellable or not.
A summary without details (Amazon leaves them out on error) counts as zero in every bucket.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from stockpool.channels.amazon.calls import Refused
from stockpool.channels.amazon.client import SpApi
from stockpool.domain.errors import PlatformUnavailable
from stockpool.domain.platforms import FulfilledRow, FulfilledStock

PAGES_MAX = 10_000  # 50 a page: half a million SKUs; a token that never ends is Amazon's bug


def fulfilled(api: SpApi, now: Callable[[], datetime]) -> FulfilledStock:
    """Every page of the marketplace's inventory summaries, as of when the first was read."""
    as_of = now()
    rows: dict[str, FulfilledRow] = {}
    token: str | None = None
    for _ in range(PAGES_MAX):
        answer = _page(api, token)
        summaries = answer.payload.inventory_summaries if answer.payload else None
        for summary in summaries or []:
            if summary.seller_sku:  # a summary names its SKU; one that does not is no listing
                found = row(summary)
                rows[found.channel_sku] = _sum(rows.get(found.channel_sku), found)
        token = answer.pagination.next_token if answer.pagination else None
        if not token:
            return FulfilledStock(as_of=as_of, rows=tuple(rows.values()))
    raise PlatformUnavailable(
        f"Amazon's inventory summaries still had a next page after {PAGES_MAX} pages."
    )


def _page(api: SpApi, token: str | None) -> Any:
    extra = {"next_token": token} if token else {}
    try:
        return api.calls.run(
            "getInventorySummaries",
            lambda: api.fba_inventory.get_inventory_summaries_with_http_info(
                "Marketplace", api.marketplace_id, [api.marketplace_id], details=True, **extra
            ),
        )
    except Refused as refused:
        raise PlatformUnavailable(f"Amazon's FBA inventory summaries: {refused}") from refused


def row(summary: Any) -> FulfilledRow:
    """One summary (an SDK InventorySummary) as a row, by the mapping above."""
    details = summary.inventory_details
    fulfillable = _count(details, "fulfillable_quantity")
    reserved = getattr(details, "reserved_quantity", None)
    researching = _count(
        getattr(details, "researching_quantity", None), "total_researching_quantity"
    )
    damaged = _count(
        getattr(details, "unfulfillable_quantity", None), "total_unfulfillable_quantity"
    )
    processing = _count(reserved, "fc_processing_quantity")
    return FulfilledRow(
        channel_sku=str(summary.seller_sku),
        on_hand=fulfillable + _count(reserved, "total_reserved_quantity") + damaged + researching,
        damaged=damaged,
        quality_control=researching + processing,
    )


def _sum(earlier: FulfilledRow | None, row: FulfilledRow) -> FulfilledRow:
    """One row per SKU, should Amazon list a SKU twice (one summary per condition)."""
    if earlier is None:
        return row
    return FulfilledRow(
        row.channel_sku,
        earlier.on_hand + row.on_hand,
        earlier.damaged + row.damaged,
        earlier.quality_control + row.quality_control,
    )


def _count(bucket: Any, name: str) -> int:
    """A quantity of the bucket; absent or negative (never seen, but not ours to keep) is 0."""
    value = getattr(bucket, name, None) if bucket is not None else None
    return max(int(value), 0) if value is not None else 0
