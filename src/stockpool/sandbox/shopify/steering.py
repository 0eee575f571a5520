"""Shopify's own control routes: a buyer cancels or is refunded; what webhooks were sent."""

from __future__ import annotations

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


class RefundLine(BaseModel):
    model_config = ConfigDict(extra="forbid")
    line_item_id: int | None = Field(None, description="The line item (or give its sku).")
    sku: str | None = None
    quantity: int = Field(ge=1, le=1_000_000)


class RefundRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    line_items: list[RefundLine] = Field(min_length=1)
    restock: bool = True


def routes(sandbox: ShopifySandbox) -> list[BaseRoute]:
    def find(request: Request) -> dict[str, Any] | Response:
        raw = request.path_params["order_id"]
        order = sandbox.order_book.get(int(raw)) if raw.isascii() and raw.isdigit() else None
        if order is None:
            return problem(404, f"No order {raw!r} on this shopify sandbox (use its numeric id).")
        return order

    async def cancel(request: Request) -> Response:
        body = await request.body()
        change = CancelRequest() if not body.strip() else await parsed(request, CancelRequest)
        if isinstance(change, Response):
            return change
        with sandbox.lock:
            order = find(request)
            if isinstance(order, Response):
                return order
            if order["cancelled_at"] is not None:
                return problem(409, f"Order {order['name']} is already cancelled.")
            sandbox.cancel_order(order, change.reason)
            return JSONResponse(order)

    async def refund(request: Request) -> Response:
        wanted = await parsed(request, RefundRequest)
        if isinstance(wanted, Response):
            return wanted
        with sandbox.lock:
            order = find(request)
            if isinstance(order, Response):
                return order
            lines = _lines(order, wanted)
            if isinstance(lines, Response):
                return lines
            return JSONResponse(sandbox.refund_order(order, lines, wanted.restock), status_code=201)

    async def webhooks(request: Request) -> Response:
        with sandbox.lock:
            return JSONResponse(sandbox.webhooks.describe())

    return [
        Route(PREFIX + "/orders/{order_id}/cancel", cancel, methods=["POST"]),
        Route(PREFIX + "/orders/{order_id}/refund", refund, methods=["POST"]),
        Route(f"{PREFIX}/webhooks", webhooks, methods=["GET"]),
    ]


def _lines(
    order: dict[str, Any], wanted: RefundRequest
) -> list[tuple[dict[str, Any], int]] | Response:
    chosen: list[tuple[dict[str, Any], int]] = []
    left = {line["id"]: line["current_quantity"] for line in order["line_items"]}
    for item in wanted.line_items:
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
                f"Order {order['name']}, {line['sku']}: {left[line['id']]} left to refund, {item.quantity} asked.",
            )
        left[line["id"]] -= item.quantity
        chosen.append((line, item.quantity))
    return chosen
