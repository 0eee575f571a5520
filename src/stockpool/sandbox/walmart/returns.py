"""`GET /v3/returns`: the seller's return orders, filtered as Walmart's Returns API publishes and
paged with a ready-made `nextCursor` query string, as `/v3/orders` is.

Unconfirmed, and our picks: return orders come oldest first (so one created while a client
pages lands on a later page, never shifting the ones it read); a search that finds none is 200
with an empty list (the orders API's 404 is not published for returns); the last page has no
`nextCursor` (the model calls it required, but there is no next page to name); the cursor pages
with `offset`, as the published example's `?sellerId=…&limit=10&offset=10` does.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from stockpool.sandbox.walmart import errors
from stockpool.sandbox.walmart.epoch import parse_ms
from stockpool.sandbox.walmart.params import whole_number
from stockpool.sandbox.walmart.return_orders import (
    RETURN_STATUSES,
    created_ms,
    has_status,
    last_modified_ms,
)

if TYPE_CHECKING:
    from stockpool.sandbox.walmart.sandbox import WalmartSandbox

LIMIT_DEFAULT, LIMIT_MAX = 10, 200
DATE_FILTERS = (
    "returnCreationStartDate",
    "returnCreationEndDate",
    "returnLastModifiedStartDate",
    "returnLastModifiedEndDate",
)
RETURN_TYPES = ("REFUND", "REPLACEMENT")
CURSOR_KEYS = ("sellerId", "offset")


def dates(request: Request) -> dict[str, int] | Response:
    """The date filters given, in epoch ms."""
    bounds: dict[str, int] = {}
    for name in DATE_FILTERS:
        text = request.query_params.get(name)
        if text is None:
            continue
        parsed = parse_ms(text)
        if parsed is None:
            return errors.invalid(name, f"{name} must be an ISO 8601 date or time, not {text!r}")
        bounds[name] = parsed
    return bounds


def refused_choice(request: Request, name: str, allowed: tuple[str, ...]) -> Response | None:
    """A 400 when the parameter is given and is none of `allowed`."""
    text = request.query_params.get(name)
    if text is not None and text not in allowed:
        return errors.invalid(name, f"{name} must be one of {', '.join(allowed)}, not {text!r}")
    return None


def matches(return_order: dict[str, Any], query: Any, bounds: dict[str, int]) -> bool:
    created, modified = created_ms(return_order), last_modified_ms(return_order)
    checks = (
        "returnOrderId" not in query or return_order["returnOrderId"] == query["returnOrderId"],
        "customerOrderId" not in query
        or return_order["customerOrderId"] == query["customerOrderId"],
        "status" not in query or has_status(return_order, query["status"]),
        "returnType" not in query or return_order["returnType"] == query["returnType"],
        created >= bounds.get("returnCreationStartDate", created),
        created <= bounds.get("returnCreationEndDate", created),
        modified >= bounds.get("returnLastModifiedStartDate", modified),
        modified <= bounds.get("returnLastModifiedEndDate", modified),
    )
    return all(checks)


def next_cursor(sandbox: WalmartSandbox, request: Request, limit: int, offset: int) -> str:
    """The next page's query string: the same filters, the next offset, the seller."""
    kept = {key: value for key, value in request.query_params.items() if key not in CURSOR_KEYS}
    kept.update(limit=str(limit))
    kept.update(sellerId=sandbox.credentials["partner_id"], offset=str(offset + limit))
    return "?" + urlencode(kept)


async def list_returns(sandbox: WalmartSandbox, request: Request) -> Response:
    """One page of the return orders that match every filter given."""
    query = request.query_params
    limit = whole_number(request, "limit", LIMIT_DEFAULT, 1, LIMIT_MAX)
    if isinstance(limit, Response):
        return limit
    offset = whole_number(request, "offset", 0, 0, 10**9)
    if isinstance(offset, Response):
        return offset
    for name, allowed in (
        ("status", RETURN_STATUSES),
        ("returnType", RETURN_TYPES),
        ("replacementInfo", ("true", "false")),
    ):
        wrong = refused_choice(request, name, allowed)
        if wrong is not None:
            return wrong
    bounds = dates(request)
    if isinstance(bounds, Response):
        return bounds
    with sandbox.lock:
        found = [ro for ro in sandbox.return_orders if matches(ro, query, bounds)]
        meta: dict[str, Any] = {"totalCount": len(found), "limit": limit}
        if offset + limit < len(found):
            meta["nextCursor"] = next_cursor(sandbox, request, limit, offset)
        return JSONResponse({"meta": meta, "returnOrders": found[offset : offset + limit]})
