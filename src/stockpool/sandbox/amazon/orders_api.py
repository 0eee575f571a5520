"""The Orders operations: 2026-01-01 searchOrders/getOrder and v0 getOrders/getOrder/getOrderItems."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from starlette.requests import Request
from starlette.responses import Response

from stockpool.sandbox.amazon.errors import BadInput, sp_json
from stockpool.sandbox.amazon.orders import (
    INCLUDED_DATA,
    STATUSES,
    V0_STATUS,
    V0_STATUSES,
    now_utc,
    page,
    shown,
    v0_items,
    v0_order,
    window,
)
from stockpool.sandbox.amazon.params import csv_list, integer, iso

if TYPE_CHECKING:
    from stockpool.sandbox.amazon.sandbox import AmazonSandbox

NAMES_2026 = ("createdAfter", "createdBefore", "lastUpdatedAfter", "lastUpdatedBefore")
NAMES_V0 = ("CreatedAfter", "CreatedBefore", "LastUpdatedAfter", "LastUpdatedBefore")


async def search_orders(sandbox: AmazonSandbox, request: Request) -> Response:
    query = request.query_params
    bound = window(query, NAMES_2026, now_utc())
    statuses = csv_list(query, "fulfillmentStatuses", STATUSES)
    marketplaces = csv_list(query, "marketplaceIds")
    fulfilled_by = csv_list(query, "fulfilledBy", ("MERCHANT", "AMAZON"))
    size = integer(query, "maxResultsPerPage", 1, 100, 100)
    included = csv_list(query, "includedData", INCLUDED_DATA)
    if len(marketplaces) > 50:
        raise BadInput("marketplaceIds takes at most 50 values.")
    with sandbox.lock:
        for marketplace in marketplaces:
            sandbox.check_marketplace(marketplace)
        candidates = [
            order
            for order in sandbox.orders
            if (not statuses or order["fulfillment"]["fulfillmentStatus"] in statuses)
            and (not fulfilled_by or "MERCHANT" in fulfilled_by)
        ]
        chosen, next_token, bound = page(
            candidates, sandbox.order_times, query.get("paginationToken"), size, bound
        )
        answer: dict[str, Any] = {"orders": [shown(order, included) for order in chosen]}
    if next_token:
        answer["pagination"] = {"nextToken": next_token}
    answer[bound.before_name] = iso(bound.before)
    return sp_json(answer)


async def get_order(sandbox: AmazonSandbox, request: Request) -> Response:
    included = csv_list(request.query_params, "includedData", INCLUDED_DATA)
    with sandbox.lock:
        order = _order(sandbox, request.path_params["orderId"])
        return sp_json({"order": shown(order, included)})


async def get_orders_v0(sandbox: AmazonSandbox, request: Request) -> Response:
    query = request.query_params
    marketplaces = csv_list(query, "MarketplaceIds")
    if not marketplaces:
        raise BadInput("MarketplaceIds is required.")
    if len(marketplaces) > 50:
        raise BadInput("MarketplaceIds takes at most 50 values.")
    bound = window(query, NAMES_V0, now_utc())
    statuses = csv_list(query, "OrderStatuses", V0_STATUSES)
    channels = csv_list(query, "FulfillmentChannels", ("AFN", "MFN"))
    order_ids = csv_list(query, "AmazonOrderIds")
    size = integer(query, "MaxResultsPerPage", 1, 100, 100)
    with sandbox.lock:
        for marketplace in marketplaces:
            sandbox.check_marketplace(marketplace)
        candidates = [
            order
            for order in sandbox.orders
            if (not statuses or V0_STATUS[order["fulfillment"]["fulfillmentStatus"]] in statuses)
            and (not channels or "MFN" in channels)
            and (not order_ids or order["orderId"] in order_ids)
        ]
        chosen, next_token, bound = page(
            candidates, sandbox.order_times, query.get("NextToken"), size, bound
        )
        payload: dict[str, Any] = {"Orders": [v0_order(order) for order in chosen]}
    if next_token:
        payload["NextToken"] = next_token
    payload[bound.before_name] = iso(bound.before)
    return sp_json({"payload": payload})


async def get_order_v0(sandbox: AmazonSandbox, request: Request) -> Response:
    with sandbox.lock:
        order = _order(sandbox, request.path_params["orderId"])
        return sp_json({"payload": v0_order(order)})


async def get_order_items_v0(sandbox: AmazonSandbox, request: Request) -> Response:
    if request.query_params.get("NextToken") is not None:
        raise BadInput("NextToken is not one this operation returned.")
    with sandbox.lock:
        order = _order(sandbox, request.path_params["orderId"])
        return sp_json(
            {"payload": {"AmazonOrderId": order["orderId"], "OrderItems": v0_items(order)}}
        )


def _order(sandbox: AmazonSandbox, order_id: str) -> dict[str, Any]:
    order = sandbox.order(order_id)
    if order is None:
        raise BadInput(
            f"Order {order_id} was not found.",
            status=404,
            code="NotFound",
            message="Order not found",
        )
    return order
