"""Orders as buyers place them, shown through Orders 2026-01-01 and the deprecated v0.

The sandbox keeps each order in the 2026-01-01 shape with every data set filled
(`Sandbox.orders`); a response drops the data sets not asked for, and v0 is derived from it.
"""

from __future__ import annotations

import base64
import copy
import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from starlette.datastructures import QueryParams

from stockpool.sandbox.amazon.errors import BadInput
from stockpool.sandbox.amazon.params import iso, timestamp
from stockpool.sandbox.shelf import Listing

STATUSES = (
    "PENDING_AVAILABILITY",
    "PENDING",
    "UNSHIPPED",
    "PARTIALLY_SHIPPED",
    "SHIPPED",
    "CANCELLED",
    "UNFULFILLABLE",
)
INCLUDED_DATA = (
    "BUYER",
    "RECIPIENT",
    "PROCEEDS",
    "EXPENSE",
    "PROMOTION",
    "CANCELLATION",
    "FULFILLMENT",
    "PACKAGES",
    "TAX",
    "PAYMENT",
    "FULFILLMENT_ORDERS",
)
V0_STATUS = {
    "PENDING_AVAILABILITY": "PendingAvailability",
    "PENDING": "Pending",
    "UNSHIPPED": "Unshipped",
    "PARTIALLY_SHIPPED": "PartiallyShipped",
    "SHIPPED": "Shipped",
    "CANCELLED": "Canceled",
    "UNFULFILLABLE": "Unfulfillable",
}
V0_STATUSES = (*V0_STATUS.values(), "InvoiceUnconfirmed")
SETTLE = timedelta(minutes=2)  # a "before" bound must be at least this far in the past
CURRENCY = "USD"


def new_order(
    number: int, listing: Listing, quantity: int, marketplace: str, now: datetime
) -> dict[str, Any]:
    """A buyer's order of `quantity` of `listing`, as Orders 2026-01-01 shows it in full."""
    unit = Decimal(listing.attributes["price"])
    total = _money(unit * quantity)
    created = iso(now)
    return {
        "orderId": f"{111 + number % 800:03d}-{(number * 7_919) % 10_000_000:07d}-{number:07d}",
        "createdTime": created,
        "lastUpdatedTime": created,
        "salesChannel": {
            "channelName": "AMAZON",
            "marketplaceId": marketplace,
            "marketplaceName": "Amazon.com",
        },
        "buyer": {
            "buyerName": f"Sandbox Buyer {number}",
            "buyerEmail": f"buyer{number}@marketplace.amazon.com",
        },
        "proceeds": {"grandTotal": total},
        "fulfillment": {
            "fulfillmentStatus": "UNSHIPPED",
            "fulfilledBy": "MERCHANT",
            "fulfillmentServiceLevel": "STANDARD",
        },
        "orderItems": [
            {
                "orderItemId": f"{number:014d}",
                "quantityOrdered": quantity,
                "product": {
                    "asin": listing.attributes["asin"],
                    "title": listing.attributes["itemName"],
                    "sellerSku": listing.sku,
                    "condition": {"conditionType": "New"},
                    "price": {"unitPrice": _money(unit)},
                },
                "proceeds": {"proceedsTotal": total},
                "fulfillment": {"quantityFulfilled": 0, "quantityUnfulfilled": quantity},
            }
        ],
    }


def _money(amount: Decimal) -> dict[str, str]:
    return {"amount": f"{amount:.2f}", "currencyCode": CURRENCY}


def cancel(order: dict[str, Any], now: datetime, reason: str) -> None:
    order["fulfillment"]["fulfillmentStatus"] = "CANCELLED"
    order["lastUpdatedTime"] = iso(now)
    for line in order["orderItems"]:
        line["cancellation"] = {
            "cancellationRequest": {"requester": "BUYER", "cancelReason": reason},
            "cancellationExecution": {"cancelledBy": "BUYER", "cancelReason": reason},
        }
        line["fulfillment"]["quantityUnfulfilled"] = 0


