"""Amazon's own control routes: a buyer's order confirmed, cancelled, shipped or returned, a
return delivered back, the FBA stock of a seller SKU, the feeds, tokens expired."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING

from pydantic import BaseModel, ConfigDict, Field
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from stockpool.sandbox.amazon import feeds
from stockpool.sandbox.amazon.fba import FbaStock
from stockpool.sandbox.amazon.orders import cancel, confirm, ship
from stockpool.sandbox.amazon.returns import ReturnRefused, new_return
from stockpool.sandbox.control import CONTROL_PREFIX, QUANTITY_MAX, parsed, problem

if TYPE_CHECKING:
    from stockpool.sandbox.amazon.sandbox import AmazonSandbox

PREFIX = f"{CONTROL_PREFIX}/amazon"
Units = Field(0, ge=0, le=QUANTITY_MAX)


class ReturnedLine(BaseModel):
    model_config = ConfigDict(extra="forbid")
    sku: str = Field(min_length=1)
    quantity: int = Field(ge=1, le=QUANTITY_MAX)


class BuyerReturnRequest(BaseModel):
    """Units of a shipped order a buyer sends back; delivered: they reached the seller already
    (else they are on their way until POST /returns/{rmaId}/deliver)."""

    model_config = ConfigDict(extra="forbid")
    lines: list[ReturnedLine] = Field(min_length=1)
    reason: str = Field(min_length=1, max_length=200, description="e.g. CR-DEFECTIVE")
    delivered: bool = True


class FbaUpdate(BaseModel):
    """A seller SKU's units in Amazon's fulfilment centres, by getInventorySummaries' buckets."""

    model_config = ConfigDict(extra="forbid")
    fulfillable: int = Units
    inbound_working: int = Units
    inbound_shipped: int = Units
    inbound_receiving: int = Units
    reserved_customer_orders: int = Units
    reserved_transshipment: int = Units
    reserved_fc_processing: int = Units
    researching: int = Units
    customer_damaged: int = Units
    warehouse_damaged: int = Units
    distributor_damaged: int = Units
    carrier_damaged: int = Units
    defective: int = Units
    expired: int = Units

    def stock(self, sku: str) -> FbaStock:
        return FbaStock(
            sku,
            self.fulfillable,
            inbound={
                "inboundWorkingQuantity": self.inbound_working,
                "inboundShippedQuantity": self.inbound_shipped,
                "inboundReceivingQuantity": self.inbound_receiving,
            },
            reserved={
                "pendingCustomerOrderQuantity": self.reserved_customer_orders,
                "pendingTransshipmentQuantity": self.reserved_transshipment,
                "fcProcessingQuantity": self.reserved_fc_processing,
            },
            researching=self.researching,
            unfulfillable={
                "customerDamagedQuantity": self.customer_damaged,
                "warehouseDamagedQuantity": self.warehouse_damaged,
                "distributorDamagedQuantity": self.distributor_damaged,
                "carrierDamagedQuantity": self.carrier_damaged,
                "defectiveQuantity": self.defective,
                "expiredQuantity": self.expired,
            },
        )


def routes(sandbox: AmazonSandbox) -> list[BaseRoute]:
    async def change_order(request: Request) -> Response:
        order_id, action = request.path_params["orderId"], request.path_params["action"]
        with sandbox.lock:
            order = sandbox.order(order_id)
            if order is None:
                return problem(404, f"No order {order_id} on this amazon sandbox.")
            status = order["fulfillment"]["fulfillmentStatus"]
            if status in ("CANCELLED", "SHIPPED"):
                return problem(409, f"Order {order_id} is {status}: it cannot be {action}ed.")
            now = datetime.now(UTC)
            if action == "cancel":
                cancel(order, now, "Buyer cancelled")
                for line in order["orderItems"]:
                    sandbox.shelf.give_back(line["product"]["sellerSku"], line["quantityOrdered"])
            elif action == "ship":
                ship(order, now)
            elif action == "confirm" and status == "PENDING":
                confirm(order, now)
            elif action == "confirm":
                return problem(409, f"Order {order_id} is {status}: only a PENDING one confirms.")
            else:
                return problem(
                    404, f"An order can be confirmed, cancelled or shipped, not {action!r}."
                )
            sandbox.order_times[order_id]["lastUpdatedTime"] = now
            return JSONResponse(order)

    async def feed_list(request: Request) -> Response:
        with sandbox.lock:
            feeds.advance(sandbox)
            return JSONResponse(
                [feed.as_api(sandbox.feeds.queue_seconds) for feed in sandbox.feeds.feeds.values()]
            )

    async def expire_tokens(request: Request) -> Response:
        with sandbox.lock:
            sandbox.tokens.expire_all()
        return Response(status_code=204)

    return [
        *stock_routes(sandbox),
        Route(PREFIX + "/orders/{orderId}/{action}", change_order, methods=["POST"]),
        Route(f"{PREFIX}/feeds", feed_list, methods=["GET"]),
        Route(f"{PREFIX}/tokens/expire", expire_tokens, methods=["POST"]),
    ]


def stock_routes(sandbox: AmazonSandbox) -> list[BaseRoute]:
    """Units coming back from buyers, and units in Amazon's fulfilment centres."""

    async def return_order(request: Request) -> Response:
        order_id = request.path_params["orderId"]
        wanted = await parsed(request, BuyerReturnRequest)
        if isinstance(wanted, Response):
            return wanted
        units: dict[str, int] = {}
        for line in wanted.lines:
            units[line.sku] = units.get(line.sku, 0) + line.quantity
        with sandbox.lock:
            order = sandbox.order(order_id)
            if order is None:
                return problem(404, f"No order {order_id} on this amazon sandbox.")
            try:
                made = new_return(
                    order,
                    units,
                    sandbox.returns,
                    wanted.reason,
                    datetime.now(UTC),
                    delivered=wanted.delivered,
                )
            except ReturnRefused as refused:
                return problem(refused.status, str(refused))
            sandbox.returns.append(made)
            return JSONResponse({"amazonRmaId": made.rma_id, "rows": made.rows()}, 201)

    async def deliver(request: Request) -> Response:
        rma_id = request.path_params["rmaId"]
        with sandbox.lock:
            found = next((r for r in sandbox.returns if r.rma_id == rma_id), None)
            if found is None:
                return problem(404, f"No return {rma_id} on this amazon sandbox.")
            if found.delivered is not None:
                return problem(409, f"Return {rma_id} was delivered already.")
            found.delivered = datetime.now(UTC)
            return JSONResponse({"amazonRmaId": rma_id, "rows": found.rows()})

    async def set_fba(request: Request) -> Response:
        sku = request.path_params["sku"]
        update = await parsed(request, FbaUpdate)
        if isinstance(update, Response):
            return update
        with sandbox.lock:
            stock = sandbox.fba[sku] = update.stock(sku)
            title = f"Sandbox item {sku}"
            return JSONResponse(stock.summary(True, title))

    return [
        Route(PREFIX + "/orders/{orderId}/return", return_order, methods=["POST"]),
        Route(PREFIX + "/returns/{rmaId}/deliver", deliver, methods=["POST"]),
        Route(PREFIX + "/fba/{sku:path}", set_fba, methods=["PUT"]),
    ]
