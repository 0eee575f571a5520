"""Cancelling a Shopify order stockpool settled as cancel: `orderCancel` when every unit still
on the order goes (Shopify cancels whole orders only, in a background job, refunding and
restocking), else what a person must do in the Shopify admin (edit or refund the order).
Shopify out of reach, or refusing the connection itself, fails the attempt for now."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from stockpool.channels.shopify.client import Admin
from stockpool.domain.errors import PlatformUnavailable
from stockpool.domain.platforms import Cancellation, CancellationOutcome, PlatformOrderLine

LINES_READ = 250  # Shopify's most line items per page

_ORDER = f"""
query OrderToCancel($id: ID!) {{
  order(id: $id) {{
    name cancelledAt displayFulfillmentStatus
    lineItems(first: {LINES_READ}) {{ nodes {{ sku currentQuantity }} }}
  }}
}}
"""
_CANCEL = """
mutation OrderCancel($orderId: ID!, $staffNote: String) {
  orderCancel(orderId: $orderId, reason: INVENTORY, restock: true, notifyCustomer: true,
              refundMethod: {originalPaymentMethodsRefund: true}, staffNote: $staffNote) {
    job { id done }
    orderCancelUserErrors { field message code }
  }
}
"""


def cancel(admin: Admin, external_id: str, lines: Sequence[PlatformOrderLine]) -> Cancellation:
    """DONE when Shopify took the whole order's cancellation (or had cancelled it already);
    MANUAL when only part of the order goes or Shopify refuses; FAILED when it cannot be
    reached now."""
    units = ", ".join(f"{line.quantity} of SKU {line.channel_sku}" for line in lines)
    try:
        order = admin.run("OrderToCancel", _ORDER, {"id": _gid(external_id)})["order"]
        if order is None:
            return _manual(f"Shopify has no order {external_id}: check it and remove {units}.")
        if order["cancelledAt"] is not None:
            return Cancellation(
                CancellationOutcome.DONE, f"Shopify order {order['name']} was cancelled already."
            )
        if not _whole(order, lines):
            return _manual(
                f"Shopify cancels whole orders only: in the Shopify admin, edit or refund "
                f"order {order['name']} ({external_id}): remove {units} (out of stock)."
            )
        answer = admin.run(
            "OrderCancel",
            _CANCEL,
            {"orderId": _gid(external_id), "staffNote": f"stockpool: out of stock ({units})"},
        )["orderCancel"]
    except PlatformUnavailable as error:
        # ShopifyRefused too: a token or version the shop refuses is the connection's to fix,
        # not this order's; once it is, the cancellation goes through.
        return Cancellation(CancellationOutcome.FAILED, f"Shopify not reached: {error}")
    errors = answer.get("orderCancelUserErrors") or []
    if errors or not answer.get("job"):
        said = "; ".join(str(error.get("message")) for error in errors) or "no job"
        return _manual(
            f"Shopify refused to cancel order {order['name']} ({said}): in the Shopify admin, "
            f"remove {units}."
        )
    return Cancellation(
        CancellationOutcome.DONE,
        f"Shopify is cancelling order {order['name']} (job {answer['job']['id']}): {units}.",
    )


def _whole(order: dict[str, Any], lines: Sequence[PlatformOrderLine]) -> bool:
    """Whether the lines take every unit still on the order (and it has nothing fulfilled)."""
    if order.get("displayFulfillmentStatus") not in (None, "UNFULFILLED"):
        return False
    left: dict[str, int] = {}
    for item in order["lineItems"]["nodes"]:
        if item["currentQuantity"]:
            left[item.get("sku") or ""] = (
                left.get(item.get("sku") or "", 0) + item["currentQuantity"]
            )
    wanted: dict[str, int] = {}
    for line in lines:
        wanted[line.channel_sku] = wanted.get(line.channel_sku, 0) + line.quantity
    return bool(left) and all(wanted.get(sku, 0) >= units for sku, units in left.items())


def _manual(detail: str) -> Cancellation:
    return Cancellation(CancellationOutcome.MANUAL, detail)


def _gid(external_id: str) -> str:
    return f"gid://shopify/Order/{external_id}"
