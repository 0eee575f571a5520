"""Orders, their line items and refunds, as the Admin API shows them; `orders(query:)` search."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

from stockpool.sandbox.shopify import search
from stockpool.sandbox.shopify.catalog import gid, gid_number
from stockpool.sandbox.shopify.orders import graphql_time, line_view, order_view
from stockpool.sandbox.shopify.resolvers.catalog import location_view, variant_view
from stockpool.sandbox.shopify.resolvers.context import Info, page, sandbox_of


def _order_matcher(order: dict[str, Any], term: search.Term) -> bool | None:
    if term.field in ("created_at", "updated_at", "processed_at"):
        moment = search.parse_time(order[term.field])
        return None if moment is None else search.time_matches(moment, term)
    if term.field == "sku":
        return any(search.text_matches(line["sku"], term) for line in order["line_items"])
    if term.field == "name":
        return search.text_matches(order["name"], term) or search.text_matches(
            order["name"].lstrip("#"), term
        )
    if term.field == "financial_status":
        return search.text_matches(order["financial_status"], term)
    if term.field == "status":
        state = "cancelled" if order["cancelled_at"] else "open"
        return term.value.lower() == "any" or search.text_matches(state, term)
    if term.field == "id":
        return search.text_matches(str(order["id"]), term)
    return None


_ORDER_SORT: dict[str, Callable[[dict[str, Any]], list[Any]]] = {
    "ID": lambda order: [order["id"]],
    "CREATED_AT": lambda order: [order["created_at"], order["id"]],
    "UPDATED_AT": lambda order: [order["updated_at"], order["id"]],
    "PROCESSED_AT": lambda order: [order["processed_at"], order["id"]],
    "NUMBER": lambda order: [order["order_number"], order["id"]],
}


def order(_: Any, info: Info, id: str) -> dict[str, Any] | None:
    number = gid_number(id, "Order")
    found = sandbox_of(info).order_book.get(number) if number is not None else None
    return order_view(found) if found else None


def orders(_: Any, info: Info, **args: Any) -> dict[str, Any]:
    wanted = search.parse(args.get("query"))
    chosen = [
        view
        for view in map(order_view, sandbox_of(info).orders)
        if search.matches(view["_order"], wanted, _order_matcher)
    ]
    key = _ORDER_SORT[args.get("sortKey") or "ID"]
    return page(chosen, lambda view: key(view["_order"]), args)


def order_line_items(order: dict[str, Any], info: Info, **args: Any) -> dict[str, Any]:
    lines = [line_view(line) for line in order["_order"]["line_items"]]
    return page(lines, lambda view: [view["_line"]["id"]], args)


def line_variant(line: dict[str, Any], info: Info) -> dict[str, Any] | None:
    catalog = sandbox_of(info).catalog
    listing = catalog.by_variant(gid("ProductVariant", line["_line"]["variant_id"]))
    return variant_view(listing, info) if listing else None


def order_refunds(
    order: dict[str, Any], info: Info, first: int | None = None
) -> list[dict[str, Any]]:
    refunds = order["_order"]["refunds"]
    return [refund_view(refund) for refund in refunds[: first if first is not None else None]]


def refund(_: Any, info: Info, id: str) -> dict[str, Any] | None:
    number = gid_number(id, "Refund")
    found = next(
        (
            item
            for placed in sandbox_of(info).orders
            for item in placed["refunds"]
            if item["id"] == number
        ),
        None,
    )
    return refund_view(found) if found else None


def refund_view(refund: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": refund["admin_graphql_api_id"],
        "legacyResourceId": str(refund["id"]),
        "createdAt": graphql_time(refund["created_at"]),
        "updatedAt": graphql_time(refund["created_at"]),
        "note": refund["note"],
        "_refund": refund,
    }


def refund_order(refund: dict[str, Any], info: Info) -> dict[str, Any] | None:
    placed = sandbox_of(info).order_book.get(refund["_refund"]["order_id"])
    return order_view(placed) if placed else None


def refund_line_items(refund: dict[str, Any], info: Info, **args: Any) -> dict[str, Any]:
    catalog = sandbox_of(info).catalog
    lines = []
    for item in refund["_refund"]["refund_line_items"]:
        place = catalog.location(gid("Location", item["location_id"] or 0))
        lines.append(
            {
                "id": gid("RefundLineItem", item["id"]),
                "lineItem": line_view(item["line_item"]),
                "location": location_view(place) if place else None,
                "quantity": item["quantity"],
                "restockType": item["restock_type"].upper(),
                "restocked": item["restock_type"] != "no_restock",
                "_id": item["id"],
            }
        )
    return page(lines, lambda view: [view["_id"]], args)


def order_cancel(
    _: Any, info: Info, orderId: str, reason: str, restock: bool, **options: Any
) -> dict[str, Any]:
    """Cancel a whole order (Shopify cancels no part of one): a job, or the errors that stop
    it - no such order, one cancelled already, or one with fulfilled items."""
    sandbox = sandbox_of(info)
    number = gid_number(orderId, "Order")
    found = sandbox.order_book.get(number) if number is not None else None
    if found is None:
        return _cancel_refused("NOT_FOUND", "Order does not exist")
    if found["cancelled_at"] is not None:
        return _cancel_refused("INVALID", "Cannot cancel an order that has already been canceled")
    if found["fulfillment_status"] is not None or any(
        line["fulfillment_status"] for line in found["line_items"]
    ):
        return _cancel_refused(
            "INVALID", "Cannot cancel an order with fulfilled items: cancel the fulfillments first"
        )
    sandbox.cancel_order(found, reason.lower(), restock=restock)
    # Shopify cancels in a background job; the sandbox's is done at once.
    job = {"id": f"gid://shopify/Job/{uuid.uuid4()}", "done": False}
    return {"job": job, "orderCancelUserErrors": [], "userErrors": []}


def _cancel_refused(code: str, message: str) -> dict[str, Any]:
    error = {"field": ["orderId"], "message": message}
    return {
        "job": None,
        "orderCancelUserErrors": [{**error, "code": code}],
        "userErrors": [error],
    }
