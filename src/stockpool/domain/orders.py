"""Orders as they arrive from a channel, and what became of each line."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from enum import StrEnum

from stockpool.domain.catalog import Component, Location, channel_code, sku_code
from stockpool.domain.channels import Channel
from stockpool.domain.errors import InvalidRequest, StockpoolError
from stockpool.domain.listings import channel_sku_code
from stockpool.domain.quantities import positive
from stockpool.domain.text import clean_text
from stockpool.domain.times import happened, plausible

EXTERNAL_ID_MAX = 100
LINES_MAX = 200
REGION_MAX = 32


class OrderStatus(StrEnum):
    PENDING = "pending"  # not yet confirmed by the channel: its units are held in reserved
    COMMITTED = "committed"  # every open unit is committed at a location
    CONFLICT = "conflict"  # accepted, but some units could not be committed
    SHIPPED = "shipped"  # nothing open; some units shipped
    CANCELLED = "cancelled"  # every unit cancelled


def order_status(
    committed: int, short: int, shipped: int, reserved: int = 0, *, pending: bool = False
) -> OrderStatus:
    """An order's status from the sums of its lines. A pending order stays pending until it is
    confirmed, unless every unit is cancelled."""
    if pending and (reserved or short):
        return OrderStatus.PENDING
    if short:
        return OrderStatus.CONFLICT
    if committed:
        return OrderStatus.COMMITTED
    return OrderStatus.SHIPPED if shipped else OrderStatus.CANCELLED


@dataclass(frozen=True, slots=True)
class LineState:
    """An accepted line: quantity = reserved + committed + short + shipped + cancelled."""

    sku: str
    quantity: int
    committed: int
    short: int
    shipped: int = 0
    cancelled: int = 0
    reserved: int = 0  # held for a pending order
    bundle: str | None = None  # the bundle this component line was ordered as
    bundle_line: int | None = None  # the line of the order as received that named the bundle


@dataclass(frozen=True, slots=True)
class OrderLine:
    """quantity units of sku; listed: sku is the channel's own SKU, mapped to ours by its
    listing when the order is taken. channel_sku: once mapped, the channel SKU it was ordered
    as (the listing the platform sold from)."""

    sku: str
    quantity: int
    listed: bool = False
    channel_sku: str | None = None

    def __post_init__(self) -> None:
        if self.listed:
            object.__setattr__(self, "sku", channel_sku_code(self.sku))
        else:
            sku_code(self.sku)
        positive(self.quantity)


@dataclass(frozen=True, slots=True)
class NewOrder:
    """An order as a channel hands it over; (channel, external_id) names it for good."""

    channel: str
    external_id: str
    lines: tuple[OrderLine, ...]
    placed_at: datetime
    ship_by: datetime | None = None
    region: str | None = None
    # False for an order the channel has not confirmed yet (Amazon's Pending): its units are
    # reserved, not committed, until it is confirmed.
    confirmed: bool = True

    def __post_init__(self) -> None:
        channel_code(self.channel)
        external_id = clean_text(self.external_id, "external_id", EXTERNAL_ID_MAX)
        if not external_id:
            raise InvalidRequest("external_id must not be blank: it is the channel's order id.")
        object.__setattr__(self, "external_id", external_id)
        if not 1 <= len(self.lines) <= LINES_MAX:
            raise InvalidRequest(f"an order needs 1 to {LINES_MAX} lines (got {len(self.lines)}).")
        # When it was placed and when it must ship: times a channel could send (the service
        # also holds placed_at to now, which it alone knows; see placed_ahead).
        for name, moment in (("placed_at", self.placed_at), ("ship_by", self.ship_by)):
            if moment is not None:
                plausible(moment, name)
        if self.ship_by is not None and self.ship_by < self.placed_at:
            raise InvalidRequest("ship_by is before placed_at.")
        if self.region is not None:
            object.__setattr__(
                self, "region", clean_text(self.region, "region", REGION_MAX) or None
            )

    def mapped(self, skus: dict[str, str]) -> NewOrder:
        """The order with its listed lines named by our SKUs (skus: channel SKU -> SKU)."""
        lines = tuple(
            OrderLine(skus[line.sku], line.quantity, channel_sku=line.sku) if line.listed else line
            for line in self.lines
        )
        return replace(self, lines=lines)

    def listed(self) -> list[str]:
        """The channel SKUs its lines name."""
        return [line.sku for line in self.lines if line.listed]

    def fingerprint(self) -> str:
        """What makes a replay the same order: its lines. A different body under the same
        (channel, external_id) is a conflict, not a new order."""
        return lines_fingerprint(self.lines)


@dataclass(frozen=True, slots=True)
class IntakeView:
    """What taking a batch of orders reads before it locks anything, in one round trip: every
    channel and location; of the SKUs its lines name, those that exist and the components of
    those that are bundles; and the ids of its orders already stored, by (channel, external_id).
    """

    channels: Mapping[str, Channel]
    locations: Sequence[Location]  # in code order
    known: frozenset[str]
    bundles: Mapping[str, list[Component]]  # components in SKU order
    stored: Mapping[tuple[str, str], int]


def placed_ahead(orders: Sequence[NewOrder], now: datetime) -> dict[int, StockpoolError]:
    """The orders, by position, that say they were placed more than a day ahead of now."""
    refused: dict[int, StockpoolError] = {}
    for i, order in enumerate(orders):
        try:
            happened(order.placed_at, "placed_at", now)
        except InvalidRequest as error:
            refused[i] = error
    return refused


def order_reference(channel: str, external_id: str) -> str:
    """How the ledger names an order's movements."""
    return f"order:{channel}:{external_id}"


def lines_fingerprint(lines: Sequence[OrderLine]) -> str:
    body = [[line.sku, line.quantity] for line in lines]
    return hashlib.sha256(json.dumps(body).encode()).hexdigest()
