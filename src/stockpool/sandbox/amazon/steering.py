"""Amazon's own control routes: a buyer's order confirmed, cancelled or shipped, the feeds,
tokens expired."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from stockpool.sandbox.amazon import feeds
from stockpool.sandbox.amazon.orders import cancel, confirm, ship
from stockpool.sandbox.control import CONTROL_PREFIX, problem

if TYPE_CHECKING:
    from stockpool.sandbox.amazon.sandbox import AmazonSandbox

PREFIX = f"{CONTROL_PREFIX}/amazon"


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
        Route(PREFIX + "/orders/{orderId}/{action}", change_order, methods=["POST"]),
        Route(f"{PREFIX}/feeds", feed_list, methods=["GET"]),
        Route(f"{PREFIX}/tokens/expire", expire_tokens, methods=["POST"]),
    ]
