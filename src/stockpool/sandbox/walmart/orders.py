"""`/v3/orders`: list (with Walmart's ready-made `nextCursor`), released, one order, and the
seller's acknowledge, cancel and shipping calls."""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING, Annotated, Any, Literal
from urllib.parse import urlencode

from pydantic import BaseModel, Field, StrictBool, StrictInt, StrictStr, ValidationError
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from stockpool.sandbox.walmart import errors
from stockpool.sandbox.walmart.epoch import iso, now_ms, parse_ms
from stockpool.sandbox.walmart.params import whole_number
from stockpool.sandbox.walmart.purchase_orders import (
    LINE_STATUSES,
    LineChange,
    LineProblem,
    acknowledge,
    apply,
    check,
    has_status,
    last_modified_ms,
    lines,
)

if TYPE_CHECKING:
    from stockpool.sandbox.walmart.sandbox import WalmartSandbox

LIMIT_DEFAULT, LIMIT_MAX = 100, 200
DEFAULT_WINDOW = timedelta(days=7)
DATE_FILTERS = (
    "createdStartDate",
    "createdEndDate",
    "lastModifiedStartDate",
    "lastModifiedEndDate",
)
CURSOR_KEYS = ("hasMoreElements", "soIndex", "poIndex", "partnerId", "sellerId")

# -- bodies the seller sends ----------------------------------------------------------------


class StatusQuantity(BaseModel):
    unitOfMeasurement: Literal["EACH", "EA"]
    amount: Annotated[StrictStr, Field(pattern=r"^[0-9]+$")]


class CancelStatus(BaseModel):
    status: Literal["Cancelled"]
    cancellationReason: Literal[
        "CUSTOMER_REQUESTED_SELLER_TO_CANCEL",
        "SELLER_CANCEL_PRICING_ERROR",
        "SELLER_CANCEL_OUT_OF_STOCK",
        "SELLER_CANCEL_FRAUD_STOP_SHIPMENT",
        "SELLER_CANCEL_ADDRESS_NOT_SERVICEABLE",
    ]
    statusQuantity: StatusQuantity


class CarrierName(BaseModel):
    carrier: StrictStr | None = None
    otherCarrier: StrictStr | None = None


class TrackingInfo(BaseModel):
    shipDateTime: StrictInt
    carrierName: CarrierName
    methodCode: Literal["Standard", "Express", "OneDay", "Freight", "WhiteGlove", "Value"]
    trackingNumber: StrictStr
    trackingURL: StrictStr | None = None


class ShipStatus(BaseModel):
    status: Literal["Shipped"]
    statusQuantity: StatusQuantity
    trackingInfo: TrackingInfo


class CancelStatuses(BaseModel):
    orderLineStatus: Annotated[list[CancelStatus], Field(min_length=1)]


class ShipStatuses(BaseModel):
    orderLineStatus: Annotated[list[ShipStatus], Field(min_length=1)]


class CancelLine(BaseModel):
    lineNumber: StrictStr
    orderLineStatuses: CancelStatuses


class ShipLine(BaseModel):
    lineNumber: StrictStr
    sellerOrderId: StrictStr
    intentToCancelOverride: StrictBool = False
    orderLineStatuses: ShipStatuses


class CancelLines(BaseModel):
    orderLine: Annotated[list[CancelLine], Field(min_length=1)]


class ShipLines(BaseModel):
    orderLine: Annotated[list[ShipLine], Field(min_length=1)]


class Cancellation(BaseModel):
    orderLines: CancelLines


class Shipment(BaseModel):
    orderLines: ShipLines


class CancelBody(BaseModel):
    orderCancellation: Cancellation


class ShipBody(BaseModel):
    orderShipment: Shipment


def refusal(error: ValidationError) -> Response:
    first = error.errors()[0]
    field = ".".join(str(part) for part in first["loc"]) or "body"
    detail = "; ".join(
        f"{'.'.join(str(part) for part in item['loc']) or 'body'}: {item['msg']}"
        for item in error.errors()[:5]
    )
    return errors.invalid(field, detail)