def confirm(order: dict[str, Any], now: datetime) -> None:
    """The buyer's payment went through: a PENDING order becomes UNSHIPPED."""
    order["fulfillment"]["fulfillmentStatus"] = "UNSHIPPED"
    order["lastUpdatedTime"] = iso(now)


def ship(order: dict[str, Any], now: datetime) -> None:
    order["fulfillment"]["fulfillmentStatus"] = "SHIPPED"
    order["lastUpdatedTime"] = iso(now)
    for line in order["orderItems"]:
        line["fulfillment"] = {
            "quantityFulfilled": line["quantityOrdered"],
            "quantityUnfulfilled": 0,
        }


def shown(order: dict[str, Any], included: list[str]) -> dict[str, Any]:
    """The order with only the data sets asked for (`fulfillment` status always: it is the
    order's state, and MARKETPLACES.md shows it unasked)."""
    found = copy.deepcopy(order)
    for name, key in (("BUYER", "buyer"), ("PROCEEDS", "proceeds")):
        if name not in included:
            found.pop(key, None)
    if "FULFILLMENT" not in included:
        found["fulfillment"] = {"fulfillmentStatus": order["fulfillment"]["fulfillmentStatus"]}
    for line in found["orderItems"]:
        for name, key in (
            ("PROCEEDS", "proceeds"),
            ("CANCELLATION", "cancellation"),
            ("FULFILLMENT", "fulfillment"),
        ):
            if name not in included:
                line.pop(key, None)
    return found


# -- searching ------------------------------------------------------------------------------------


@dataclass(slots=True)
class Window:
    """Which orders a search asks for: by creation or by last update, from `after` to `before`."""

    field: str  # "createdTime" or "lastUpdatedTime"
    after: datetime
    before: datetime
    before_name: str  # how the response echoes the bound

    def holds(self, moment: datetime) -> bool:
        return self.after <= moment <= self.before


def window(query: QueryParams, names: tuple[str, str, str, str], now: datetime) -> Window:
    """The time window of `names` = (createdAfter, createdBefore, lastUpdatedAfter,
    lastUpdatedBefore) in the operation's spelling, with its rules enforced."""
    created_after, created_before, updated_after, updated_before = (
        timestamp(query, name) for name in names
    )
    if created_after is not None and updated_after is None:
        if updated_before is not None:
            raise BadInput(f"{names[3]} cannot be set when {names[0]} is set.")
        after, before, field, before_name = created_after, created_before, "createdTime", names[1]
    elif updated_after is not None and created_after is None:
        if created_before is not None:
            raise BadInput(f"{names[1]} cannot be set when {names[2]} is set.")
        after, before, field, before_name = (
            updated_after,
            updated_before,
            "lastUpdatedTime",
            names[3],
        )
    else:
        raise BadInput(f"Exactly one of {names[0]} and {names[2]} is required.")
    if before is not None:
        if before < after:
            raise BadInput(
                f"{before_name} must be equal to or after {names[0] if field == 'createdTime' else names[2]}."
            )
        if before > now - SETTLE:
            raise BadInput(
                f"{before_name} must be at least two minutes before the time of the request."
            )
    elif after > now:
        raise BadInput(
            f"{names[0] if field == 'createdTime' else names[2]} cannot be in the future."
        )
    return Window(field, after, before or now, before_name)


