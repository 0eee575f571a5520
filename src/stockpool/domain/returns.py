"""Returns: units a buyer sent back, received into quality_control against the order they were
shipped on, and inspected unit by unit into available, damaged, or out of stock.

Nothing returned is sellable before inspection: a return's units sit in quality_control, which
no channel's number counts. Units returned never exceed units shipped, per SKU of the order,
across all of its returns.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence, Set
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from stockpool.domain.catalog import channel_code, location_code, sku_code
from stockpool.domain.errors import Conflict, InvalidRequest
from stockpool.domain.movements import Movement, Reason
from stockpool.domain.orders import EXTERNAL_ID_MAX, LINES_MAX, LineState
from stockpool.domain.plans import reference_text
from stockpool.domain.quantities import positive
from stockpool.domain.states import State
from stockpool.domain.text import clean_text

REASON_MAX = 200


class ReturnStatus(StrEnum):
    AWAITING_INSPECTION = "awaiting_inspection"  # some units still in quality_control for it
    INSPECTED = "inspected"  # every unit inspected


class Disposition(StrEnum):
    RESTOCK = "restock"  # sellable again: to available
    DAMAGED = "damaged"  # kept, not sellable: to damaged
    DISPOSE = "dispose"  # thrown away: out of stock
    RETURN_TO_VENDOR = "return_to_vendor"  # sent back to the supplier: out, with a reference


# Where each disposition takes units from quality_control (None: out of stock), and its reason.
_OUTCOME: dict[Disposition, tuple[State | None, Reason]] = {
    Disposition.RESTOCK: (State.AVAILABLE, Reason.RESTOCK),
    Disposition.DAMAGED: (State.DAMAGED, Reason.DAMAGE),
    Disposition.DISPOSE: (None, Reason.DISPOSED),
    Disposition.RETURN_TO_VENDOR: (None, Reason.RETURNED_TO_VENDOR),
}


def parse_disposition(value: str) -> Disposition:
    try:
        return Disposition(value)
    except ValueError:
        names = ", ".join(d.value for d in Disposition)
        raise InvalidRequest(f"disposition must be one of {names} (got {value!r}).") from None


def return_reference(return_id: int) -> str:
    """How the ledger names a return's movements."""
    return f"return:{return_id}"


@dataclass(frozen=True, slots=True)
class NewReturn:
    """What a buyer sent back of an order: units per SKU (a SKU named twice is added up)."""

    channel: str
    external_id: str
    location: str
    lines: tuple[tuple[str, int], ...]
    reason: str
    platform_return_id: str | None = None  # the platform's id of a return it reported

    def __post_init__(self) -> None:
        channel_code(self.channel)
        if self.platform_return_id is not None:
            platform_id = clean_text(self.platform_return_id, "platform_return_id", 200)
            if not platform_id:
                raise InvalidRequest("platform_return_id must not be blank when given.")
            object.__setattr__(self, "platform_return_id", platform_id)
        location_code(self.location)
        external_id = clean_text(self.external_id, "order_external_id", EXTERNAL_ID_MAX)
        if not external_id:
            raise InvalidRequest("order_external_id must not be blank: it names the order.")
        object.__setattr__(self, "external_id", external_id)
        reason = clean_text(self.reason, "reason", REASON_MAX)
        if not reason:
            raise InvalidRequest("reason must not be blank: say why the buyer sent it back.")
        object.__setattr__(self, "reason", reason)
        if not 1 <= len(self.lines) <= LINES_MAX:
            raise InvalidRequest(f"a return needs 1 to {LINES_MAX} lines (got {len(self.lines)}).")
        units: dict[str, int] = {}
        for sku, quantity in self.lines:
            sku_code(sku)
            units[sku] = units.get(sku, 0) + positive(quantity)
        object.__setattr__(self, "lines", tuple(sorted(units.items())))


@dataclass(frozen=True, slots=True)
class Inspection:
    """What inspecting quantity units of a return's SKU found them fit for."""

    sku: str
    quantity: int
    disposition: Disposition
    reference: str | None = None

    def __post_init__(self) -> None:
        sku_code(self.sku)
        positive(self.quantity)
        object.__setattr__(self, "disposition", parse_disposition(self.disposition))
        object.__setattr__(self, "reference", reference_text(self.reference))
        if self.disposition == Disposition.RETURN_TO_VENDOR and self.reference is None:
            raise InvalidRequest(
                "return_to_vendor needs a reference: the vendor's RMA or the shipment's number."
            )


