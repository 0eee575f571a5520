"""Shopify orders as domain values, from the Admin GraphQL (the backfill) and from the REST JSON
webhooks carry, mapped the same way so that a webhook and a poll name one order alike.

States: cancelled (`cancelledAt` set) -> CANCELLED; fulfilled -> SHIPPED; every line refunded
or removed before shipping (current quantity 0) -> CANCELLED; anything else -> OPEN. Shopify
has no PENDING: it commits the units itself when the order is placed, whatever the payment.
Lines keep the quantity ordered (a partial refund does not change them); lines without a SKU
(custom items) are left out, since no listing can name them.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from stockpool.channels.shopify.client import Admin
from stockpool.domain.platforms import (
    OrdersPage,
    PlatformOrder,
    PlatformOrderLine,
    PlatformOrderState,
)

PAGE_SIZE = 25  # orders per query, each with up to LINES_PER_ORDER lines: ~700 points
LINES_PER_ORDER = 25
PAGES_PER_CALL = 8  # orders_since reads at most this many pages, then hands back its cursor

_ORDER_FIELDS = f"""
  id legacyResourceId createdAt updatedAt cancelledAt displayFulfillmentStatus
  lineItems(first: {LINES_PER_ORDER}) {{
    nodes {{ sku quantity currentQuantity }} pageInfo {{ hasNextPage endCursor }}
  }}
