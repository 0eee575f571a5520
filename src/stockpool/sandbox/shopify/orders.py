"""Orders as Shopify's REST API (and its webhooks) show them, and the changes buyers make."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from stockpool.sandbox.shelf import Listing
from stockpool.sandbox.shopify.catalog import gid

ORDER_BASE = 5_500_000_000
LINE_BASE = 13_000_000_000
REFUND_BASE = 920_000_000


def rest_now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


class OrderBook:
    """Numbers orders, line items and refunds; keeps each order's REST JSON current."""

    def __init__(self, orders: list[dict[str, Any]]) -> None:
        self.orders = orders  # the sandbox's list: the control endpoint shows it
        self._by_id: dict[int, dict[str, Any]] = {}
        self._next_order = 1
        self._next_line = 1
        self._next_refund = 1

    def get(self, order_id: int) -> dict[str, Any] | None:
        return self._by_id.get(order_id)

    def create(self, listing: Listing, quantity: int) -> dict[str, Any]:
        number = self._next_order
        self._next_order += 1
        order_id = ORDER_BASE + number
        line_id = LINE_BASE + self._next_line
        self._next_line += 1
        stamp = rest_now()
        order: dict[str, Any] = {
            "id": order_id,
            "admin_graphql_api_id": gid("Order", order_id),
            "name": f"#{1000 + number}",
            "order_number": 1000 + number,
            "created_at": stamp,
            "updated_at": stamp,
            "processed_at": stamp,
            "cancelled_at": None,
            "cancel_reason": None,
            "closed_at": None,
            "financial_status": "paid",
            "fulfillment_status": None,
            "currency": "USD",
            "line_items": [
                {
                    "id": line_id,
                    "admin_graphql_api_id": gid("LineItem", line_id),
                    "variant_id": listing.attributes["variant_id"],
                    "product_id": listing.attributes["product_id"],
                    "sku": listing.sku,
                    "title": listing.sku,
                    "name": listing.sku,
                    "quantity": quantity,
                    "current_quantity": quantity,
                    "fulfillable_quantity": quantity,
                    "fulfillment_status": None,
                }
            ],
            "refunds": [],
        }
        self.orders.append(order)
        self._by_id[order_id] = order
        return order

    def cancel(self, order: dict[str, Any], reason: str) -> list[tuple[str, int]]:
        """Cancel the order: the (sku, units) still on it go back to stock."""
        stamp = rest_now()
        order["cancelled_at"] = order["updated_at"] = order["closed_at"] = stamp
        order["cancel_reason"] = reason
        order["financial_status"] = "refunded"
        returned = []
        for line in order["line_items"]:
            if line["current_quantity"]:
                returned.append((line["sku"], line["current_quantity"]))
            line["current_quantity"] = line["fulfillable_quantity"] = 0
        return returned

    def refund(
        self, order: dict[str, Any], lines: list[tuple[dict[str, Any], int]], restock: bool
    ) -> dict[str, Any]:
        """Refund `lines` (line item, units): the refund's REST JSON, recorded on the order."""
        number = REFUND_BASE + self._next_refund
        self._next_refund += 1
        stamp = rest_now()
        refund_lines = []
        for index, (line, units) in enumerate(lines):
            line["current_quantity"] -= units
            line["fulfillable_quantity"] = max(line["fulfillable_quantity"] - units, 0)
            refund_lines.append(
                {
                    "id": number * 10 + index,
                    "line_item_id": line["id"],
                    "quantity": units,
                    "restock_type": "cancel" if restock else "no_restock",
                    "location_id": None,
                    "line_item": dict(line),
                }
            )
        refund = {
            "id": number,
            "admin_graphql_api_id": gid("Refund", number),
            "order_id": order["id"],
            "created_at": stamp,
            "processed_at": stamp,
            "restock": restock,
            "note": None,
            "refund_line_items": refund_lines,
        }
        order["refunds"].append(refund)
        order["updated_at"] = stamp
        left = sum(line["current_quantity"] for line in order["line_items"])
        order["financial_status"] = "refunded" if left == 0 else "partially_refunded"
        return refund


def graphql_time(rest: str | None) -> str | None:
    return None if rest is None else rest.replace("+00:00", "Z")


def order_view(order: dict[str, Any]) -> dict[str, Any]:
    """The GraphQL Order of a REST order (nested line items resolve from `_order`)."""
    return {
        "id": order["admin_graphql_api_id"],
        "legacyResourceId": str(order["id"]),
        "name": order["name"],
        "createdAt": graphql_time(order["created_at"]),
        "updatedAt": graphql_time(order["updated_at"]),
        "processedAt": graphql_time(order["processed_at"]),
        "cancelledAt": graphql_time(order["cancelled_at"]),
        "cancelReason": order["cancel_reason"].upper() if order["cancel_reason"] else None,
        "closed": order["closed_at"] is not None,
        "displayFinancialStatus": order["financial_status"].upper(),
        "displayFulfillmentStatus": "UNFULFILLED",
        "_order": order,
    }


def line_view(line: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": line["admin_graphql_api_id"],
        "sku": line["sku"],
        "name": line["name"],
        "title": line["title"],
        "quantity": line["quantity"],
        "currentQuantity": line["current_quantity"],
        "refundableQuantity": line["current_quantity"],
        "_line": line,
    }
