"""Walmart return orders as domain returns (pure: no I/O).

A return order line counts once its units are back with the seller: a RETURN_RECEIVED tracking
event, or the line's `currentDeliveryStatus` or `status` saying DELIVERED. A line the buyer keeps
(`isKeepIt`, or `returnExpectedFlag` false) never comes back, and a refund alone (COMPLETED) is
no receipt. The moment of receipt is the RETURN_RECEIVED event's time, else the line's
`statusTime`.

One return order may cover several purchase orders, and its lines may be received at different
times: each (purchase order, moment of receipt) becomes one PlatformReturn, named
`{returnOrderId}/{purchaseOrderId}/{return order line numbers joined by +}`, which is the same
each time Walmart shows it and differs for units received later. Its order is the
purchaseOrderId, as orders polling names Walmart orders.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from stockpool.channels.walmart.client import WalmartRefused
from stockpool.domain.platforms import PlatformOrderLine, PlatformReturn

RECEIVED_EVENT = "RETURN_RECEIVED"
DELIVERED = "DELIVERED"


def when(value: object) -> datetime:
    """A Walmart return date: ISO 8601 (`…Z` or `…+0000`), or epoch ms."""
    text = str(value)
    if text.isascii() and text.isdigit():
        return datetime.fromtimestamp(int(text) / 1000, UTC)
    try:
        moment = datetime.fromisoformat(text)
    except ValueError as error:
        raise WalmartRefused(
            f"Walmart sent a return date stockpool cannot read: {text!r}"
        ) from error
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def lines_of(return_order: dict[str, Any]) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = return_order.get("returnOrderLines") or []
    return found


def events_of(line: dict[str, Any]) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = line.get("returnTrackingDetail") or []
    return found


def received_at(line: dict[str, Any]) -> datetime | None:
    """When the line's units reached the seller, or None while they have not (or never will)."""
    if line.get("isKeepIt") is True or line.get("returnExpectedFlag") is False:
        return None
    times = [when(e["eventTime"]) for e in events_of(line) if e.get("eventTag") == RECEIVED_EVENT]
    if times:
        return min(times)
    if DELIVERED not in (line.get("currentDeliveryStatus"), line.get("status")):
        return None
    stamps = [line.get("statusTime"), *(event.get("eventTime") for event in events_of(line))]
    stamp = next((stamp for stamp in stamps if stamp), None)
    if stamp is None:
        raise WalmartRefused(
            f"Walmart shows return line {line.get('returnOrderLineNumber')} delivered but not "
            "when: stockpool cannot date its receipt."
        )
    return when(stamp)


def last_modified(return_order: dict[str, Any]) -> datetime:
    """The latest time the return order shows: its date, its lines' statuses and events.
    (The Returns API filters on a modification time it does not show; this is the nearest.)"""
    times = [when(return_order["returnOrderDate"])]
    for line in lines_of(return_order):
        if line.get("statusTime"):
            times.append(when(line["statusTime"]))
        times += [when(event["eventTime"]) for event in events_of(line) if event.get("eventTime")]
    return max(times)


def units(line: dict[str, Any]) -> int:
    value = (line.get("quantity") or {}).get("measurementValue")
    if isinstance(value, bool) or not isinstance(value, int | float) or value != int(value):
        raise WalmartRefused(
            f"Walmart sent return line {line.get('returnOrderLineNumber')} with a quantity "
            f"stockpool cannot read as whole units: {value!r}"
        )
    return int(value)


def to_returns(return_order: dict[str, Any]) -> list[PlatformReturn]:
    """The received units of one return order, one PlatformReturn per purchase order and moment
    of receipt (see the module docstring)."""
    groups: dict[tuple[str, datetime], list[dict[str, Any]]] = {}
    for line in lines_of(return_order):
        moment = received_at(line)
        if moment is not None and units(line) > 0:
            groups.setdefault((str(line["purchaseOrderId"]), moment), []).append(line)
    return [
        _return(str(return_order["returnOrderId"]), purchase_order_id, moment, lines)
        for (purchase_order_id, moment), lines in groups.items()
    ]


def _return(
    return_order_id: str, purchase_order_id: str, moment: datetime, lines: list[dict[str, Any]]
) -> PlatformReturn:
    by_sku: dict[str, int] = {}
    for line in lines:
        sku = str(line["item"]["sku"])
        by_sku[sku] = by_sku.get(sku, 0) + units(line)
    numbers = "+".join(str(line["returnOrderLineNumber"]) for line in lines)
    reasons = dict.fromkeys(str(line.get("returnReason") or "UNKNOWN") for line in lines)
    return PlatformReturn(
        return_id=f"{return_order_id}/{purchase_order_id}/{numbers}",
        order_external_id=purchase_order_id,
        lines=tuple(PlatformOrderLine(sku, quantity) for sku, quantity in by_sku.items()),
        returned_at=moment,
        reason=", ".join(reasons),
    )
