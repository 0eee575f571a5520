"""Buyers' returns of merchant-fulfilled orders, and the flat file Amazon reports them in
(GET_FLAT_FILE_RETURNS_DATA_BY_RETURN_DATE).

A return is authorised (an Amazon RMA id) for units of a SHIPPED order and, once the carrier
brings the parcel back, delivered to the seller: the report then fills "Return delivery date".
The report selects returns by the day they were requested; its columns are the ones Amazon
publishes for this report type, tab-separated, dates written like 14-Jul-2025.
"""

from __future__ import annotations

import secrets
import string
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

REPORT_TYPE = "GET_FLAT_FILE_RETURNS_DATA_BY_RETURN_DATE"
COLUMNS = (
    "Order ID",
    "Order date",
    "Return request date",
    "Return request status",
    "Amazon RMA ID",
    "Merchant RMA ID",
    "Label type",
    "Label cost",
    "Currency code",
    "Return carrier",
    "Tracking ID",
    "Label to be paid by",
    "A-to-Z Claim",
    "Is prime",
    "ASIN",
    "Merchant SKU",
    "Item Name",
    "Return quantity",
    "Return Reason",
    "In policy",
    "Return type",
    "Resolution",
    "Invoice number",
    "Return delivery date",
    "Order Amount",
    "Order quantity",
    "SafeT Action reason",
    "SafeT claim id",
    "SafeT claim state",
    "SafeT claim creation time",
    "SafeT claim reimbursement amount",
    "Refunded Amount",
)


class ReturnRefused(ValueError):
    """A return the buyer cannot make: the order is not shipped, or more units than shipped."""

    def __init__(self, message: str, status: int = 409) -> None:
        super().__init__(message)
        self.status = status


@dataclass(slots=True)
class ReturnLine:
    sku: str
    asin: str
    title: str
    quantity: int


@dataclass(slots=True)
class BuyerReturn:
    """One RMA: units of one order the buyer sends back, and when they reached the seller."""

    rma_id: str
    order: dict[str, Any]
    lines: list[ReturnLine]
    reason: str
    requested: datetime
    delivered: datetime | None

    def rows(self) -> list[dict[str, str]]:
        """The report's rows for it: one per SKU, all named by the same RMA id."""
        order = self.order
        quantity = sum(line["quantityOrdered"] for line in order["orderItems"])
        return [
            {
                "Order ID": order["orderId"],
                "Order date": _day(datetime.fromisoformat(order["createdTime"])),
                "Return request date": _day(self.requested),
                "Return request status": "Approved",
                "Amazon RMA ID": self.rma_id,
                "Label type": "AmazonPrePaidLabel",
                "Currency code": "USD",
                "Return carrier": "USPS",
                "Tracking ID": "9202" + self.rma_id.encode().hex()[:18],
                "Label to be paid by": "Seller",
                "A-to-Z Claim": "N",
                "Is prime": "N",
                "ASIN": line.asin,
                "Merchant SKU": line.sku,
                "Item Name": line.title,
                "Return quantity": str(line.quantity),
                "Return Reason": self.reason,
                "In policy": "Y",
                "Return type": "C-Returns",
                "Resolution": "StandardRefund",
                "Return delivery date": _day(self.delivered) if self.delivered else "",
                "Order Amount": order["proceeds"]["grandTotal"]["amount"],
                "Order quantity": str(quantity),
            }
            for line in self.lines
        ]


def new_rma_id() -> str:
    alphabet = string.ascii_letters + string.digits
    return "D" + "".join(secrets.choice(alphabet) for _ in range(8)) + "RMA"


def returnable(order: dict[str, Any], earlier: Iterable[BuyerReturn]) -> dict[str, int]:
    """Units of each SKU of the order the buyer may still send back: shipped less returned."""
    if order["fulfillment"]["fulfillmentStatus"] != "SHIPPED":
        raise ReturnRefused(
            f"Order {order['orderId']} is {order['fulfillment']['fulfillmentStatus']}: only a "
            "SHIPPED order can be returned."
        )
    left: dict[str, int] = {}
    for item in order["orderItems"]:
        sku = item["product"]["sellerSku"]
        left[sku] = left.get(sku, 0) + item["quantityOrdered"]
    for done in earlier:
        if done.order["orderId"] == order["orderId"]:
            for line in done.lines:
                left[line.sku] -= line.quantity
    return left


def new_return(
    order: dict[str, Any],
    wanted: Mapping[str, int],
    earlier: Iterable[BuyerReturn],
    reason: str,
    now: datetime,
    *,
    delivered: bool,
) -> BuyerReturn:
    """The buyer's return of `wanted` (SKU: units) of the order, checked against what shipped."""
    left = returnable(order, earlier)
    for sku, units in wanted.items():
        if sku not in left:
            raise ReturnRefused(f"Order {order['orderId']} has no SKU {sku!r}.", status=422)
        if units > left[sku]:
            raise ReturnRefused(
                f"Order {order['orderId']}: {units} of {sku} to return, but only {left[sku]} "
                "shipped and not yet returned."
            )
    items = {item["product"]["sellerSku"]: item for item in order["orderItems"]}
    lines = [
        ReturnLine(
            sku,
            items[sku]["product"]["asin"],
            items[sku]["product"]["title"],
            units,
        )
        for sku, units in wanted.items()
    ]
    return BuyerReturn(new_rma_id(), order, lines, reason, now, now if delivered else None)


def flat_file(returns: Iterable[BuyerReturn], start: datetime, end: datetime) -> str | None:
    """The report's text for the returns requested from `start` to `end`; None when there are
    none (Amazon then cancels the report rather than deliver an empty one)."""
    rows = [
        row
        for found in returns
        # Amazon keeps times to the second: a window ending at 12:00:00 holds 12:00:00.5.
        if start <= found.requested.replace(microsecond=0) <= end
        for row in found.rows()
    ]
    if not rows:
        return None
    lines = ["\t".join(COLUMNS)]
    lines += ["\t".join(_clean(row.get(column, "")) for column in COLUMNS) for row in rows]
    return "\n".join(lines) + "\n"


def _day(moment: datetime) -> str:
    return moment.strftime("%d-%b-%Y")


def _clean(value: str) -> str:
    return value.replace("\t", " ").replace("\n", " ")
