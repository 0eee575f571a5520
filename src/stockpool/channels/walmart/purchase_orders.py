"""Walmart purchase orders as domain values (pure: no I/O).

Order state, from its lines' statuses (quantities are strings, dates epoch milliseconds):
- every unit of every line Cancelled -> CANCELLED;
- else any unit Created or Acknowledged -> OPEN (Walmart confirms an order when it creates it:
  there is no pending stage to hold for);
- else (the units left are Shipped, Delivered or Refund) -> SHIPPED.
Lines keep the quantity ordered: a partial cancellation does not change them.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any

from stockpool.domain.platforms import PlatformOrder, PlatformOrderLine, PlatformOrderState

OPEN_STATUSES = ("Created", "Acknowledged")
CANCELLED = "Cancelled"


def moment(epoch_ms: object) -> datetime:
    return datetime.fromtimestamp(int(str(epoch_ms)) / 1000, UTC)


def iso(epoch_ms: int) -> str:
    """`2026-12-02T03:50:22.289Z`, as Walmart's date filters take it."""
    return moment(epoch_ms).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def lines_of(order: dict[str, Any]) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = (order.get("orderLines") or {}).get("orderLine") or []
    return found


def units_by_status(line: dict[str, Any]) -> dict[str, int]:
    """Units of the line in each status (the statuses' quantities are strings)."""
    units: dict[str, int] = {}
    entries = (line.get("orderLineStatuses") or {}).get("orderLineStatus") or []
    for entry in entries:
        amount = int((entry.get("statusQuantity") or {}).get("amount", "0"))
        units[entry["status"]] = units.get(entry["status"], 0) + amount
    return units


def state_of(order: dict[str, Any]) -> PlatformOrderState:
    """The order's state by the rules in this module's docstring."""
    statuses: dict[str, int] = {}
    for line in lines_of(order):
        for status, units in units_by_status(line).items():
            statuses[status] = statuses.get(status, 0) + units
    live = {status: units for status, units in statuses.items() if units and status != CANCELLED}
    if not live:
        return PlatformOrderState.CANCELLED
    if any(status in OPEN_STATUSES for status in live):
        return PlatformOrderState.OPEN
    return PlatformOrderState.SHIPPED


def last_modified_ms(order: dict[str, Any]) -> int:
    """When Walmart last changed the order: its date or its latest line status date."""
    dates = [order["orderDate"], *(line.get("statusDate", 0) for line in lines_of(order))]
    return max(int(str(date)) for date in dates)


def to_order(order: dict[str, Any]) -> PlatformOrder:
    """A purchase order as the domain sees it, named by its purchaseOrderId."""
    lines = tuple(
        PlatformOrderLine(
            channel_sku=str(line["item"]["sku"]),
            quantity=int(line["orderLineQuantity"]["amount"]),
        )
        for line in lines_of(order)
    )
    ship_by = (order.get("shippingInfo") or {}).get("estimatedShipDate")
    return PlatformOrder(
        external_id=str(order["purchaseOrderId"]),
        state=state_of(order),
        lines=lines,
        placed_at=moment(order["orderDate"]),
        updated_at=moment(last_modified_ms(order)),
        ship_by=None if ship_by is None else moment(ship_by),
    )


def open_lines_by_sku(order: dict[str, Any]) -> Iterable[tuple[str, str, int]]:
    """(sku, lineNumber, open units) for each line with units still Created or Acknowledged."""
    for line in lines_of(order):
        units = units_by_status(line)
        open_units = sum(units.get(status, 0) for status in OPEN_STATUSES)
        if open_units:
            yield str(line["item"]["sku"]), str(line["lineNumber"]), open_units
