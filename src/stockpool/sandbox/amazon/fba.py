"""FBA Inventory v1: getInventorySummaries over the units Amazon's fulfilment centres hold for the
seller, set per seller SKU through the control routes.

Pages hold `page_size` summaries (Amazon: 50) in SKU order; a nextToken carries the position and
expires 30 seconds after it was made, as the model says.
"""

from __future__ import annotations

import base64
import hashlib
import json
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from starlette.requests import Request
from starlette.responses import Response

from stockpool.sandbox.amazon.errors import BadInput, sp_json
from stockpool.sandbox.amazon.params import csv_list, iso, timestamp

if TYPE_CHECKING:
    from stockpool.sandbox.amazon.sandbox import AmazonSandbox

TOKEN_SECONDS = 30.0
SKUS_MAX = 50
# The unfulfillable dispositions, as the model names them.
UNFULFILLABLE = (
    "customerDamagedQuantity",
    "warehouseDamagedQuantity",
    "distributorDamagedQuantity",
    "carrierDamagedQuantity",
    "defectiveQuantity",
    "expiredQuantity",
)
RESERVED = ("pendingCustomerOrderQuantity", "pendingTransshipmentQuantity", "fcProcessingQuantity")
INBOUND = ("inboundWorkingQuantity", "inboundShippedQuantity", "inboundReceivingQuantity")


@dataclass(slots=True)
class FbaStock:
    """One seller SKU's units in Amazon's network, by the model's buckets."""

    sku: str
    fulfillable: int = 0
    inbound: dict[str, int] = field(default_factory=dict)  # INBOUND names
    reserved: dict[str, int] = field(default_factory=dict)  # RESERVED names
    researching: int = 0
    unfulfillable: dict[str, int] = field(default_factory=dict)  # UNFULFILLABLE names
    updated: datetime = field(default_factory=lambda: datetime.now(UTC))

    def details(self) -> dict[str, Any]:
        reserved = {name: self.reserved.get(name, 0) for name in RESERVED}
        unfulfillable = {name: self.unfulfillable.get(name, 0) for name in UNFULFILLABLE}
        return {
            "fulfillableQuantity": self.fulfillable,
            **{name: self.inbound.get(name, 0) for name in INBOUND},
            "reservedQuantity": {"totalReservedQuantity": sum(reserved.values()), **reserved},
            "researchingQuantity": {
                "totalResearchingQuantity": self.researching,
                "researchingQuantityBreakdown": [
                    {"name": "researchingQuantityInShortTerm", "quantity": self.researching}
                ],
            },
            "unfulfillableQuantity": {
                "totalUnfulfillableQuantity": sum(unfulfillable.values()),
                **unfulfillable,
            },
        }

    def total(self) -> int:
        return (
            self.fulfillable
            + sum(self.inbound.values())
            + sum(self.reserved.values())
            + self.researching
            + sum(self.unfulfillable.values())
        )

    def summary(self, marketplace_details: bool, title: str) -> dict[str, Any]:
        digest = hashlib.sha1(self.sku.encode()).hexdigest().upper()
        shown: dict[str, Any] = {
            "asin": "B0" + digest[:8],
            "fnSku": "X00" + digest[8:15],
            "sellerSku": self.sku,
            "condition": "NewItem",
            "lastUpdatedTime": iso(self.updated),
            "productName": title,
            "totalQuantity": self.total(),
        }
        if marketplace_details:
            shown["inventoryDetails"] = self.details()
        return shown


async def get_inventory_summaries(sandbox: AmazonSandbox, request: Request) -> Response:
    query = request.query_params
    granularity_type, granularity_id = query.get("granularityType"), query.get("granularityId")
    if granularity_type != "Marketplace":
        raise BadInput("granularityType is required and must be Marketplace.")
    marketplaces = csv_list(query, "marketplaceIds")
    if len(marketplaces) != 1:
        raise BadInput("marketplaceIds is required: exactly one marketplace id.")
    if granularity_id != marketplaces[0]:
        raise BadInput("granularityId must be the marketplace id named in marketplaceIds.")
    details = query.get("details", "false")
    if details not in ("true", "false"):
        raise BadInput("details must be true or false.")
    since = timestamp(query, "startDateTime")
    skus = csv_list(query, "sellerSkus")
    if len(skus) > SKUS_MAX:
        raise BadInput(f"sellerSkus takes at most {SKUS_MAX} SKUs.")
    if not skus and query.get("sellerSku"):
        skus = [str(query.get("sellerSku"))]
    with sandbox.lock:
        sandbox.check_marketplace(marketplaces[0])
        offset = _read_token(query.get("nextToken"), sandbox.clock())
        chosen = [
            stock
            for sku, stock in sorted(sandbox.fba.items())
            if (since is not None and stock.updated >= since)
            or (since is None and (not skus or sku in skus))
        ]
        size = sandbox.inventory_page_size
        page = chosen[offset : offset + size]
        summaries = [stock.summary(details == "true", _title(sandbox, stock.sku)) for stock in page]
        token = (
            _write_token(offset + size, sandbox.clock()) if offset + size < len(chosen) else None
        )
    answer: dict[str, Any] = {
        "payload": {
            "granularity": {"granularityType": "Marketplace", "granularityId": marketplaces[0]},
            "inventorySummaries": summaries,
        }
    }
    if token is not None:
        answer["pagination"] = {"nextToken": token}
    return sp_json(answer)


def _title(sandbox: AmazonSandbox, sku: str) -> str:
    listing = sandbox.shelf.get(sku)
    return str(listing.attributes.get("itemName")) if listing else f"Sandbox item {sku}"


def _write_token(offset: int, now: float) -> str:
    raw = json.dumps({"offset": offset, "made": now})
    return base64.urlsafe_b64encode(raw.encode()).decode()


def _read_token(token: str | None, now: float) -> int:
    """The position a nextToken holds (0 without one); a token older than 30 s is refused."""
    if token is None:
        return 0
    try:
        raw = json.loads(base64.urlsafe_b64decode(token.encode()))
        offset, made = raw["offset"], raw["made"]
        valid = isinstance(offset, int) and offset >= 0 and isinstance(made, int | float)
    except (ValueError, KeyError, TypeError, UnicodeDecodeError):
        valid = False
    if not valid:
        raise BadInput("nextToken is not one this operation returned.")
    if now - made > TOKEN_SECONDS:
        raise BadInput("nextToken has expired: it lasts 30 seconds; start again without it.")
    return int(offset)
