"""Orders 2026-01-01 as domain orders, and the cursor that pages through them.

The cursor is base64 JSON of {"after": lastUpdatedAfter, "token": paginationToken or null,
"seen": {orderId: "lastUpdatedTime|status"}}. While a window is being paged, `token` is the
platform's pagination token and `after` is unchanged; once its last page is read, `after` moves
to the window's upper bound as Amazon echoes it (`lastUpdatedBefore`, else the newest
lastUpdatedTime seen). Amazon writes times to the second, so orders updated in that last second
may come again in the next window: `seen` holds their fingerprints, and an order comes back only
when it changed."""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from stockpool.domain.platforms import PlatformOrder, PlatformOrderLine, PlatformOrderState

# Amazon's fulfillment statuses -> ours. Pending orders are not paid for yet: their stock is held
# (not committed); Unshipped and PartiallyShipped are confirmed: committed. UNFULFILLABLE (an
# Amazon-fulfilled order that will never ship) releases its stock like a cancellation.
STATES = {
    "PENDING_AVAILABILITY": PlatformOrderState.PENDING,
    "PENDING": PlatformOrderState.PENDING,
    "UNSHIPPED": PlatformOrderState.OPEN,
    "PARTIALLY_SHIPPED": PlatformOrderState.OPEN,
    "CANCELLED": PlatformOrderState.CANCELLED,
    "UNFULFILLABLE": PlatformOrderState.CANCELLED,
    "SHIPPED": PlatformOrderState.SHIPPED,
}


class BadCursor(ValueError):
    def __init__(self, cursor: str) -> None:
        super().__init__(
            f"Amazon orders cursor {cursor[:40]!r}… is not one this connector wrote; "
            "start again without a cursor (from the default window)."
        )


@dataclass
class Cursor:
    after: datetime
    token: str | None = None
    seen: dict[str, str] = field(default_factory=dict)

    def encode(self) -> str:
        raw = {"after": self.after.isoformat(), "token": self.token, "seen": self.seen}
        return base64.urlsafe_b64encode(json.dumps(raw, sort_keys=True).encode()).decode()

    @classmethod
    def decode(cls, cursor: str) -> Cursor:
        try:
            raw = json.loads(base64.urlsafe_b64decode(cursor.encode()))
            after = datetime.fromisoformat(raw["after"])
            token, seen = raw.get("token"), raw.get("seen") or {}
            if after.tzinfo is None or not isinstance(seen, dict):
                raise ValueError("naive time or bad seen")
            return cls(
                after, str(token) if token else None, {str(k): str(v) for k, v in seen.items()}
            )
        except (ValueError, KeyError, TypeError, UnicodeDecodeError) as error:
            raise BadCursor(cursor) from error


def fingerprint(order: Any) -> str:
    return f"{moment(order.last_updated_time).isoformat()}|{order.fulfillment.fulfillment_status}"


def platform_order(order: Any) -> PlatformOrder:
    """An SDK Order (2026-01-01) as a domain order; an unknown status holds stock (PENDING)
    rather than be lost or commit what may never be paid."""
    status = order.fulfillment.fulfillment_status if order.fulfillment else None
    lines = tuple(
        PlatformOrderLine(channel_sku=item.product.seller_sku, quantity=int(item.quantity_ordered))
        for item in order.order_items or []
    )
    return PlatformOrder(
        external_id=order.order_id,
        state=STATES.get(status or "", PlatformOrderState.PENDING),
        lines=lines,
        placed_at=moment(order.created_time),
        updated_at=moment(order.last_updated_time),
    )


def moment(value: datetime | str) -> datetime:
    """A time the SDK read: a datetime, or its ISO text (the SDK parses times only when
    python-dateutil is installed)."""
    if isinstance(value, str):
        value = datetime.fromisoformat(value.replace("Z", "+00:00"))
    return value.astimezone(UTC)
