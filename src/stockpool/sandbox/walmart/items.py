"""`GET /v3/items` (Items API, getAllItems): the seller's items, paged by `nextCursor` (`*` on
the first call) or by `offset`; `sku` asks for one item, 404 when there is none.

Every sandbox item is ACTIVE and PUBLISHED, with no variant group. The model's text gives two
page limits (200 by cursor, 50 by offset, in a sentence copied from feeds); the sandbox takes
up to 200 either way (UNCONFIRMED).
"""

from __future__ import annotations

import base64
import hashlib
import json
from typing import TYPE_CHECKING, Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from stockpool.sandbox.shelf import Listing
from stockpool.sandbox.walmart import errors
from stockpool.sandbox.walmart.params import whole_number

if TYPE_CHECKING:
    from stockpool.sandbox.walmart.sandbox import WalmartSandbox

LIMIT_DEFAULT, LIMIT_MAX = 20, 200
OFFSET_MAX = 1_000_000
FIRST_CURSOR = "*"
STATES = {"lifecycleStatus": "ACTIVE", "publishedStatus": "PUBLISHED"}


async def list_items(sandbox: WalmartSandbox, request: Request) -> Response:
    limit = whole_number(request, "limit", LIMIT_DEFAULT, 1, LIMIT_MAX)
    if isinstance(limit, Response):
        return limit
    start = _start(request)
    if isinstance(start, Response):
        return start
    sku = request.query_params.get("sku")
    with sandbox.lock:
        found = [listing for listing in sandbox.shelf.all() if _wanted(listing, request)]
        if sku is not None and not found:
            return errors.not_found("sku", f"No item with sku {sku!r} for this seller")
        body: dict[str, Any] = {
            "ItemResponse": [item(listing) for listing in found[start : start + limit]],
            "totalItems": len(found),
        }
    if start + limit < len(found):
        body["nextCursor"] = _cursor(start + limit)
    return JSONResponse(body)


def _wanted(listing: Listing, request: Request) -> bool:
    query = request.query_params
    if query.get("sku") is not None and listing.sku != query["sku"]:
        return False
    if query.get("variantGroupId") is not None:
        return False  # sandbox items belong to no variant group
    return all(query.get(name) in (None, state) for name, state in STATES.items())


def _start(request: Request) -> int | Response:
    """Where the page starts: the cursor's place, or `offset` on the first call."""
    cursor = request.query_params.get("nextCursor", FIRST_CURSOR)
    if cursor == FIRST_CURSOR:
        return whole_number(request, "offset", 0, 0, OFFSET_MAX)
    try:
        place = json.loads(base64.urlsafe_b64decode(cursor.encode()))["offset"]
    except (ValueError, TypeError, KeyError, UnicodeDecodeError):
        place = None
    if not isinstance(place, int) or not 0 <= place <= OFFSET_MAX:
        return errors.invalid(
            "nextCursor",
            f"nextCursor {cursor!r} is not one this API returned: start with nextCursor=* and "
            "pass on the nextCursor of each answer",
        )
    return place


def _cursor(offset: int) -> str:
    return base64.urlsafe_b64encode(json.dumps({"offset": offset}).encode()).decode()


def item(listing: Listing) -> dict[str, Any]:
    """The item as getAllItems shows it (the model's `ItemResponse`)."""
    digest = hashlib.sha1(listing.sku.encode()).hexdigest().upper()
    upc = str(int(digest[:10], 16) % 10**12).zfill(12)
    return {
        "mart": "WALMART_US",
        "sku": listing.sku,
        "wpid": digest[:12],
        "upc": upc,
        "gtin": upc.zfill(14),
        "productName": str(listing.attributes.get("productName", listing.sku)),
        "shelf": '["UNNAV"]',
        "productType": "Sandbox item",
        # The model's ItemSearchPrice types amount as a string (its example shows a number).
        "price": {"currency": "USD", "amount": f"{listing.attributes.get('price', 19.99):.2f}"},
        **STATES,
    }
