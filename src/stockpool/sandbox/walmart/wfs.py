"""`GET /v3/fulfillment/inventory`: what Walmart Fulfillment Services holds for the seller, per
SKU, paged by `offset` and `limit` (at most 300, default 10, as the Inventory model says).

Each SKU shows one ship node of type WFSFulfilled: `onHandQty` (active units in Walmart's
fulfilment centres) and `availToSellQty` (of those, the ones not held for orders). SKUs come in
SKU order; `modifiedDate` is when the SKU's numbers were last set (ISO 8601: the model gives it
as a string with no format, so this is our pick). A `sku` WFS does not hold is a 404, as
`/v3/inventory` answers an unknown SKU.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from stockpool.sandbox.walmart import errors
from stockpool.sandbox.walmart.epoch import iso, parse_ms
from stockpool.sandbox.walmart.params import whole_number

if TYPE_CHECKING:
    from stockpool.sandbox.walmart.sandbox import WalmartSandbox

LIMIT_DEFAULT, LIMIT_MAX = 10, 300
WFS_NODE = "WFSFulfilled"


@dataclass(frozen=True, slots=True)
class WfsStock:
    on_hand: int
    available_to_sell: int
    modified_ms: int

    def as_api(self, sku: str) -> dict[str, Any]:
        node = {
            "modifiedDate": iso(self.modified_ms),
            "availToSellQty": self.available_to_sell,
            "onHandQty": self.on_hand,
            "shipNodeType": WFS_NODE,
        }
        return {"sku": sku, "shipNodes": [node]}


def modified_between(request: Request) -> tuple[int, int] | Response:
    """fromModifiedDate and toModifiedDate as epoch ms (open ends when not given)."""
    bounds = []
    for name, default in (("fromModifiedDate", 0), ("toModifiedDate", 2**62)):
        text = request.query_params.get(name)
        parsed = default if text is None else parse_ms(text)
        if parsed is None:
            return errors.invalid(name, f"{name} must be an ISO 8601 date or time, not {text!r}")
        bounds.append(parsed)
    return bounds[0], bounds[1]


async def wfs_inventory(sandbox: WalmartSandbox, request: Request) -> Response:
    limit = whole_number(request, "limit", LIMIT_DEFAULT, 1, LIMIT_MAX)
    if isinstance(limit, Response):
        return limit
    offset = whole_number(request, "offset", 0, 0, 10**9)
    if isinstance(offset, Response):
        return offset
    between = modified_between(request)
    if isinstance(between, Response):
        return between
    sku = request.query_params.get("sku")
    with sandbox.lock:
        if sku is not None and sku not in sandbox.wfs:
            return errors.not_found("sku", f"WFS holds no item with sku {sku!r}")
        found = [
            (name, stock)
            for name, stock in sorted(sandbox.wfs.items())
            if (sku is None or name == sku) and between[0] <= stock.modified_ms <= between[1]
        ]
        page = found[offset : offset + limit]
        return JSONResponse(
            {
                "headers": {"totalCount": len(found), "limit": limit, "offset": offset},
                "payload": {"inventory": [stock.as_api(name) for name, stock in page]},
            }
        )
