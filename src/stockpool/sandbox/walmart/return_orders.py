"""Return orders as Walmart's Returns API shows them, and what a buyer returning units and the
seller receiving them back do to one. Dates are ISO 8601 strings (the Returns model's date-time,
unlike the orders' epoch ms) and quantities `{unitOfMeasure, measurementValue}`.

A return order here covers units of one purchase order (Walmart's may cover several of one
customer order: the connector reads either). Its lines start INITIATED with a RETURN_INITIATED
tracking event; receiving makes them DELIVERED (currentDeliveryStatus DELIVERED) with a
RETURN_RECEIVED event. Returns do not change the purchase order's line statuses here: which
status Walmart gives a returned line (Refund?) is not published.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from stockpool.sandbox.walmart.epoch import iso, parse_ms
from stockpool.sandbox.walmart.purchase_orders import lines, units_in

SHIPPED = ("Shipped", "Delivered")
RETURN_STATUSES = ("INITIATED", "DELIVERED", "COMPLETED")
RETURN_WINDOW_MS = 30 * 86_400_000


class ReturnProblem(ValueError):
    """A return the order cannot take (a SKU it does not have, more units than shipped)."""


class AlreadyReceived(ValueError):
    """Every line of the return order was received already."""


@dataclass(frozen=True, slots=True)
class ReturnedUnits:
    sku: str
    units: int


def quantity(units: int) -> dict[str, Any]:
    return {"unitOfMeasure": "EACH", "measurementValue": units}


def return_lines(return_order: dict[str, Any]) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = return_order["returnOrderLines"]
    return found


def returned_units(
    return_orders: list[dict[str, Any]], purchase_order_id: str, line_number: str
) -> int:
    """Units of this purchase order line that earlier return orders took back already."""
    return sum(
        int(line["quantity"]["measurementValue"])
        for return_order in return_orders
        for line in return_lines(return_order)
        if line["purchaseOrderId"] == purchase_order_id
        and str(line["purchaseOrderLineNumber"]) == line_number
    )


def plan(
    order: dict[str, Any], earlier: list[dict[str, Any]], wanted: list[ReturnedUnits]
) -> list[tuple[dict[str, Any], int]]:
    """(order line, units) for each SKU returned, taken from its shipped units not returned yet,
    line by line; ReturnProblem when the order cannot cover it (nothing is changed)."""
    purchase_order_id = order["purchaseOrderId"]
    left = {
        line["lineNumber"]: units_in(line, SHIPPED)
        - returned_units(earlier, purchase_order_id, line["lineNumber"])
        for line in lines(order)
    }
    taken: list[tuple[dict[str, Any], int]] = []
    for item in wanted:
        units = item.units
        for line in lines(order):
            if line["item"]["sku"] != item.sku or not units:
                continue
            take = min(units, left[line["lineNumber"]])
            if take:
                left[line["lineNumber"]] -= take
                units -= take
                taken.append((line, take))
        if units:
            raise ReturnProblem(refusal(order, item, item.units - units))
    return taken


def refusal(order: dict[str, Any], item: ReturnedUnits, returnable: int) -> str:
    """Why a buyer cannot return `item` of the order, in words a person can act on."""
    shipped = sum(
        units_in(line, SHIPPED) for line in lines(order) if line["item"]["sku"] == item.sku
    )
    where = f"Purchase order {order['purchaseOrderId']}"
    if not shipped:
        return f"{where} has no shipped units of {item.sku}: a buyer returns only what shipped."
    return (
        f"{where} has {returnable} unit(s) of {item.sku} shipped and not yet returned "
        f"({shipped} shipped): a buyer cannot return {item.units}."
    )


def unit_price(line: dict[str, Any]) -> float:
    """The line's item price per unit (its PRODUCT charges over the units ordered)."""
    ordered = int(line["orderLineQuantity"]["amount"])
    charges = line.get("charges", {}).get("charge", [])
    total = sum(c["chargeAmount"]["amount"] for c in charges if c["chargeType"] == "PRODUCT")
    return round(total / ordered, 2) if ordered else 0.0


