"""Reservations, and incoming stock."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field, StrictInt

from stockpool.entrypoints.api.schemas.common import (
    ChannelCode,
    Quantity,
    Request,
    SkuCode,
)

ReservationStatusName = Literal["active", "confirmed", "released", "expired"]


class ReservationLineIn(Request):
    sku: SkuCode
    quantity: Quantity


class ReservationCreate(Request):
    channel: ChannelCode
    reference: str = Field(
        min_length=1,
        max_length=100,
        description="Names the hold on this channel: a cart or "
        "checkout id. The same reference and lines again return the same reservation.",
    )
    lines: list[ReservationLineIn] = Field(min_length=1, max_length=200)
    ttl_seconds: StrictInt | None = Field(
        default=None,
        ge=1,
        le=31 * 86400,
        description="How long the stock is held (default STOCKPOOL_RESERVATION_TTL_SECONDS).",
    )


class ReservationLine(BaseModel):
    sku: str
    quantity: int


class HoldPublic(BaseModel):
    line_no: int
    sku: str
    location: str
    units: int


class ReservationPublic(BaseModel):
    id: int
    channel: str
    reference: str | None = Field(description="null for the hold of a pending order.")
    order_id: int | None = Field(
        description="The pending order it holds for, or the order it was confirmed as."
    )
    status: ReservationStatusName = Field(
        description="expired once past expires_at, whether or not the sweep has run."
    )
    lines: list[ReservationLine] = Field(description="The lines as asked for.")
    holds: list[HoldPublic] = Field(
        description="Where the units are held (bundles as their components)."
    )
    expires_at: datetime
    created_at: datetime
    closed_at: datetime | None


class ReservationPage(BaseModel):
    items: list[ReservationPublic]
    next_cursor: str | None


class ReservationConfirm(Request):
    """The order the reservation became. Without external_id, the reservation's reference."""

    external_id: str | None = Field(default=None, min_length=1, max_length=100)
    placed_at: datetime | None = None
    ship_by: datetime | None = None
    region: str | None = Field(default=None, max_length=32)


class IncomingLot(BaseModel):
    location: str
    units: int
    eta: datetime | None = Field(description="When the lot should land; null if not known.")
    reference: str | None
    promised: int = Field(description="Units short order lines are waiting for.")


class IncomingPublic(BaseModel):
    sku: str
    lots: list[IncomingLot]
