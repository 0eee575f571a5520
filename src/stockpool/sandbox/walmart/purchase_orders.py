"""Purchase orders as Walmart's orders API shows them, and what acknowledging, cancelling and
shipping their lines does. Quantities are strings and dates epoch milliseconds, as Walmart's."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

OPEN = ("Created", "Acknowledged")
LINE_STATUSES = ("Created", "Acknowledged", "Shipped", "Delivered", "Cancelled", "Refund")
DAY_MS = 86_400_000


class LineProblem(ValueError):
    """A change the order's lines cannot take (an unknown line, too few open units)."""


def quantity(units: int) -> dict[str, str]:
    return {"unitOfMeasurement": "EACH", "amount": str(units)}


def new_purchase_order(
    purchase_order_id: str,
    customer_order_id: str,
    sku: str,
    units: int,
    product_name: str,
    unit_price: float,
    ship_node: str,
    at_ms: int,
) -> dict[str, Any]:
    line = {
        "lineNumber": "1",
        "item": {"productName": product_name, "sku": sku},
        "charges": {
            "charge": [
                {
                    "chargeType": "PRODUCT",
                    "chargeName": "ItemPrice",
                    "chargeAmount": {"currency": "USD", "amount": round(unit_price * units, 2)},
                    "tax": {
                        "taxName": "Tax1",
                        "taxAmount": {
                            "currency": "USD",
                            "amount": round(unit_price * units * 0.08, 2),
                        },
                    },
                }
            ]
        },
        "orderLineQuantity": quantity(units),
        "statusDate": at_ms,
        "orderLineStatuses": {
            "orderLineStatus": [{"status": "Created", "statusQuantity": quantity(units)}]
        },
        "fulfillment": {"fulfillmentOption": "S2H", "shipMethod": "STANDARD"},
    }
    return {
        "purchaseOrderId": purchase_order_id,
        "customerOrderId": customer_order_id,
        "customerEmailId": f"{customer_order_id}@relay.walmart.com",
        "orderDate": at_ms,
        "shippingInfo": {
            "phone": "4795550100",
            "estimatedDeliveryDate": at_ms + 5 * DAY_MS,
            "estimatedShipDate": at_ms + DAY_MS,
            "methodCode": "Standard",
            "postalAddress": {
                "name": "Sandbox Buyer",
                "address1": "702 SW 8th St",
                "city": "Bentonville",
                "state": "AR",
                "postalCode": "72716",
                "country": "USA",
                "addressType": "RESIDENTIAL",
            },
        },
        "orderLines": {"orderLine": [line]},
        "shipNode": {"type": "SellerFulfilled", "name": "Sandbox DC", "id": ship_node},
    }


def lines(order: dict[str, Any]) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = order["orderLines"]["orderLine"]
    return found


def statuses(line: dict[str, Any]) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = line["orderLineStatuses"]["orderLineStatus"]
    return found


def units_in(line: dict[str, Any], wanted: tuple[str, ...]) -> int:
    return sum(int(s["statusQuantity"]["amount"]) for s in statuses(line) if s["status"] in wanted)


def has_status(order: dict[str, Any], status: str) -> bool:
    return any(units_in(line, (status,)) > 0 for line in lines(order))


def last_modified_ms(order: dict[str, Any]) -> int:
    return max([int(order["orderDate"]), *(int(line["statusDate"]) for line in lines(order))])


def line_by_number(order: dict[str, Any], number: str) -> dict[str, Any]:
    for line in lines(order):
        if line["lineNumber"] == number:
            return line
    raise LineProblem(f"Order {order['purchaseOrderId']} has no line {number!r}")


@dataclass(frozen=True, slots=True)
class LineChange:
    """Move `units` of line `line_number` from open (Created/Acknowledged) to `status`."""

    line_number: str
    units: int
    status: str
    details: dict[str, Any]  # trackingInfo, cancellationReason, … kept on the new status


def check(order: dict[str, Any], changes: list[LineChange]) -> None:
    """Raise LineProblem unless every change fits (all are checked before any is made)."""
    wanted: dict[str, int] = {}
    for change in changes:
        if change.units < 1:
            raise LineProblem(f"Line {change.line_number}: the quantity must be at least 1")
        wanted[change.line_number] = wanted.get(change.line_number, 0) + change.units
    for number, units in wanted.items():
        line = line_by_number(order, number)
        open_units = units_in(line, OPEN)
        if units > open_units:
            now = ", ".join(
                f"{s['status']} {s['statusQuantity']['amount']}" for s in statuses(line)
            )
            raise LineProblem(
                f"Line {number} of order {order['purchaseOrderId']} has {open_units} open "
                f"unit(s) ({now}): cannot make {units} {changes[0].status}"
            )


def apply(order: dict[str, Any], change: LineChange, at_ms: int) -> None:
    """Make one checked change: the units leave the open statuses, oldest first."""
    line = line_by_number(order, change.line_number)
    left = change.units
    kept = []
    for status in statuses(line):
        if left and status["status"] in OPEN:
            taken = min(int(status["statusQuantity"]["amount"]), left)
            left -= taken
            remaining = int(status["statusQuantity"]["amount"]) - taken
            if remaining == 0:
                continue
            status = {**status, "statusQuantity": quantity(remaining)}
        kept.append(status)
    merged = next((status for status in kept if same(status, change)), None)
    if merged is not None:
        merged["statusQuantity"] = quantity(int(merged["statusQuantity"]["amount"]) + change.units)
    else:
        kept.append(
            {"status": change.status, "statusQuantity": quantity(change.units), **change.details}
        )
    line["orderLineStatuses"]["orderLineStatus"] = kept
    line["statusDate"] = at_ms


def same(status: dict[str, Any], change: LineChange) -> bool:
    """Whether `change` adds to `status` (same status, same reason or tracking)."""
    extra = {key: value for key, value in status.items() if key not in ("status", "statusQuantity")}
    return status["status"] == change.status and extra == change.details


def acknowledge(order: dict[str, Any], at_ms: int) -> None:
    """Every Created unit becomes Acknowledged; acknowledging twice changes nothing."""
    if not any(units_in(line, OPEN) for line in lines(order)):
        raise LineProblem(f"Order {order['purchaseOrderId']} has no open lines to acknowledge")
    for line in lines(order):
        created = units_in(line, ("Created",))
        if created:
            apply(order, LineChange(line["lineNumber"], created, "Acknowledged", {}), at_ms)
