"""Shopify's own control routes: the merchant fulfils an order, a buyer cancels or is refunded
(a return when fulfilled units are restocked); what webhooks were sent."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Literal

from pydantic import BaseModel, ConfigDict, Field
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from stockpool.sandbox.control import CONTROL_PREFIX, parsed, problem

if TYPE_CHECKING:
    from stockpool.sandbox.shopify.sandbox import ShopifySandbox

PREFIX = f"{CONTROL_PREFIX}/shopify"


class CancelRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    reason: Literal["customer", "declined", "fraud", "inventory", "other", "staff"] = "customer"


class OrderLine(BaseModel):
    model_config = ConfigDict(extra="forbid")
    line_item_id: int | None = Field(None, description="The line item (or give its sku).")
    sku: str | None = None
    quantity: int = Field(ge=1, le=1_000_000)


class RefundRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    line_items: list[OrderLine] = Field(min_length=1)
    restock: bool = Field(
        True,
        description="Put the units back: unfulfilled ones (taken first) as a cancel, fulfilled "
        "ones as a return.",
    )
    note: str | None = Field(None, max_length=1000)


class FulfillRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    line_items: list[OrderLine] | None = Field(
        None, min_length=1, description="What to ship; every unit left to fulfil when left out."
    )


def _find(sandbox: ShopifySandbox, request: Request) -> dict[str, Any] | Response:
    """The order the path names, or a 404 saying so."""
    raw = request.path_params["order_id"]
    order = sandbox.order_book.get(int(raw)) if raw.isascii() and raw.isdigit() else None
    if order is None:
        return problem(404, f"No order {raw!r} on this shopify sandbox (use its numeric id).")
    return order


def routes(sandbox: ShopifySandbox) -> list[BaseRoute]:

    async def cancel(request: Request) -> Response:
        body = await request.body()
        change = CancelRequest() if not body.strip() else await parsed(request, CancelRequest)
        if isinstance(change, Response):
            return change
        with sandbox.lock:
            order = _find(sandbox, request)
            if isinstance(order, Response):
                return order
            if order["cancelled_at"] is not None:
                return problem(409, f"Order {order['name']} is already cancelled.")
            if order["fulfillment_status"] is not None:
                return problem(
                    409,
                    f"Order {order['name']} has fulfilled items: Shopify cancels no such order "
                    "(refund it instead).",
                )
            sandbox.cancel_order(order, change.reason)
            return JSONResponse(order)

    async def refund(request: Request) -> Response:
        wanted = await parsed(request, RefundRequest)
        if isinstance(wanted, Response):
            return wanted
        with sandbox.lock:
            order = _find(sandbox, request)
            if isinstance(order, Response):
                return order
            lines = _lines(order, wanted.line_items, "refund", _refundable)
            if isinstance(lines, Response):
                return lines
            refunded = sandbox.refund_order(order, lines, wanted.restock, wanted.note)
            return JSONResponse(refunded, status_code=201)

    async def fulfill(request: Request) -> Response:
        body = await request.body()
        wanted = FulfillRequest() if not body.strip() else await parsed(request, FulfillRequest)
        if isinstance(wanted, Response):
            return wanted
        with sandbox.lock:
            order = _find(sandbox, request)
            if isinstance(order, Response):
                return order
            lines = _to_fulfil(order, wanted)
            if isinstance(lines, Response):
                return lines
            return JSONResponse(sandbox.fulfill_order(order, lines), status_code=201)

    async def webhooks(request: Request) -> Response:
        with sandbox.lock:
            return JSONResponse(sandbox.webhooks.describe())

    return [
        Route(PREFIX + "/orders/{order_id}/cancel", cancel, methods=["POST"]),
        Route(PREFIX + "/orders/{order_id}/refund", refund, methods=["POST"]),
        Route(PREFIX + "/orders/{order_id}/fulfill", fulfill, methods=["POST"]),
        Route(f"{PREFIX}/webhooks", webhooks, methods=["GET"]),
    ]


def _to_fulfil(
    order: dict[str, Any], wanted: FulfillRequest
) -> list[tuple[dict[str, Any], int]] | Response:
    """The line items and units a fulfilment ships: those asked for, or every unit left."""
    if order["cancelled_at"] is not None:
        return problem(409, f"Order {order['name']} is cancelled: nothing to fulfil.")
    if wanted.line_items is not None:
        return _lines(order, wanted.line_items, "fulfil", _fulfillable)
    lines = [
        (line, line["fulfillable_quantity"])
        for line in order["line_items"]
        if line["fulfillable_quantity"] > 0
    ]
    if not lines:
        return problem(409, f"Order {order['name']} has nothing left to fulfil.")
    return lines


def _refundable(line: dict[str, Any]) -> int:
    return int(line["current_quantity"])


def _fulfillable(line: dict[str, Any]) -> int:
    return int(line["fulfillable_quantity"])


def _lines(
    order: dict[str, Any],
    wanted: list[OrderLine],
    verb: str,
    units_left: Callable[[dict[str, Any]], int],
) -> list[tuple[dict[str, Any], int]] | Response:
    """The order's line items `wanted` names, each with its units, as long as `units_left` of
    each (what is left to refund or to fulfil) covers them."""
    chosen: list[tuple[dict[str, Any], int]] = []
    left = {line["id"]: units_left(line) for line in order["line_items"]}
    for item in wanted:
        line = next(
            (
                line
                for line in order["line_items"]
                if line["id"] == item.line_item_id
                or (item.line_item_id is None and line["sku"] == item.sku)
            ),
            None,
        )
        if line is None:
            return problem(
                404, f"Order {order['name']} has no line item {item.line_item_id or item.sku!r}."
            )
        if item.quantity > left[line["id"]]:
            return problem(
                409,
                f"Order {order['name']}, {line['sku']}: {left[line['id']]} left to {verb}, "
                f"{item.quantity} asked.",
            )
        left[line["id"]] -= item.quantity
        chosen.append((line, item.quantity))
    return chosen