def money(amount: float) -> dict[str, Any]:
    return {"currencyAmount": round(amount, 2), "currencyUnit": "USD"}


def new_return_order(
    return_order_id: str,
    order: dict[str, Any],
    taken: list[tuple[dict[str, Any], int]],
    reason: str,
    at_ms: int,
) -> dict[str, Any]:
    """An INITIATED return order of these (order line, units), as GET /v3/returns shows it."""
    at = iso(at_ms)
    return_order_lines = [
        {
            "returnOrderLineNumber": number,
            "salesOrderLineNumber": int(line["lineNumber"]),
            "returnReason": reason,
            "purchaseOrderId": order["purchaseOrderId"],
            "purchaseOrderLineNumber": int(line["lineNumber"]),
            "item": {"sku": line["item"]["sku"], "productName": line["item"]["productName"]},
            "unitPrice": money(unit_price(line)),
            "quantity": quantity(units),
            "returnExpectedFlag": True,
            "isKeepIt": False,
            "refundChannel": "WALMART_SETTLED_REFUND",
            "returnTrackingDetail": [
                {
                    "sequenceNo": 0,
                    "eventTag": "RETURN_INITIATED",
                    "eventDescription": "Return initiated for MARKET_PLACE",
                    "eventTime": at,
                }
            ],
            "status": "INITIATED",
            "statusTime": at,
            "currentDeliveryStatus": "NOT_SHIPPED",
            "currentRefundStatus": "REFUND_PENDING",
        }
        for number, (line, units) in enumerate(taken, start=1)
    ]
    return {
        "returnOrderId": return_order_id,
        "customerEmailId": order["customerEmailId"],
        "customerOrderId": order["customerOrderId"],
        "returnOrderDate": at,
        "returnByDate": iso(at_ms + RETURN_WINDOW_MS),
        "refundMode": "POST_DELIVERY",
        "returnType": "REFUND",
        "totalRefundAmount": money(sum(unit_price(line) * units for line, units in taken)),
        "returnLineGroups": [
            {
                "groupNo": 1,
                "returnLines": [
                    {"returnOrderLineNumber": line["returnOrderLineNumber"]}
                    for line in return_order_lines
                ],
                "returnExpectedFlag": True,
            }
        ],
        "returnOrderLines": return_order_lines,
        "returnChannel": {"channelName": "ONLINE"},
    }


def receive(return_order: dict[str, Any], at_ms: int) -> None:
    """The seller's return centre has the units back: every line not received yet becomes
    DELIVERED with a RETURN_RECEIVED event (which also makes the return order modified)."""
    waiting = [line for line in return_lines(return_order) if line["status"] == "INITIATED"]
    if not waiting:
        raise AlreadyReceived(
            f"Return order {return_order['returnOrderId']} was received back already."
        )
    at = iso(at_ms)
    for line in waiting:
        events = line["returnTrackingDetail"]
        events.append(
            {
                "sequenceNo": len(events),
                "eventTag": "RETURN_RECEIVED",
                "eventDescription": "Return received at the return centre",
                "eventTime": at,
            }
        )
        line.update(status="DELIVERED", statusTime=at, currentDeliveryStatus="DELIVERED")


def created_ms(return_order: dict[str, Any]) -> int:
    return parse_ms(return_order["returnOrderDate"]) or 0


def last_modified_ms(return_order: dict[str, Any]) -> int:
    """When the return order last changed: its date or its lines' latest status or event."""
    times = [return_order["returnOrderDate"]]
    for line in return_lines(return_order):
        times.append(line["statusTime"])
        times += [event["eventTime"] for event in line["returnTrackingDetail"]]
    return max(parse_ms(text) or 0 for text in times)


def has_status(return_order: dict[str, Any], status: str) -> bool:
    return any(line["status"] == status for line in return_lines(return_order))