# -- reading --------------------------------------------------------------------------------


def date_ms(text: str, name: str) -> int | Response:
    parsed = parse_ms(text)
    if parsed is None:
        return errors.invalid(name, f"{name} must be an ISO 8601 date or time, not {text!r}")
    return parsed


async def list_orders(sandbox: WalmartSandbox, request: Request) -> Response:
    return page_of_orders(sandbox, request, released=False)


async def released_orders(sandbox: WalmartSandbox, request: Request) -> Response:
    return page_of_orders(sandbox, request, released=True)


def page_of_orders(sandbox: WalmartSandbox, request: Request, *, released: bool) -> Response:
    """One page, newest first. The cursor pins the first page's snapshot (`soIndex`: orders that
    existed then), so orders placed while a client pages do not shift later pages."""
    query = request.query_params
    limit = whole_number(request, "limit", LIMIT_DEFAULT, 1, LIMIT_MAX)
    if isinstance(limit, Response):
        return limit
    offset = whole_number(request, "poIndex", 0, 0, 10**9)
    if isinstance(offset, Response):
        return offset
    snapshot = whole_number(request, "soIndex", -1, 0, 10**9)
    if isinstance(snapshot, Response):
        return snapshot
    status = "Created" if released else query.get("status")
    if status is not None and status not in LINE_STATUSES:
        return errors.invalid(
            "status", f"status must be one of {', '.join(LINE_STATUSES)}, not {status!r}"
        )
    bounds = date_bounds(request, released)
    if isinstance(bounds, Response):
        return bounds
    with sandbox.lock:
        snapshot = len(sandbox.orders) if snapshot < 0 else snapshot
        found = [
            order
            for order in reversed(sandbox.orders[:snapshot])
            if matches(order, query, status, bounds)
        ]
        page = found[offset : offset + limit]
        if not found:
            # Walmart answers an empty search with 404 "No orders found", not an empty list.
            return errors.not_found("data", "No orders found")
        meta: dict[str, Any] = {"totalCount": len(found), "limit": limit}
        if offset + limit < len(found):
            meta["nextCursor"] = next_cursor(sandbox, request, bounds, limit, snapshot, offset)
        return JSONResponse({"list": {"meta": meta, "elements": {"order": page}}})


def date_bounds(request: Request, released: bool) -> dict[str, int] | Response:
    """The date filters given, in epoch ms; created in the last 7 days when no start is given."""
    bounds: dict[str, int] = {}
    for name in DATE_FILTERS:
        if name in request.query_params and not (released and name.startswith("lastModified")):
            bound = date_ms(request.query_params[name], name)
            if isinstance(bound, Response):
                return bound
            bounds[name] = bound
    if "createdStartDate" not in bounds and "lastModifiedStartDate" not in bounds:
        bounds["createdStartDate"] = now_ms() - int(DEFAULT_WINDOW.total_seconds() * 1000)
    return bounds


def next_cursor(
    sandbox: WalmartSandbox,
    request: Request,
    bounds: dict[str, int],
    limit: int,
    snapshot: int,
    offset: int,
) -> str:
    """The query string of the next page: the same filters, dates made explicit (so "the last
    7 days" does not move), and Walmart's paging keys."""
    kept = {key: value for key, value in request.query_params.items() if key not in CURSOR_KEYS}
    kept.update({name: iso(value) for name, value in bounds.items()})
    kept.update(
        limit=str(limit),
        hasMoreElements="true",
        soIndex=str(snapshot),
        poIndex=str(offset + limit),
        partnerId=sandbox.credentials["partner_id"],
        sellerId=sandbox.credentials["partner_id"],
    )
    return "?" + urlencode(kept)


