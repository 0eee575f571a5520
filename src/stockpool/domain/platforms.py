"""What stockpool and a sales platform exchange, as values: the numbers pushed and what the
platform was seen to show, its catalogue, and its orders. Connectors (stockpool.channels) turn
each platform's payloads into these; services never see a payload."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from stockpool.domain.listings import Listing
from stockpool.domain.orders import NewOrder, OrderLine


@dataclass(frozen=True, slots=True)
class Push:
    """The number a listing should show now; version is its outbox version (a push of an older
    one does not clear a newer number)."""

    listing: Listing
    quantity: int
    version: int


class Outcome(StrEnum):
    APPLIED = "applied"  # the platform took it (it may still take time to show)
    REFUSED = "refused"  # the platform refused this listing's number for good: a person must look
    FAILED = "failed"  # not taken this time (throttled, an error, a timeout): try again later


@dataclass(frozen=True, slots=True)
class Pushed:
    """What became of one push."""

    push: Push
    outcome: Outcome
    detail: str | None = None


class FeedState(StrEnum):
    PROCESSING = "processing"
    DONE = "done"
    FAILED = "failed"


@dataclass(frozen=True, slots=True)
class Feed:
    """A bulk feed of pushes the platform processes on its own time; results fill in when it is
    done (one per push the platform reported on)."""

    feed_id: str
    pushes: tuple[Push, ...]
    state: FeedState = FeedState.PROCESSING
    results: tuple[Pushed, ...] = ()


@dataclass(frozen=True, slots=True)
class Shown:
    """What a listing showed on the platform when read (None: the platform does not know it)."""

    channel_sku: str
    quantity: int | None
    at: datetime


@dataclass(frozen=True, slots=True)
class PlatformItem:
    """A sellable item in the platform's catalogue, with what addresses it there: the fields a
    Listing of that platform takes (see Listing.for_platform)."""

    channel_sku: str
    inventory_item_id: str | None = None  # Shopify
    location_id: str | None = None  # Shopify
    fulfillment_channel: str | None = None  # Amazon
    ship_node: str | None = None  # Walmart


class PlatformOrderState(StrEnum):
    PENDING = "pending"  # not yet confirmed by the platform (Amazon's Pending): hold its stock
    OPEN = "open"  # confirmed: commit its stock
    CANCELLED = "cancelled"  # cancelled on the platform: release what it holds
    SHIPPED = "shipped"  # shipped or delivered: nothing left to take


@dataclass(frozen=True, slots=True)
class PlatformOrderLine:
    channel_sku: str
    quantity: int


@dataclass(frozen=True, slots=True)
class PlatformOrder:
    """An order as the platform reports it, named by the platform's own id."""

    external_id: str
    state: PlatformOrderState
    lines: tuple[PlatformOrderLine, ...]
    placed_at: datetime
    updated_at: datetime
    ship_by: datetime | None = None


class CancellationOutcome(StrEnum):
    DONE = "done"  # the platform cancelled the units
    MANUAL = "manual"  # its API cannot (or refused to, for good): a person must, as detail says
    FAILED = "failed"  # not this time (unreachable, throttled, a 5xx): try again later


@dataclass(frozen=True, slots=True)
class Cancellation:
    """What became of asking a platform to cancel units of one of its orders."""

    outcome: CancellationOutcome
    detail: str


@dataclass(frozen=True, slots=True)
class OrdersPage:
    """Orders changed since a cursor, and the cursor to ask from next time (persisted, so a
    restart neither loses nor repeats a page)."""

    orders: tuple[PlatformOrder, ...]
    cursor: str | None


@dataclass(frozen=True, slots=True)
class PlatformReturn:
    """Units a buyer sent back of one of the platform's orders, which the platform reports back
    with the seller (received, or restocked: a refund without a restock is no return). Named by
    the platform's own id for it (taken once); stockpool receives it into quality_control where
    the order shipped from."""

    return_id: str
    order_external_id: str
    lines: tuple[PlatformOrderLine, ...]
    returned_at: datetime
    reason: str


@dataclass(frozen=True, slots=True)
class ReturnsPage:
    """Returns reported since a cursor, and the cursor to ask from next (persisted, like
    OrdersPage's)."""

    returns: tuple[PlatformReturn, ...]
    cursor: str | None


@dataclass(frozen=True, slots=True)
class Delivered:
    """A webhook delivery the platform signed: its event id (to deduplicate on), the orders and
    the returns it carries."""

    event_id: str
    orders: tuple[PlatformOrder, ...] = ()
    returns: tuple[PlatformReturn, ...] = ()


@dataclass(frozen=True, slots=True)
class FulfilledRow:
    """One listing's units in the platform's own fulfilment network (Amazon FBA, Walmart WFS):
    on_hand is every unit the platform holds for the seller; damaged and quality_control are
    the part of it the platform will not ship as it is (unfulfillable; being researched or
    processed)."""

    channel_sku: str
    on_hand: int
    damaged: int = 0
    quality_control: int = 0


@dataclass(frozen=True, slots=True)
class FulfilledStock:
    """What the platform's fulfilment network held for the seller as of a moment: a snapshot
    of a marketplace_fulfilled location, reconciled as any 3PL's."""

    as_of: datetime
    rows: tuple[FulfilledRow, ...]


def as_new_order(channel: str, order: PlatformOrder) -> NewOrder:
    """The order as stockpool takes it: lines named by the channel's SKUs (mapped by their
    listings), held while the platform has not confirmed it. A cancelled order is never
    confirmed: one held (pending) is then released, not first committed, which could take
    units from other orders when its hold had lapsed."""
    lines = tuple(OrderLine(line.channel_sku, line.quantity, listed=True) for line in order.lines)
    confirmed = order.state in (PlatformOrderState.OPEN, PlatformOrderState.SHIPPED)
    return NewOrder(
        channel, order.external_id, lines, order.placed_at, order.ship_by, confirmed=confirmed
    )


@dataclass(frozen=True, slots=True)
class OrderCursor:
    """Where polling a channel's orders stands: the cursor to ask the platform from next (None:
    its default window), when it was last polled, and how many orders polling has read."""

    channel: str
    cursor: str | None
    polled_at: datetime
    orders_seen: int
