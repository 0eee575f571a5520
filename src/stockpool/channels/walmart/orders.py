"""Walmart orders: polled by last-modified time (`GET /v3/orders`, pages followed with Walmart's
ready-made `nextCursor`), acknowledged once taken, and lines cancelled when stockpool settles
them as a cancel.

The cursor stockpool persists is this module's own (JSON): the last-modified time the next poll
starts from, the orders already returned at exactly that millisecond (so none comes twice), and,
while a poll is part way through its pages, Walmart's nextCursor to resume from.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from typing import Any
from urllib.parse import quote

from stockpool.channels.walmart.client import WalmartClient, WalmartRefused, problems
from stockpool.channels.walmart.purchase_orders import (
    iso,
    last_modified_ms,
    open_lines_by_sku,
    to_order,
)
from stockpool.domain.platforms import (
    OrdersPage,
    PlatformOrder,
    PlatformOrderLine,
    PlatformOrderState,
)

CANCEL_REASON = "SELLER_CANCEL_OUT_OF_STOCK"


@dataclass(slots=True)
class Cursor:
    since_ms: int | None = None  # lastModifiedStartDate of the poll (None: Walmart's default)
    seen: list[str] = field(default_factory=list)  # returned already, modified at since_ms
    page: str | None = None  # Walmart's nextCursor, while a poll is part way through
    high_ms: int | None = None  # the latest modification this poll has seen so far
    high_seen: list[str] = field(default_factory=list)  # the orders modified at high_ms

    @classmethod
    def read(cls, text: str | None) -> Cursor:
        if not text:
            return cls()
        try:
            return cls(**json.loads(text))
        except (ValueError, TypeError) as error:
            raise WalmartRefused(
                f"Not a Walmart orders cursor: {text[:80]!r}. Clear the channel's order cursor "
                "to poll again from Walmart's default window."
            ) from error

    def write(self) -> str:
        return json.dumps(asdict(self), separators=(",", ":"))

    def saw(self, order: dict[str, Any]) -> None:
        modified, purchase_order_id = last_modified_ms(order), str(order["purchaseOrderId"])
        if self.high_ms is None or modified > self.high_ms:
            self.high_ms, self.high_seen = modified, [purchase_order_id]
        elif modified == self.high_ms and purchase_order_id not in self.high_seen:
            self.high_seen.append(purchase_order_id)

    def returned_before(self, order: dict[str, Any]) -> bool:
        return last_modified_ms(order) == self.since_ms and order["purchaseOrderId"] in self.seen

    def finished(self) -> Cursor:
        """The cursor of the next poll, once this one has read its last page."""
        if self.high_ms is None:
            return Cursor(self.since_ms, self.seen)
        if self.high_ms == self.since_ms:
            return Cursor(self.since_ms, sorted({*self.seen, *self.high_seen}))
        return Cursor(self.high_ms, sorted(self.high_seen))


def _first_query(cursor: Cursor, page_size: int) -> str:
    params = {"limit": str(page_size)}
    if cursor.since_ms is not None:
        params["lastModifiedStartDate"] = iso(cursor.since_ms)
    return "?" + "&".join(f"{key}={quote(value, safe='')}" for key, value in params.items())


def _page(client: WalmartClient, query: str) -> tuple[list[dict[str, Any]], str | None]:
    response = client.request("orders_list", "GET", "/v3/orders" + query)
    if response.status_code == 404:
        return [], None  # Walmart answers "No orders found" with a 404
    if response.status_code != 200:
        raise WalmartRefused(f"Walmart refused the orders query: {problems(response)}")
    listed = response.json()["list"]
    orders: list[dict[str, Any]] = (listed.get("elements") or {}).get("order") or []
    return orders, (listed.get("meta") or {}).get("nextCursor") or None


def orders_since(
    client: WalmartClient, text: str | None, page_size: int, max_pages: int
) -> OrdersPage:
    """Orders modified since the cursor, up to max_pages pages; the cursor resumes the pages
    left, or starts the next poll from the latest modification seen."""
    cursor = Cursor.read(text)
    query: str | None = cursor.page or _first_query(cursor, page_size)
    found: dict[str, PlatformOrder] = {}
    pages = 0
    while query is not None and pages < max_pages:
        orders, query = _page(client, query)
        pages += 1
        for order in orders:
            cursor.saw(order)
            if not cursor.returned_before(order):
                found[str(order["purchaseOrderId"])] = to_order(order)
    if query is not None:
        cursor.page = query
        return OrdersPage(tuple(found.values()), cursor.write())
    return OrdersPage(tuple(found.values()), cursor.finished().write())


def acknowledge(client: WalmartClient, orders: Sequence[PlatformOrder]) -> None:
    """Acknowledge each open order (Walmart asks for it once the seller has taken the order);
    one with no open line left (shipped or cancelled meanwhile) needs none."""
    refused = []
    for order in orders:
        if order.state != PlatformOrderState.OPEN:
            continue
        path = f"/v3/orders/{quote(order.external_id, safe='')}/acknowledge"
        response = client.request("acknowledge", "POST", path)
        if response.status_code not in (200, 400):
            refused.append(f"{order.external_id}: {problems(response)}")
    if refused:
        raise WalmartRefused("Walmart refused to acknowledge " + "; ".join(refused))


def cancel_lines(
    client: WalmartClient, purchase_order_id: str, lines: Sequence[PlatformOrderLine]
) -> PlatformOrder:
    """Cancel these units of the purchase order (by SKU, from its lines still open) with reason
    SELLER_CANCEL_OUT_OF_STOCK; the order as Walmart shows it afterwards."""
    path = f"/v3/orders/{quote(purchase_order_id, safe='')}"
    response = client.request("order_get", "GET", path)
    if response.status_code != 200:
        raise WalmartRefused(f"Walmart has no order {purchase_order_id}: {problems(response)}")
    order = response.json()["order"]
    cancelled = _cancellation(purchase_order_id, list(open_lines_by_sku(order)), lines)
    response = client.request("cancel", "POST", path + "/cancel", json=cancelled)
    if response.status_code != 200:
        raise WalmartRefused(
            f"Walmart refused to cancel lines of {purchase_order_id}: {problems(response)}"
        )
    return to_order(response.json()["order"])


def _cancellation(
    purchase_order_id: str,
    open_lines: list[tuple[str, str, int]],
    wanted: Sequence[PlatformOrderLine],
) -> dict[str, Any]:
    """The orderCancellation body: each wanted SKU's units taken from its open lines in turn."""
    entries = []
    left = {(sku, number): units for sku, number, units in open_lines}
    for line in wanted:
        units = line.quantity
        for (sku, number), open_units in left.items():
            taken = min(units, open_units) if sku == line.channel_sku else 0
            if taken:
                left[(sku, number)] -= taken
                units -= taken
                entries.append(_cancel_entry(number, taken))
        if units:
            raise WalmartRefused(
                f"Order {purchase_order_id} has fewer open units of {line.channel_sku} than the "
                f"{line.quantity} to cancel: it may have shipped or been cancelled already."
            )
    return {"orderCancellation": {"orderLines": {"orderLine": entries}}}


def _cancel_entry(line_number: str, units: int) -> dict[str, Any]:
    status = {
        "status": "Cancelled",
        "cancellationReason": CANCEL_REASON,
        "statusQuantity": {"unitOfMeasurement": "EACH", "amount": str(units)},
    }
    return {"lineNumber": line_number, "orderLineStatuses": {"orderLineStatus": [status]}}
