"""Shopify returns as domain values: a refund that restocks units which had been fulfilled, from
the REST JSON refunds/create carries and from the Admin GraphQL (the backfill), read the same
way so that a webhook and a poll name one return alike (the refund's id).

Shopify says how each refunded unit went back: RETURN (fulfilled units restocked: the buyer sent
them back), CANCEL (unfulfilled units put back: no return; the order's own update carries that
change), NO_RESTOCK (refunded, kept or lost: no return), and LEGACY_RESTOCK on refunds made
before those types existed (restocked: taken as a return). Units of a SKU are summed; lines
without a SKU (custom items) are left out, as no listing can name them.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from stockpool.channels.shopify.client import Admin
from stockpool.channels.shopify.orders import PAGES_PER_CALL, Mark, moment, shopify_time
from stockpool.domain.platforms import PlatformOrderLine, PlatformReturn, ReturnsPage

RETURNED = frozenset({"return", "legacy_restock"})  # restock types, as REST spells them
DEFAULT_REASON = "refund with restock"
LINES_PER_REFUND = 50
# Orders per query: each costs about 104 points with its refunds' first 50 lines, and one
# query may cost at most 1,000.
PAGE_SIZE = 8

_REFUND_LINES = """
  nodes { quantity restockType lineItem { sku } } pageInfo { hasNextPage endCursor }