"""
_ORDERS = f"""
query OrdersSince($first: Int!, $after: String, $query: String) {{
  orders(first: $first, after: $after, query: $query, sortKey: UPDATED_AT) {{
    nodes {{ {_ORDER_FIELDS} }}
    pageInfo {{ hasNextPage endCursor }}
  }}
}}
"""
_MORE_LINES = f"""
query OrderLines($id: ID!, $after: String) {{
  order(id: $id) {{
    lineItems(first: {LINES_PER_ORDER * 4}, after: $after) {{
      nodes {{ sku quantity currentQuantity }} pageInfo {{ hasNextPage endCursor }}
    }}
  }}
}}
"""


@dataclass(frozen=True, slots=True)
class Mark:
    """Where a backfill stands: the latest update time read, and the orders read with exactly
    that time with the state they were read in. Shopify's times are to the second, so an order
    may change again within that second: it comes back when its state differs. Written as the
    cursor stockpool keeps."""

    updated_at: datetime
    states: Mapping[int, str]

    def encode(self) -> str:
        seen = {str(order_id): state for order_id, state in sorted(self.states.items())}
        return json.dumps({"updated_at": self.updated_at.isoformat(), "seen": seen})

    @classmethod
    def decode(cls, cursor: str) -> Mark:
        try:
            fields = json.loads(cursor)
            seen = {int(order_id): str(state) for order_id, state in fields["seen"].items()}
            return cls(moment(fields["updated_at"]), seen)
        except (ValueError, KeyError, TypeError, AttributeError):
            raise ValueError(
                f"{cursor!r} is not a Shopify orders cursor: pass the cursor orders_since "
                "returned, or None to read from the start."
            ) from None

    def new(self, order: PlatformOrder, order_id: int) -> bool:
        """Not read yet as it is: changed after the mark, or within its second."""
        return self.unread(order.updated_at, order_id, order.state.value)

    def after(self, order: PlatformOrder, order_id: int) -> Mark:
        return self.read(order.updated_at, order_id, order.state.value)

    def unread(self, updated_at: datetime, order_id: int, state: str) -> bool:
        """An order updated at `updated_at` in `state` (whatever a reader tells its reads
        apart by) is not read yet: changed after the mark, or within its second."""
        return updated_at > self.updated_at or (
            updated_at == self.updated_at and self.states.get(order_id) != state
        )

    def read(self, updated_at: datetime, order_id: int, state: str) -> Mark:
        """The mark once that order is read."""
        if updated_at == self.updated_at:
            return Mark(updated_at, {**self.states, order_id: state})
        return Mark(updated_at, {order_id: state})


def orders_since(
    admin: Admin,
    cursor: str | None,
    page_size: int = PAGE_SIZE,
    pages: int = PAGES_PER_CALL,
) -> OrdersPage:
    """Orders updated since cursor, oldest change first, up to `pages` pages; the cursor to
    ask from next time. An order whose state changed comes back with its new state."""
    mark = Mark.decode(cursor) if cursor else None
    query = f"updated_at:>='{shopify_time(mark.updated_at)}'" if mark else None
    after: str | None = None
    found: list[PlatformOrder] = []
    for _ in range(pages):
        variables = {"first": page_size, "after": after, "query": query}
        connection = admin.run("OrdersSince", _ORDERS, variables)["orders"]
        for node in connection["nodes"]:
            order_id, order = int(node["legacyResourceId"]), _from_graphql(admin, node)
            if mark is None or mark.new(order, order_id):
                found.append(order)
                mark = (mark or Mark(order.updated_at, {})).after(order, order_id)
        if not connection["pageInfo"]["hasNextPage"]:
            break
        after = connection["pageInfo"]["endCursor"]
    return OrdersPage(tuple(found), mark.encode() if mark else cursor)


def _from_graphql(admin: Admin, node: Mapping[str, Any]) -> PlatformOrder:
    lines = list(node["lineItems"]["nodes"])
    page = node["lineItems"]["pageInfo"]
    while page["hasNextPage"]:
        more = admin.run("OrderLines", _MORE_LINES, {"id": node["id"], "after": page["endCursor"]})
        items = more["order"]["lineItems"]
        lines.extend(items["nodes"])
        page = items["pageInfo"]
    fulfilled = node.get("displayFulfillmentStatus") == "FULFILLED"
    return _order(
        external_id=str(node["legacyResourceId"]),
        cancelled=node.get("cancelledAt") is not None,
        fulfilled=fulfilled,
        lines=[(line.get("sku"), line["quantity"], line["currentQuantity"]) for line in lines],
        placed_at=node["createdAt"],
        updated_at=node["updatedAt"],
    )


def from_rest(order: Mapping[str, Any]) -> PlatformOrder:
    """An order as Shopify's REST JSON (a webhook's body) shows it."""
    return _order(
        external_id=str(order["id"]),
        cancelled=order.get("cancelled_at") is not None,
        fulfilled=order.get("fulfillment_status") == "fulfilled",
        lines=[
            (line.get("sku"), line["quantity"], line.get("current_quantity", line["quantity"]))
            for line in order.get("line_items") or []
        ],
        placed_at=order["created_at"],
        updated_at=order.get("updated_at") or order["created_at"],
    )


def _order(
    *,
    external_id: str,
    cancelled: bool,
    fulfilled: bool,
    lines: Sequence[tuple[str | None, int, int]],
    placed_at: str,
    updated_at: str,
) -> PlatformOrder:
    if cancelled:
        state = PlatformOrderState.CANCELLED
    elif fulfilled:
        state = PlatformOrderState.SHIPPED
    elif lines and all(current == 0 for _, _, current in lines):
        state = PlatformOrderState.CANCELLED
    else:
        state = PlatformOrderState.OPEN
    return PlatformOrder(
        external_id=external_id,
        state=state,
        lines=tuple(
            PlatformOrderLine(sku, quantity) for sku, quantity, _ in lines if sku and quantity > 0
        ),
        placed_at=moment(placed_at),
        updated_at=moment(updated_at),
    )


def moment(text: str) -> datetime:
    """A time as Shopify writes it (REST or GraphQL), always with its zone (UTC when none)."""
    at = datetime.fromisoformat(text.replace("Z", "+00:00"))
    return at if at.tzinfo else at.replace(tzinfo=UTC)


def shopify_time(at: datetime) -> str:
    """A time as Shopify's search syntax takes it."""
    return at.astimezone(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")
