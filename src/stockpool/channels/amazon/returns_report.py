"""Reading Amazon's merchant-fulfilled returns report (GET_FLAT_FILE_RETURNS_DATA_BY_RETURN_DATE):
tab-separated text, one row per RMA and SKU, into domain returns.

Amazon publishes the headers as "Order ID", "Amazon RMA ID", "Merchant SKU", "Return quantity",
"Return Reason", "Return request date", "Return delivery date"; older files and other tools
spell them in kebab case ("order-id", "amazon-rma-id"), so headers are matched case-, dash- and
underscore-blind, with a few known aliases. Dates come as 14-Jul-2025 (also ISO, 07/14/2025).
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time

from stockpool.domain.errors import PlatformUnavailable
from stockpool.domain.platforms import PlatformOrderLine, PlatformReturn

# What we read -> the header spellings (normalised: lower case, single spaces) that name it.
COLUMNS = {
    "order_id": ("order id", "amazon order id"),
    "rma_id": ("amazon rma id", "rma id"),
    "sku": ("merchant sku", "seller sku", "sku"),
    "quantity": ("return quantity", "quantity"),
    "reason": ("return reason", "return reason code", "reason"),
    "requested": ("return request date", "return date"),
    "delivered": ("return delivery date", "delivery date"),
}
REQUIRED = ("order_id", "sku", "quantity", "delivered")
DATE_FORMATS = ("%d-%b-%Y", "%Y-%m-%d", "%m/%d/%Y", "%d.%m.%Y", "%b %d, %Y")


class UnreadableReport(PlatformUnavailable):
    """The returns report is not in a shape this connector reads; nothing of it is taken."""

    def __init__(self, problem: str) -> None:
        super().__init__(f"Amazon's returns report cannot be read: {problem}")


@dataclass(frozen=True, slots=True)
class ReturnRow:
    """One row: units of one SKU of one RMA; delivered is None while they are on their way."""

    return_id: str
    order_id: str
    sku: str
    quantity: int
    reason: str
    delivered: date | None


def decoded(content: bytes) -> str:
    """The report's text: UTF-8 (with or without BOM), else Windows-1252 as US files often are."""
    try:
        return content.decode("utf-8-sig")
    except UnicodeDecodeError:
        return content.decode("cp1252", errors="replace")


def rows(text: str) -> list[ReturnRow]:
    """Every row of the report, read by its header."""
    reader = csv.reader(io.StringIO(text), delimiter="\t", quoting=csv.QUOTE_NONE)
    header = next(reader, None)
    if header is None:
        return []
    where = _columns(header)
    found = []
    for number, values in enumerate(reader, start=2):
        if not any(value.strip() for value in values):
            continue
        found.append(_row(number, {name: _at(values, index) for name, index in where.items()}))
    return found


def delivered_returns(found: Iterable[ReturnRow]) -> list[PlatformReturn]:
    """The rows delivered back to the seller, one PlatformReturn per return id (its SKUs as
    lines), in the order the report first names them."""
    grouped: dict[str, list[ReturnRow]] = {}
    for row in found:
        if row.delivered is not None:
            grouped.setdefault(row.return_id, []).append(row)
    returns = []
    for return_id, its_rows in grouped.items():
        units: dict[str, int] = {}
        for row in its_rows:
            units[row.sku] = units.get(row.sku, 0) + row.quantity
        first = its_rows[0]
        delivered = max(row.delivered for row in its_rows if row.delivered is not None)
        returns.append(
            PlatformReturn(
                return_id=return_id,
                order_external_id=first.order_id,
                lines=tuple(PlatformOrderLine(sku, quantity) for sku, quantity in units.items()),
                returned_at=datetime.combine(delivered, time(), tzinfo=UTC),
                reason=first.reason,
            )
        )
    return returns


def _normal(header: str) -> str:
    return re.sub(r"[\s_\-]+", " ", header.strip().lower())


def _columns(header: list[str]) -> dict[str, int]:
    named = {_normal(text): index for index, text in enumerate(header)}
    where = {}
    for name, spellings in COLUMNS.items():
        index = next((named[s] for s in spellings if s in named), None)
        if index is not None:
            where[name] = index
    missing = [COLUMNS[name][0] for name in REQUIRED if name not in where]
    if missing:
        raise UnreadableReport(f"its header lacks {', '.join(missing)} (it has: {header})")
    return where


def _at(values: list[str], index: int) -> str:
    return values[index].strip() if index < len(values) else ""


def _row(number: int, value: dict[str, str]) -> ReturnRow:
    try:
        quantity = int(value["quantity"])
    except ValueError:
        raise UnreadableReport(f"row {number}: return quantity {value['quantity']!r}") from None
    if quantity < 1:
        raise UnreadableReport(f"row {number}: return quantity {quantity} is not positive")
    if not value["order_id"] or not value["sku"]:
        raise UnreadableReport(f"row {number} names no order id or no merchant SKU")
    requested = value.get("requested", "")
    rma_id = value.get("rma_id", "")
    return ReturnRow(
        # Without an RMA id, the order, SKU and request date name the return.
        return_id=rma_id or f"{value['order_id']}:{value['sku']}:{requested}",
        order_id=value["order_id"],
        sku=value["sku"],
        quantity=quantity,
        reason=value.get("reason") or "no reason given",
        delivered=_date(number, value["delivered"]),
    )


def _date(number: int, text: str) -> date | None:
    if not text:
        return None
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        pass
    else:
        return moment.astimezone(UTC).date() if moment.tzinfo else moment.date()
    for pattern in DATE_FORMATS:
        try:
            return datetime.strptime(text, pattern).date()
        except ValueError:
            continue
    raise UnreadableReport(f"row {number}: return delivery date {text!r} is not a date")