def page(
    orders: list[dict[str, Any]],
    times: Mapping[str, Mapping[str, datetime]],
    token: str | None,
    size: int,
    bound: Window,
) -> tuple[list[dict[str, Any]], str | None, Window]:
    """One page of `orders` (already filtered but for time) after the token's position, and the
    next token. `times` holds each order's exact createdTime/lastUpdatedTime (shown to the second).
    The first page's upper bound holds for the pages after it, so later orders shift none."""
    position: list[str] | None = None
    if token is not None:
        position, frozen = _read_token(token)
        bound = Window(bound.field, bound.after, frozen, bound.before_name)

    def key(order: dict[str, Any]) -> list[str]:
        return [times[order["orderId"]]["createdTime"].isoformat(), order["orderId"]]

    ordered = sorted(
        (order for order in orders if bound.holds(times[order["orderId"]][bound.field])), key=key
    )
    if position is not None:
        ordered = [order for order in ordered if key(order) > position]
    chosen = ordered[:size]
    more = len(ordered) > size
    return chosen, _write_token(key(chosen[-1]), bound.before) if more else None, bound


def _write_token(position: list[str], before: datetime) -> str:
    raw = json.dumps({"after": position, "before": before.isoformat()})
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def _read_token(token: str) -> tuple[list[str], datetime]:
    try:
        raw = json.loads(base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)))
        position, before = raw["after"], datetime.fromisoformat(raw["before"])
        if isinstance(position, list) and len(position) == 2 and before.tzinfo is not None:
            return [str(part) for part in position], before
    except (ValueError, KeyError, TypeError, UnicodeDecodeError):
        pass
    raise BadInput("The pagination token is invalid or expired.")


def now_utc() -> datetime:
    return datetime.now(UTC)


# -- v0 -------------------------------------------------------------------------------------------


def v0_order(order: dict[str, Any]) -> dict[str, Any]:
    """The same order as the deprecated Orders v0 shows it."""
    status = order["fulfillment"]["fulfillmentStatus"]
    quantity = sum(line["quantityOrdered"] for line in order["orderItems"])
    shipped = sum(
        line.get("fulfillment", {}).get("quantityFulfilled", 0) for line in order["orderItems"]
    )
    found: dict[str, Any] = {
        "AmazonOrderId": order["orderId"],
        "PurchaseDate": order["createdTime"],
        "LastUpdateDate": order["lastUpdatedTime"],
        "OrderStatus": V0_STATUS[status],
        "FulfillmentChannel": "MFN",
        "SalesChannel": order["salesChannel"]["marketplaceName"],
        "ShipServiceLevel": "Std US D2D Dom",
        "NumberOfItemsShipped": shipped,
        "NumberOfItemsUnshipped": 0 if status == "CANCELLED" else quantity - shipped,
        "PaymentMethod": "Other",
        "PaymentMethodDetails": ["Standard"],
        "MarketplaceId": order["salesChannel"]["marketplaceId"],
        "ShipmentServiceLevelCategory": "Standard",
        "OrderType": "StandardOrder",
        "IsBusinessOrder": False,
        "IsPrime": False,
        "IsPremiumOrder": False,
        "IsGlobalExpressEnabled": False,
        "IsReplacementOrder": False,
        "IsSoldByAB": False,
        "IsISPU": False,
        "IsAccessPointOrder": False,
    }
    if status != "CANCELLED":  # Amazon drops the total of a cancelled order
        grand = order["proceeds"]["grandTotal"]
        found["OrderTotal"] = {"CurrencyCode": grand["currencyCode"], "Amount": grand["amount"]}
    return found


def v0_items(order: dict[str, Any]) -> list[dict[str, Any]]:
    return [
        {
            "ASIN": line["product"]["asin"],
            "SellerSKU": line["product"]["sellerSku"],
            "OrderItemId": line["orderItemId"],
            "Title": line["product"]["title"],
            "QuantityOrdered": line["quantityOrdered"],
            "QuantityShipped": line["fulfillment"]["quantityFulfilled"],
            "ItemPrice": {
                "CurrencyCode": line["proceeds"]["proceedsTotal"]["currencyCode"],
                "Amount": line["proceeds"]["proceedsTotal"]["amount"],
            },
            "ConditionId": "New",
            "IsGift": "false",
            "IsTransparency": False,
            "SerialNumberRequired": False,
        }
        for line in order["orderItems"]
    ]
