"""Walmart's own control routes: a buyer returns units of a shipped purchase order, the seller
receives them back, and what Walmart Fulfillment Services holds per SKU.

- `POST /_sandbox/walmart/orders/{purchaseOrderId}/return` `{"lines":[{"sku","quantity"}],
  "reason", "received"}`: a new INITIATED return order (201); `received: true` receives it at
  once. 404 for an unknown order; 409 for more units than shipped and not yet returned.
- `POST /_sandbox/walmart/returns/{returnOrderId}/receive`: its units are back (409 if they were).
- `GET /_sandbox/walmart/returns`: every return order, as `GET /v3/returns` shows them.
- `PUT /_sandbox/walmart/wfs/{sku}` `{"on_hand","available_to_sell"}`: WFS's numbers for the SKU
  from now (available to sell defaults to on hand and cannot exceed it).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, ConfigDict, Field, model_validator
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from stockpool.sandbox.control import CONTROL_PREFIX, QUANTITY_MAX, parsed, problem
from stockpool.sandbox.walmart.epoch import now_ms
from stockpool.sandbox.walmart.return_orders import (
    AlreadyReceived,
    ReturnedUnits,
    ReturnProblem,
    plan,
    receive,
)
from stockpool.sandbox.walmart.wfs import WfsStock

if TYPE_CHECKING:
    from stockpool.sandbox.walmart.sandbox import WalmartSandbox

PREFIX = f"{CONTROL_PREFIX}/walmart"
# A few of the reason codes the Returns model lists for returnReason.
REASONS = ("ARRIVED_LATE", "DAMAGED_ITEM", "DEFECTIVE_ITEM", "WRONG_ITEM", "BOUGHT_BY_MISTAKE")


class ReturnLine(BaseModel):
    model_config = ConfigDict(extra="forbid")
    sku: str = Field(min_length=1)
    quantity: int = Field(ge=1, le=QUANTITY_MAX)


class ReturnRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    lines: list[ReturnLine] = Field(min_length=1)
    reason: str = Field("DEFECTIVE_ITEM", description="returnReason, e.g. " + ", ".join(REASONS))
    received: bool = Field(False, description="Received back at once, not just initiated.")


class WfsUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    on_hand: int = Field(ge=0, le=QUANTITY_MAX, description="onHandQty: units WFS holds.")
    available_to_sell: int | None = Field(
        None, ge=0, le=QUANTITY_MAX, description="availToSellQty (default: all on hand)."
    )

    @model_validator(mode="after")
    def _not_more_than_on_hand(self) -> WfsUpdate:
        if self.available_to_sell is not None and self.available_to_sell > self.on_hand:
            raise ValueError(
                f"available_to_sell ({self.available_to_sell}) cannot exceed on_hand "
                f"({self.on_hand}): WFS sells only units it holds"
            )
        return self


def routes(sandbox: WalmartSandbox) -> list[BaseRoute]:
    async def start_return(request: Request) -> Response:
        wanted = await parsed(request, ReturnRequest)
        if isinstance(wanted, Response):
            return wanted
        purchase_order_id = request.path_params["purchaseOrderId"]
        with sandbox.lock:
            order = sandbox.purchase_order(purchase_order_id)
            if order is None:
                return problem(404, f"No purchase order {purchase_order_id} on this sandbox.")
            units = [ReturnedUnits(line.sku, line.quantity) for line in wanted.lines]
            try:
                taken = plan(order, sandbox.return_orders, units)
            except ReturnProblem as refused:
                return problem(409, str(refused))
            return_order = sandbox.add_return_order(order, taken, wanted.reason)
            if wanted.received:
                receive(return_order, now_ms())
            return JSONResponse(return_order, status_code=201)

    async def receive_return(request: Request) -> Response:
        return_order_id = request.path_params["returnOrderId"]
        with sandbox.lock:
            return_order = sandbox.return_order(return_order_id)
            if return_order is None:
                return problem(404, f"No return order {return_order_id} on this sandbox.")
            try:
                receive(return_order, now_ms())
            except AlreadyReceived as refused:
                return problem(409, str(refused))
            return JSONResponse(return_order)

    async def list_returns(request: Request) -> Response:
        with sandbox.lock:
            return JSONResponse(list(sandbox.return_orders))

    async def set_wfs(request: Request) -> Response:
        update = await parsed(request, WfsUpdate)
        if isinstance(update, Response):
            return update
        sku = request.path_params["sku"]
        available = update.on_hand if update.available_to_sell is None else update.available_to_sell
        stock = WfsStock(update.on_hand, available, now_ms())
        with sandbox.lock:
            sandbox.wfs[sku] = stock
        body: dict[str, Any] = stock.as_api(sku)
        return JSONResponse(body)

    return [
        Route(PREFIX + "/orders/{purchaseOrderId}/return", start_return, methods=["POST"]),
        Route(PREFIX + "/returns/{returnOrderId}/receive", receive_return, methods=["POST"]),
        Route(f"{PREFIX}/returns", list_returns, methods=["GET"]),
        Route(PREFIX + "/wfs/{sku:path}", set_wfs, methods=["PUT"]),
    ]