"""
_RETURNS = f"""
query ReturnsSince($first: Int!, $after: String, $query: String) {{
  orders(first: $first, after: $after, query: $query, sortKey: UPDATED_AT) {{
    nodes {{
      legacyResourceId updatedAt
      refunds {{
        id legacyResourceId createdAt note
        refundLineItems(first: {LINES_PER_REFUND}) {{ {_REFUND_LINES} }}
      }}
    }}
    pageInfo {{ hasNextPage endCursor }}
  }}
}}
"""
_MORE_REFUND_LINES = f"""
query RefundLines($id: ID!, $after: String) {{
  refund(id: $id) {{
    refundLineItems(first: {LINES_PER_REFUND * 2}, after: $after) {{ {_REFUND_LINES} }}
  }}
}}
"""


def from_rest(refund: Mapping[str, Any]) -> PlatformReturn | None:
    """The return a refund's REST JSON (a refunds/create body) reports; None when it restocked
    no fulfilled unit. KeyError, TypeError or ValueError when it is no refund as Shopify sends."""
    items = refund["refund_line_items"]
    if not isinstance(items, list):
        raise TypeError("refund_line_items is not a list")
    restocked = refund.get("restock") is True
    lines = []
    for item in items:
        if not isinstance(item, Mapping):
            raise TypeError(f"a refund line item is {item!r}, not an object")
        # Refunds older than restock types only say whether the whole refund restocked.
        restock_type = item.get("restock_type") or ("legacy_restock" if restocked else None)
        line_item = item["line_item"]
        if not isinstance(line_item, Mapping):
            raise TypeError(f"line_item is {line_item!r}, not an object")
        lines.append((restock_type, item["quantity"], line_item.get("sku")))
    return _return(
        return_id=refund["id"],
        order_id=refund["order_id"],
        lines=lines,
        created_at=refund.get("created_at") or refund.get("processed_at"),
        note=refund.get("note"),
    )


def _return(
    *,
    return_id: Any,
    order_id: Any,
    lines: Iterable[tuple[Any, Any, Any]],
    created_at: Any,
    note: Any,
) -> PlatformReturn | None:
    """The return of refund `return_id` of order `order_id` from its lines (restock type in
    any case, quantity, SKU): the returned units by SKU, or None when there are none."""
    for name, value in (("id", return_id), ("order_id", order_id)):
        if isinstance(value, bool) or not isinstance(value, int | str) or not str(value):
            raise ValueError(f"the refund's {name} is {value!r}")
    units: dict[str, int] = {}
    for restock_type, quantity, sku in lines:
        if isinstance(quantity, bool) or not isinstance(quantity, int) or quantity < 0:
            raise ValueError(f"a refund line item's quantity is {quantity!r}")
        if not isinstance(restock_type, str | None) or not isinstance(sku, str | None):
            raise TypeError(
                f"a refund line item's restock type ({restock_type!r}) or SKU ({sku!r}) is not text"
            )
        if restock_type and restock_type.lower() in RETURNED and sku and quantity:
            units[sku] = units.get(sku, 0) + quantity
    if not units:
        return None
    if not isinstance(created_at, str):
        raise ValueError(f"the refund's created_at is {created_at!r}")
    return PlatformReturn(
        return_id=str(return_id),
        order_external_id=str(order_id),
        lines=tuple(PlatformOrderLine(sku, quantity) for sku, quantity in units.items()),
        returned_at=moment(created_at),
        reason=note.strip() if isinstance(note, str) and note.strip() else DEFAULT_REASON,
    )


@dataclass(frozen=True, slots=True)
class ReturnsMark:
    """Where a returns backfill stands: how far orders have been read (as the orders backfill
    marks it, an order within the mark's second told apart by its refunds), and since when
    refunds are new. A refund updates its order, so one made since an earlier pass read every
    order is on an order updated since then; the bound moves up only when a pass reads to the
    end, so a pass cut short at PAGES_PER_CALL loses nothing. Written as the cursor kept."""

    orders: Mark
    refunds_from: datetime | None

    def encode(self) -> str:
        fields = json.loads(self.orders.encode())
        fields["refunds_from"] = self.refunds_from.isoformat() if self.refunds_from else None
        return json.dumps(fields)

    @classmethod
    def decode(cls, cursor: str) -> ReturnsMark:
        refused = ValueError(
            f"{cursor!r} is not a Shopify returns cursor: pass the cursor returns_since "
            "returned, or None to read from the start."
        )
        try:
            orders = Mark.decode(cursor)
            since = json.loads(cursor)["refunds_from"]
            return cls(orders, moment(since) if since is not None else None)
        except (ValueError, KeyError, TypeError, AttributeError):
            raise refused from None


def returns_since(
    admin: Admin,
    cursor: str | None,
    page_size: int = PAGE_SIZE,
    pages: int = PAGES_PER_CALL,
) -> ReturnsPage:
    """Returns reported since cursor, from the refunds of the orders updated since (oldest
    update first, up to `pages` pages); the cursor to ask from next time. A return may come
    again when its order changes within the second the cursor ends on: take each once by id."""
    start = ReturnsMark.decode(cursor) if cursor else None
    mark = start.orders if start else None
    since = start.refunds_from if start else None
    query = f"updated_at:>='{shopify_time(mark.updated_at)}'" if mark else None
    after: str | None = None
    found: dict[str, PlatformReturn] = {}
    to_the_end = False
    for _ in range(pages):
        variables = {"first": page_size, "after": after, "query": query}
        connection = admin.run("ReturnsSince", _RETURNS, variables)["orders"]
        for node in connection["nodes"]:
            order_id, updated_at = int(node["legacyResourceId"]), moment(node["updatedAt"])
            refunds = node.get("refunds") or []
            state = ",".join(sorted(str(refund["legacyResourceId"]) for refund in refunds))
            if mark is not None and not mark.unread(updated_at, order_id, state):
                continue
            mark = (mark or Mark(updated_at, {})).read(updated_at, order_id, state)
            for refund in refunds:
                created_at = refund.get("createdAt") or node["updatedAt"]
                if since is None or moment(created_at) >= since:
                    returned = _from_graphql(admin, order_id, refund, created_at)
                    if returned is not None:
                        found[returned.return_id] = returned
        if not connection["pageInfo"]["hasNextPage"]:
            to_the_end = True
            break
        after = connection["pageInfo"]["endCursor"]
    if mark is None:
        return ReturnsPage((), cursor)
    refunds_from = mark.updated_at if to_the_end else since
    return ReturnsPage(tuple(found.values()), ReturnsMark(mark, refunds_from).encode())


def _from_graphql(
    admin: Admin, order_id: int, refund: Mapping[str, Any], created_at: str
) -> PlatformReturn | None:
    items = refund["refundLineItems"]
    nodes, page = list(items["nodes"]), items["pageInfo"]
    while page["hasNextPage"]:
        more = admin.run(
            "RefundLines", _MORE_REFUND_LINES, {"id": refund["id"], "after": page["endCursor"]}
        )
        items = more["refund"]["refundLineItems"]
        nodes.extend(items["nodes"])
        page = items["pageInfo"]
    return _return(
        return_id=refund["legacyResourceId"],
        order_id=order_id,
        lines=[
            (node["restockType"], node["quantity"], (node.get("lineItem") or {}).get("sku"))
            for node in nodes
        ],
        created_at=created_at,
        note=refund.get("note"),
    )