def matches(order: dict[str, Any], query: Any, status: str | None, bounds: dict[str, int]) -> bool:
    created, modified = order["orderDate"], last_modified_ms(order)
    checks = (
        status is None or has_status(order, status),
        "sku" not in query or any(line["item"]["sku"] == query["sku"] for line in lines(order)),
        "purchaseOrderId" not in query or order["purchaseOrderId"] == query["purchaseOrderId"],
        "customerOrderId" not in query or order["customerOrderId"] == query["customerOrderId"],
        created >= bounds.get("createdStartDate", created),
        created <= bounds.get("createdEndDate", created),
        modified >= bounds.get("lastModifiedStartDate", modified),
        modified <= bounds.get("lastModifiedEndDate", modified),
    )
    return all(checks)


def find(sandbox: WalmartSandbox, request: Request) -> dict[str, Any] | Response:
    purchase_order_id = request.path_params["purchaseOrderId"]
    for order in sandbox.orders:
        if order["purchaseOrderId"] == purchase_order_id:
            return order
    return errors.not_found("purchaseOrderId", f"No purchase order {purchase_order_id!r}")


async def get_order(sandbox: WalmartSandbox, request: Request) -> Response:
    with sandbox.lock:
        order = find(sandbox, request)
        return order if isinstance(order, Response) else JSONResponse({"order": order})


# -- changing -------------------------------------------------------------------------------


async def acknowledge_order(sandbox: WalmartSandbox, request: Request) -> Response:
    with sandbox.lock:
        order = find(sandbox, request)
        if isinstance(order, Response):
            return order
        try:
            acknowledge(order, now_ms())
        except LineProblem as problem:
            return errors.invalid("purchaseOrderId", str(problem))
        return JSONResponse({"order": order})


async def cancel_lines(sandbox: WalmartSandbox, request: Request) -> Response:
    try:
        body = CancelBody.model_validate_json(await request.body())
    except ValidationError as error:
        return refusal(error)
    changes = [
        LineChange(
            line.lineNumber,
            int(status.statusQuantity.amount),
            "Cancelled",
            {"cancellationReason": status.cancellationReason},
        )
        for line in body.orderCancellation.orderLines.orderLine
        for status in line.orderLineStatuses.orderLineStatus
    ]
    with sandbox.lock:
        order = find(sandbox, request)
        if isinstance(order, Response):
            return order
        try:
            check(order, changes)
        except LineProblem as problem:
            return errors.invalid("lineNumber", str(problem))
        at = now_ms()
        skus = {line["lineNumber"]: line["item"]["sku"] for line in lines(order)}
        for change in changes:
            apply(order, change, at)
            sandbox.shelf.give_back(skus[change.line_number], change.units)
        return JSONResponse({"order": order})


async def ship_lines(sandbox: WalmartSandbox, request: Request) -> Response:
    try:
        body = ShipBody.model_validate_json(await request.body())
    except ValidationError as error:
        return refusal(error)
    changes = []
    for line in body.orderShipment.orderLines.orderLine:
        for status in line.orderLineStatuses.orderLineStatus:
            tracking = status.trackingInfo
            carrier = tracking.carrierName
            if (carrier.carrier is None) == (carrier.otherCarrier is None):
                return errors.invalid(
                    "carrierName", "Give carrierName.carrier or carrierName.otherCarrier"
                )
            if carrier.otherCarrier is not None and tracking.trackingURL is None:
                return errors.invalid("trackingURL", "trackingURL is required with otherCarrier")
            details = {"trackingInfo": tracking.model_dump(exclude_none=True)}
            changes.append(
                LineChange(line.lineNumber, int(status.statusQuantity.amount), "Shipped", details)
            )
    with sandbox.lock:
        order = find(sandbox, request)
        if isinstance(order, Response):
            return order
        try:
            check(order, changes)
        except LineProblem as problem:
            return errors.invalid("lineNumber", str(problem))
        at = now_ms()
        for change in changes:
            apply(order, change, at)
        return JSONResponse({"order": order})
