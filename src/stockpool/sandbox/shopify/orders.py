"""Orders as Shopify's REST API (and its webhooks) show them: the merchant's fulfilments, and the
changes buyers make (cancelled, refunded with or without restock)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, NamedTuple

from stockpool.sandbox.shelf import Listing
from stockpool.sandbox.shopify.catalog import gid

ORDER_BASE = 5_500_000_000
LINE_BASE = 13_000_000_000
REFUND_BASE = 920_000_000
FULFILLMENT_BASE = 4_100_000_000

# Shopify's order and line-item fulfillment_status, and the GraphQL order's display of it.
DISPLAY_FULFILLMENT = {
    None: "UNFULFILLED",
    "partial": "PARTIALLY_FULFILLED",
    "fulfilled": "FULFILLED",
}


def rest_now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


class Taken(NamedTuple):
    """What a refund took off one line item: units never fulfilled, and units that were."""

    sku: str
    unfulfilled: int
    fulfilled: int


class OrderBook:
    """Numbers orders, line items and refunds; keeps each order's REST JSON current."""

    def __init__(self, orders: list[dict[str, Any]]) -> None:
        self.orders = orders  # the sandbox's list: the control endpoint shows it
        self._by_id: dict[int, dict[str, Any]] = {}
        self._next_order = 1
        self._next_line = 1
        self._next_refund = 1
        self._next_fulfillment = 1
        # Fulfilled units of each line item not refunded since: Shopify's JSON does not show
        # this split (a no_restock refund line does not say which units it took).
        self._shipped: dict[int, int] = {}
        self._fulfilled: dict[int, int] = {}  # every unit ever fulfilled, by line item

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
            "fulfillments": [],
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

    def shipped(self, line: dict[str, Any]) -> int:
        """Units of the line item fulfilled and not refunded since."""
        return self._shipped.get(line["id"], 0)

    def fulfill(
        self, order: dict[str, Any], lines: list[tuple[dict[str, Any], int]], location_id: int
    ) -> dict[str, Any]:
        """Fulfil `lines` (line item, units) from `location_id`: the fulfillment's REST JSON,
        recorded on the order, whose fulfillment_status follows."""
        number = FULFILLMENT_BASE + self._next_fulfillment
        self._next_fulfillment += 1
        stamp = rest_now()
        for line, units in lines:
            line["fulfillable_quantity"] -= units
            self._shipped[line["id"]] = self.shipped(line) + units
            self._fulfilled[line["id"]] = self._fulfilled.get(line["id"], 0) + units
        order["updated_at"] = stamp
        self._fulfillment_status(order)
        fulfillment = {
            "id": number,
            "admin_graphql_api_id": gid("Fulfillment", number),
            "order_id": order["id"],
            "name": f"{order['name']}.{len(order['fulfillments']) + 1}",
            "status": "success",
            "created_at": stamp,
            "updated_at": stamp,
            "location_id": location_id,
            "line_items": [{**line, "quantity": units} for line, units in lines],
        }
        order["fulfillments"].append(fulfillment)
        return fulfillment

    def refund(
        self,
        order: dict[str, Any],
        lines: list[tuple[dict[str, Any], int]],
        restock: bool,
        location_id: int,
        note: str | None = None,
    ) -> tuple[dict[str, Any], list[Taken]]:
        """Refund `lines` (line item, units), unfulfilled units first: the refund's REST JSON,
        recorded on the order, and what it took off each line. Restocked units that were
        fulfilled come back as a return, unfulfilled ones as a cancel, as Shopify tells them."""
        number = REFUND_BASE + self._next_refund
        self._next_refund += 1
        stamp = rest_now()
        taken: list[Taken] = []
        refund_lines: list[dict[str, Any]] = []
        for line, units in lines:
            unfulfilled = min(units, line["fulfillable_quantity"])
            fulfilled = units - unfulfilled
            line["current_quantity"] -= units
            line["fulfillable_quantity"] -= unfulfilled
            self._shipped[line["id"]] = self.shipped(line) - fulfilled
            taken.append(Taken(line["sku"], unfulfilled, fulfilled))
            parts = (
                [("cancel", unfulfilled), ("return", fulfilled)]
                if restock
                else [("no_restock", units)]
            )
            for restock_type, count in parts:
                if not count:
                    continue
                refund_lines.append(
                    {
                        "id": number * 10 + len(refund_lines),
                        "line_item_id": line["id"],
                        "quantity": count,
                        "restock_type": restock_type,
                        "location_id": None if restock_type == "no_restock" else location_id,
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
            "note": note,
            "refund_line_items": refund_lines,
        }
        order["refunds"].append(refund)
        order["updated_at"] = stamp
        left = sum(line["current_quantity"] for line in order["line_items"])
        order["financial_status"] = "refunded" if left == 0 else "partially_refunded"
        self._fulfillment_status(order)
        return refund, taken

    def _fulfillment_status(self, order: dict[str, Any]) -> None:
        """Each line item's and the order's fulfillment_status: null until a unit is fulfilled,
        "fulfilled" once nothing is left to fulfil, "partial" in between."""
        for line in order["line_items"]:
            line["fulfillment_status"] = (
                None
                if not self._fulfilled.get(line["id"])
                else "partial"
                if line["fulfillable_quantity"]
                else "fulfilled"
            )
        statuses = [line["fulfillment_status"] for line in order["line_items"]]
        if not any(statuses):
            order["fulfillment_status"] = None
        elif all(line["fulfillable_quantity"] == 0 for line in order["line_items"]):
            order["fulfillment_status"] = "fulfilled"
        else:
            order["fulfillment_status"] = "partial"


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
        "displayFulfillmentStatus": DISPLAY_FULFILLMENT[order["fulfillment_status"]],
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
        "fulfillableQuantity": line["fulfillable_quantity"],
        "unfulfilledQuantity": line["fulfillable_quantity"],
        "_line": line,
    }
