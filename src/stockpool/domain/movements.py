"""Movements: every change to stock, as one append-only ledger line."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from stockpool.domain.errors import InvalidRequest
from stockpool.domain.quantities import positive
from stockpool.domain.states import State


class Reason(StrEnum):
    RECEIVED = "received"
    TRANSFER_OUT = "transfer_out"
    TRANSFER_IN = "transfer_in"
    CYCLE_COUNT = "cycle_count"
    IMPORT = "import"
    SAFETY_STOCK = "safety_stock"
    QUALITY_CONTROL = "quality_control"
    RESTOCK = "restock"
    DAMAGE = "damage"
    SHRINKAGE = "shrinkage"
    FOUND = "found"
    WRITE_OFF = "write_off"
    CORRECTION = "correction"
    PURCHASE_ORDER = "purchase_order"
    ORDER_COMMITTED = "order_committed"
    ORDER_CANCELLED = "order_cancelled"
    SHIPPED = "shipped"
    SHORT_PICK = "short_pick"
    RESERVED = "reserved"
    RESERVATION_RELEASED = "reservation_released"
    RESERVATION_EXPIRED = "reservation_expired"
    RETURNED = "returned"  # a buyer's return, received into quality_control
    DISPOSED = "disposed"  # returned units inspected and thrown away
    RETURNED_TO_VENDOR = "returned_to_vendor"  # returned units inspected and sent to the vendor
    SNAPSHOT_RECONCILE = "snapshot_reconcile"
    OTHER = "other"


# Reasons only their own operation writes; a person cannot pick them for a move or adjustment.
SYSTEM_REASONS = frozenset(
    {
        Reason.RECEIVED,
        Reason.TRANSFER_OUT,
        Reason.TRANSFER_IN,
        Reason.CYCLE_COUNT,
        Reason.IMPORT,
        Reason.ORDER_COMMITTED,
        Reason.ORDER_CANCELLED,
        Reason.SHIPPED,
        Reason.SHORT_PICK,
        Reason.RESERVED,
        Reason.RESERVATION_RELEASED,
        Reason.RESERVATION_EXPIRED,
        Reason.RETURNED,
        Reason.DISPOSED,
        Reason.RETURNED_TO_VENDOR,
        Reason.SNAPSHOT_RECONCILE,
    }
)

# +1: the reason only ever adds stock; -1: only ever removes it; 0: either.
ADJUSTMENT_SIGN: dict[Reason, int] = {
    Reason.FOUND: +1,
    Reason.PURCHASE_ORDER: +1,
    Reason.SHRINKAGE: -1,
    Reason.DAMAGE: -1,
    Reason.WRITE_OFF: -1,
    Reason.CORRECTION: 0,
    Reason.OTHER: 0,
}

MOVE_REASONS = frozenset(Reason) - SYSTEM_REASONS


def parse_reason(value: str, allowed: frozenset[Reason] | None = None) -> Reason:
    """Turn a reason code into a Reason, with an error listing the codes allowed here."""
    choices = allowed if allowed is not None else frozenset(Reason)
    try:
        reason = Reason(value)
    except ValueError:
        reason = None
    if reason is None or reason not in choices:
        names = ", ".join(sorted(r.value for r in choices))
        raise InvalidRequest(f"reason must be one of {names} (got {value!r}).")
    return reason


@dataclass(frozen=True, slots=True)
class Movement:
    """quantity units of sku at location go from from_state to to_state.

    from_state None means the units come from outside (a receipt, units found); to_state None
    means they leave (shipped, written off, sent on a transfer).
    """

    sku: str
    location: str
    quantity: int
    from_state: State | None
    to_state: State | None
    reason: Reason
    reference: str | None = None

    def __post_init__(self) -> None:
        positive(self.quantity)
        if self.from_state is None and self.to_state is None:
            raise InvalidRequest("A movement needs a from_state, a to_state, or both.")
        if self.from_state == self.to_state:
            raise InvalidRequest(
                f"from_state and to_state are both {self.from_state}: nothing moves."
            )

    def as_record(self) -> dict[str, str | int | None]:
        """The movement as plain values, named as the ledger and the API name them."""
        return {
            "sku": self.sku,
            "location": self.location,
            "from_state": self.from_state.value if self.from_state else None,
            "to_state": self.to_state.value if self.to_state else None,
            "quantity": self.quantity,
            "reason": self.reason.value,
            "reference": self.reference,
        }

    def deltas(self) -> dict[State, int]:
        """How each state's balance changes."""
        changes: dict[State, int] = {}
        if self.from_state is not None:
            changes[self.from_state] = -self.quantity
        if self.to_state is not None:
            changes[self.to_state] = changes.get(self.to_state, 0) + self.quantity
        return changes


@dataclass(frozen=True, slots=True)
class LedgerEntry:
    """A movement as the ledger recorded it: numbered, timed and attributed."""

    id: int
    at: datetime
    movement: Movement
    actor: str


@dataclass(frozen=True, slots=True)
class LedgerFilter:
    """Which ledger lines to read: every field given must match (since inclusive, until not)."""

    sku: str | None = None
    location: str | None = None
    reference: str | None = None
    since: datetime | None = None
    until: datetime | None = None
    actor: str | None = None
