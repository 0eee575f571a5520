"""`GET`/`PUT /v3/inventory`: one SKU's quantity at the seller's ship node."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from stockpool.sandbox.control import QUANTITY_MAX
from stockpool.sandbox.walmart import errors

if TYPE_CHECKING:
    from stockpool.sandbox.walmart.sandbox import WalmartSandbox


def inventory_body(sku: str, amount: int) -> dict[str, Any]:
    return {"sku": sku, "quantity": {"unit": "EACH", "amount": amount}}


def parse_quantity(quantity: object, where: str) -> tuple[str, str] | int:
    """The amount of a Walmart `{"unit":"EACH","amount":n}`, or (field, what is wrong)."""
    if not isinstance(quantity, dict):
        return where, f"{where} must be an object {{unit, amount}}"
    if quantity.get("unit") != "EACH":
        return f"{where}.unit", f"{where}.unit must be EACH, not {quantity.get('unit')!r}"
    amount = quantity.get("amount")
    if isinstance(amount, bool) or not isinstance(amount, int | float):
        return f"{where}.amount", f"{where}.amount must be a number, not {amount!r}"
    if amount != int(amount) or not 0 <= amount <= QUANTITY_MAX:
        return (
            f"{where}.amount",
            f"{where}.amount must be a whole number from 0 to {QUANTITY_MAX}, not {amount!r}",
        )
    return int(amount)


def query_sku_and_node(sandbox: WalmartSandbox, request: Request) -> str | Response:
    sku = request.query_params.get("sku", "")
    if not sku:
        return errors.invalid("sku", "Query parameter sku is required")
    node = request.query_params.get("shipNode")
    if node is not None and node != sandbox.ship_node:
        return errors.invalid("shipNode", f"Unknown shipNode {node!r} for this seller")
    return sku


async def get_inventory(sandbox: WalmartSandbox, request: Request) -> Response:
    sku = query_sku_and_node(sandbox, request)
    if isinstance(sku, Response):
        return sku
    with sandbox.lock:
        listing = sandbox.shelf.get(sku)
        if listing is None:
            return errors.not_found("sku", f"No item with sku {sku!r}")
        return JSONResponse(inventory_body(sku, listing.shown))


async def put_inventory(sandbox: WalmartSandbox, request: Request) -> Response:
    sku = query_sku_and_node(sandbox, request)
    if isinstance(sku, Response):
        return sku
    try:
        body = json.loads(await request.body())
    except (ValueError, UnicodeDecodeError):
        return errors.invalid("body", "The request body is not valid JSON")
    if not isinstance(body, dict):
        return errors.invalid("body", "The request body must be an object {sku, quantity}")
    if body.get("sku") != sku:
        return errors.invalid(
            "sku", f"Body sku {body.get('sku')!r} does not match query sku {sku!r}"
        )
    amount = parse_quantity(body.get("quantity"), "quantity")
    if isinstance(amount, tuple):
        return errors.invalid(*amount)
    with sandbox.lock:
        if sandbox.shelf.get(sku) is None:
            return errors.not_found("sku", f"No item with sku {sku!r}")
        sandbox.shelf.push(sku, amount)
    return JSONResponse(inventory_body(sku, amount))
