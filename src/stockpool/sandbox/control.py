"""`/_sandbox`: read what a sandbox shows and did, and steer its delay, buyers and faults."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, TypeVar

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from stockpool.sandbox.faults import FaultsUpdate

CONTROL_PREFIX = "/_sandbox"

if TYPE_CHECKING:
    from stockpool.sandbox.core import Sandbox

QUANTITY_MAX = 1_000_000_000
M = TypeVar("M", bound=BaseModel)
Handler = Callable[["Sandbox", Request], Awaitable[Response]]


class ShownUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    shown: int = Field(ge=0, le=QUANTITY_MAX, description="What buyers see, from now.")


class BuyerOrder(BaseModel):
    model_config = ConfigDict(extra="forbid")
    sku: str = Field(min_length=1)
    quantity: int = Field(1, ge=1, le=QUANTITY_MAX)


class DelayUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    seconds: float = Field(ge=0, le=86_400, description="Propagation delay of later pushes.")


class BuyersUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    rate_per_minute: float | None = Field(
        None, ge=0, le=60_000, description="Orders a minute; 0 stops them."
    )
    rate_per_second: float | None = Field(
        None, ge=0, le=1000, description="The older way to say the rate: orders a second."
    )
    quantity: int = Field(1, ge=1, le=1000, description="Units in each order.")
    skus: list[str] | None = Field(None, description="Only these listings (default: any shown).")

    @model_validator(mode="after")
    def _one_rate(self) -> BuyersUpdate:
        if self.rate_per_minute is None and self.rate_per_second is None:
            raise ValueError("rate_per_minute is required (orders a minute; 0 stops them)")
        if self.rate_per_minute is not None and self.rate_per_second is not None:
            raise ValueError("send one rate: rate_per_minute, or the older rate_per_second")
        return self

    def per_minute(self) -> float:
        if self.rate_per_minute is not None:
            return self.rate_per_minute
        return (self.rate_per_second or 0.0) * 60


def problem(status: int, detail: str) -> JSONResponse:
    return JSONResponse({"detail": detail}, status_code=status)


async def parsed(request: Request, model: type[M]) -> M | JSONResponse:
    try:
        return model.model_validate_json(await request.body())
    except ValidationError as error:
        wrong = "; ".join(
            f"{'.'.join(str(part) for part in item['loc']) or 'body'}: {item['msg']}"
            for item in error.errors()
        )
        return problem(400, f"Bad {model.__name__}: {wrong}")


def control_routes(sandbox: Sandbox) -> list[BaseRoute]:
    """The routes under /_sandbox that every platform has."""

    def route(path: str, handler: Handler, methods: list[str]) -> Route:
        async def endpoint(request: Request) -> Response:
            return await handler(sandbox, request)

        return Route(path, endpoint, methods=methods)

    return [
        route(CONTROL_PREFIX, summary, ["GET"]),
        route(f"{CONTROL_PREFIX}/listings", listings, ["GET"]),
        route(CONTROL_PREFIX + "/listings/{sku:path}", listing, ["GET", "PUT"]),
        route(f"{CONTROL_PREFIX}/orders", orders, ["GET", "POST"]),
        route(f"{CONTROL_PREFIX}/requests", requests, ["GET", "DELETE"]),
        route(f"{CONTROL_PREFIX}/faults", faults, ["GET", "PUT"]),
        route(f"{CONTROL_PREFIX}/delay", delay, ["PUT"]),
        route(f"{CONTROL_PREFIX}/buyers", buyers, ["GET", "PUT"]),
    ]


async def summary(sandbox: Sandbox, request: Request) -> Response:
    with sandbox.lock:
        return JSONResponse(
            {
                **sandbox.describe(),
                "delay_seconds": sandbox.shelf.delay_seconds,
                "faults": sandbox.faults.as_dict(),
                "buyers": sandbox.buyers.describe(),
            }
        )


# -- listings: what buyers see ------------------------------------------------------------------


async def listings(sandbox: Sandbox, request: Request) -> Response:
    with sandbox.lock:
        return JSONResponse([sandbox.shelf.describe(item) for item in sandbox.shelf.all()])


async def listing(sandbox: Sandbox, request: Request) -> Response:
    """GET one listing; PUT what it shows from now (creating it if need be)."""
    sku = request.path_params["sku"]
    with sandbox.lock:
        found = sandbox.shelf.get(sku)
        if request.method == "GET":
            if found is None:
                return problem(404, f"No listing {sku!r} on this {sandbox.platform} sandbox.")
            return JSONResponse(sandbox.shelf.describe(found))
    update = await parsed(request, ShownUpdate)
    if isinstance(update, Response):
        return update
    with sandbox.lock:
        item = sandbox.add_listing(sku)
        item.shown, item.pending = update.shown, []
        return JSONResponse(sandbox.shelf.describe(item))


# -- orders: what buyers placed, and one placed by hand -----------------------------------------


async def orders(sandbox: Sandbox, request: Request) -> Response:
    if request.method == "GET":
        with sandbox.lock:
            return JSONResponse(list(sandbox.orders))
    order = await parsed(request, BuyerOrder)
    if isinstance(order, Response):
        return order
    with sandbox.lock:
        if order.sku not in sandbox.shelf:
            return problem(404, f"No listing {order.sku!r} on this {sandbox.platform} sandbox.")
        placed = sandbox.place_order(order.sku, order.quantity)
        if placed is None:
            shown = sandbox.shelf.get(order.sku)
            return problem(
                409,
                f"{order.sku} shows {shown.shown if shown else 0}: a buyer cannot order "
                f"{order.quantity}.",
            )
        return JSONResponse(placed, status_code=201)


# -- requests: what the connector sent ----------------------------------------------------------


async def requests(sandbox: Sandbox, request: Request) -> Response:
    if request.method == "DELETE":
        with sandbox.lock:
            sandbox.requests.clear()
        return Response(status_code=204)
    try:
        after = int(request.query_params.get("after", "0"))
    except ValueError:
        return problem(400, "after must be a request id (a whole number).")
    with sandbox.lock:
        return JSONResponse(sandbox.requests.since(after, request.query_params.get("path")))


# -- steering: faults, propagation delay, buyers ------------------------------------------------


async def faults(sandbox: Sandbox, request: Request) -> Response:
    if request.method == "PUT":
        change = await parsed(request, FaultsUpdate)
        if isinstance(change, Response):
            return change
        with sandbox.lock:
            sandbox.faults.update(change)
    with sandbox.lock:
        return JSONResponse(sandbox.faults.as_dict())


async def delay(sandbox: Sandbox, request: Request) -> Response:
    change = await parsed(request, DelayUpdate)
    if isinstance(change, Response):
        return change
    with sandbox.lock:
        sandbox.shelf.delay_seconds = change.seconds
    return JSONResponse({"seconds": change.seconds})


async def buyers(sandbox: Sandbox, request: Request) -> Response:
    if request.method == "PUT":
        change = await parsed(request, BuyersUpdate)
        if isinstance(change, Response):
            return change
        sandbox.buyers.set(change.per_minute(), change.quantity, change.skus)
    with sandbox.lock:
        return JSONResponse(sandbox.buyers.describe())
