"""Reservations: stock held in reserved for a checkout or an unconfirmed order, until it is
confirmed (the units become committed), released, or it expires (they become available again).

A reservation is made holding all its units or none. Its holds are exactly what it keeps out of
available while it is active; an active reservation past its expiry holds nothing any more,
whether or not a sweep has got to it yet. A count that finds held units missing shrinks the holds
(holds_losing): a checkout confirmed later routes what it no longer holds again, and a pending
order's line is short of them.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from stockpool.domain.catalog import channel_code
from stockpool.domain.conflicts import LineRef, cancellation_rank
from stockpool.domain.errors import InvalidRequest
from stockpool.domain.movements import Movement, Reason
from stockpool.domain.orders import LINES_MAX, OrderLine, lines_fingerprint
from stockpool.domain.states import State
from stockpool.domain.text import clean_text

REFERENCE_MAX = 100
TTL_MIN = timedelta(seconds=1)
TTL_MAX = timedelta(days=31)  # Amazon keeps an order Pending for up to 30 days


class ReservationStatus(StrEnum):
    ACTIVE = "active"
    CONFIRMED = "confirmed"  # its units became an order's committed units
    RELEASED = "released"  # given back before it expired
    EXPIRED = "expired"


@dataclass(frozen=True, slots=True)
class Hold:
    line_no: int
    sku: str
    location: str
    units: int


@dataclass(frozen=True, slots=True)
class NewReservation:
    """A hold a checkout asks for: (channel, reference) names it, as an order's external id does."""

    channel: str
    reference: str
    lines: tuple[OrderLine, ...]
    ttl: timedelta

    def __post_init__(self) -> None:
        channel_code(self.channel)
        reference = clean_text(self.reference, "reference", REFERENCE_MAX)
        if not reference:
            raise InvalidRequest("reference must not be blank: it names the checkout or cart.")
        object.__setattr__(self, "reference", reference)
        if not 1 <= len(self.lines) <= LINES_MAX:
            raise InvalidRequest(
                f"a reservation needs 1 to {LINES_MAX} lines (got {len(self.lines)})."
            )
        check_ttl(self.ttl)

    def fingerprint(self) -> str:
        return lines_fingerprint(self.lines)


@dataclass(frozen=True, slots=True)
class Checkout:
    """A checkout's reservation as decided, to be stored: what it holds, until when."""

    channel: str
    reference: str
    fingerprint: str
    lines: dict[str, Any]  # as requested and as held (services.reservation_batch.lines_record)
    holds: tuple[Hold, ...]
    expires_at: datetime


@dataclass(frozen=True, slots=True)
class Reservation:
    """A reservation as stored, with its holds."""

    id: int
    channel: str
    reference: str | None  # None for the hold of a pending order
    order_id: int | None  # the pending order it holds for, or the order it became
    status: ReservationStatus  # as stored: an active one may be past its expiry
    fingerprint: str
    lines: dict[str, Any]  # "requested" and "lines" (bundles expanded), see tables.reservations
    expires_at: datetime
    created_at: datetime
    closed_at: datetime | None
    holds: tuple[Hold, ...]


@dataclass(frozen=True, slots=True)
class HeldAt:
    """An active reservation's hold at one balance."""

    reservation_id: int
    order_id: int | None  # the pending order it holds for; None for a checkout
    line_no: int
    units: int
    created_at: datetime


@dataclass(frozen=True, slots=True)
class HoldClaim:
    """Units a reservation holds at one balance: a checkout's, or (line given) a pending
    order's line."""

    reservation_id: int
    line_no: int
    units: int
    created_at: datetime
    line: LineRef | None = None


def holds_losing(claims: Iterable[HoldClaim], missing: int) -> list[tuple[HoldClaim, int]]:
    """Which holds lose units found missing from reserved, and how many each: checkouts first,
    newest first (nobody has paid for them yet), then pending orders' lines, cheapest to cancel
    first."""

    def rank(claim: HoldClaim) -> tuple[int, tuple[float, ...], int, int]:
        if claim.line is None:
            return (0, (-claim.created_at.timestamp(),), -claim.reservation_id, claim.line_no)
        return (1, cancellation_rank(claim.line), claim.reservation_id, claim.line_no)

    losing = []
    for claim in sorted(claims, key=rank):
        if missing == 0:
            break
        units = min(missing, claim.units)
        losing.append((claim, units))
        missing -= units
    return losing


def check_ttl(ttl: timedelta) -> timedelta:
    if not TTL_MIN <= ttl <= TTL_MAX:
        raise InvalidRequest(
            f"ttl_seconds must be from {int(TTL_MIN.total_seconds())} to "
            f"{int(TTL_MAX.total_seconds())} (got {ttl.total_seconds():g})."
        )
    return ttl


def effective_status(
    status: ReservationStatus, expires_at: datetime, now: datetime
) -> ReservationStatus:
    """What a reservation is now: an active one past its expiry has expired, swept or not."""
    if status == ReservationStatus.ACTIVE and expires_at <= now:
        return ReservationStatus.EXPIRED
    return status


def reserving(holds: Iterable[Hold], reference: str) -> list[Movement]:
    """The movements that take held units out of available."""
    return [
        Movement(
            h.sku, h.location, h.units, State.AVAILABLE, State.RESERVED, Reason.RESERVED, reference
        )
        for h in holds
    ]


def releasing(holds: Iterable[Hold], reference: str, *, expired: bool) -> list[Movement]:
    """The movements that give held units back to available."""
    reason = Reason.RESERVATION_EXPIRED if expired else Reason.RESERVATION_RELEASED
    return [
        Movement(h.sku, h.location, h.units, State.RESERVED, State.AVAILABLE, reason, reference)
        for h in holds
    ]


def confirming(holds: Iterable[Hold], reference: str) -> list[Movement]:
    """The movements that turn held units into an order's committed units, where they are."""
    return [
        Movement(
            h.sku,
            h.location,
            h.units,
            State.RESERVED,
            State.COMMITTED,
            Reason.ORDER_COMMITTED,
            reference,
        )
        for h in holds
    ]