@dataclass(frozen=True, slots=True)
class ReturnLine:
    sku: str
    quantity: int  # units returned
    inspected: int  # of which inspected so far

    @property
    def awaiting(self) -> int:
        return self.quantity - self.inspected


@dataclass(frozen=True, slots=True)
class InspectionRecord:
    id: int
    sku: str
    quantity: int
    disposition: Disposition
    reference: str | None
    actor: str
    at: datetime


@dataclass(frozen=True, slots=True)
class Return:
    """A return as stored: its order, where its units wait, and what inspection made of them."""

    id: int
    channel: str
    external_id: str
    order_id: int
    location: str
    reason: str
    status: ReturnStatus
    created_at: datetime
    lines: tuple[ReturnLine, ...]
    inspections: tuple[InspectionRecord, ...] = ()
    platform_return_id: str | None = None  # reported by the platform under this id

    @property
    def awaiting(self) -> int:
        """Units still waiting for inspection."""
        return sum(line.awaiting for line in self.lines)

    def age(self, now: datetime) -> timedelta:
        return max(now - self.created_at, timedelta(0))

    def overdue(self, now: datetime, after: timedelta) -> bool:
        """Waiting for inspection longer than after."""
        return self.status == ReturnStatus.AWAITING_INSPECTION and self.age(now) > after


def check_returnable(
    new: NewReturn, lines: Sequence[LineState], returned: Mapping[str, int]
) -> None:
    """Refuse a return of more than was shipped on the order, per SKU, counting the units its
    earlier returns took back (returned)."""
    shipped: dict[str, int] = {}
    for line in lines:
        shipped[line.sku] = shipped.get(line.sku, 0) + line.shipped
    for sku, quantity in new.lines:
        if sku not in shipped:
            raise InvalidRequest(
                f"SKU {sku} is not in order {new.external_id} from {new.channel}; "
                f"its SKUs are {', '.join(sorted(shipped))}."
            )
        before = returned.get(sku, 0)
        if before + quantity > shipped[sku]:
            raise Conflict(
                f"Order {new.external_id} from {new.channel}: {shipped[sku]} of {sku} shipped, "
                f"{before} returned already, {quantity} returned now: at most "
                f"{shipped[sku] - before} more can come back."
            )


def receipt(new: NewReturn, return_id: int) -> tuple[Movement, ...]:
    """The return's units arriving in quality_control at its location."""
    reference = return_reference(return_id)
    return tuple(
        Movement(
            sku, new.location, quantity, None, State.QUALITY_CONTROL, Reason.RETURNED, reference
        )
        for sku, quantity in new.lines
    )


# Who inspects the units of a SKU restocked on receipt, in the QC history and the ledger.
RESTOCK_ON_RECEIPT = "restock_on_receipt"


def inspections_on_receipt(new: NewReturn, restocked: Set[str]) -> tuple[Inspection, ...]:
    """What a return is inspected as when it is received: every unit of a SKU restocked on
    receipt (restocked: those of its SKUs that are) goes back to available, no one looking."""
    return tuple(
        Inspection(sku, quantity, Disposition.RESTOCK)
        for sku, quantity in new.lines
        if sku in restocked
    )


def plan_inspection(found: Return, inspection: Inspection) -> Movement:
    """The movement out of quality_control that inspecting units of a return means; refused if
    the return has no such SKU or fewer of its units still await inspection."""
    line = next((line for line in found.lines if line.sku == inspection.sku), None)
    if line is None:
        skus = ", ".join(line.sku for line in found.lines)
        raise InvalidRequest(
            f"SKU {inspection.sku} is not in return {found.id}; its SKUs are {skus}."
        )
    if inspection.quantity > line.awaiting:
        raise Conflict(
            f"Return {found.id}: {line.quantity} of {line.sku} returned, {line.inspected} "
            f"inspected already, {line.awaiting} awaiting inspection; {inspection.quantity} "
            "inspected now."
        )
    to_state, reason = _OUTCOME[inspection.disposition]
    # The ledger names the return; the vendor's reference is kept on the inspection.
    return Movement(
        line.sku,
        found.location,
        inspection.quantity,
        State.QUALITY_CONTROL,
        to_state,
        reason,
        return_reference(found.id),
    )
