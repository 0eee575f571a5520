"""Channels, orders (one or a batch), conflicts, shipments and cancellations."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, Field, StrictInt

from stockpool.domain.channels import Platform
from stockpool.domain.orders import OrderStatus
from stockpool.entrypoints.api.schemas.common import (
    ChannelCode,
    LocationCode,
    Quantity,
    Request,
    SkuCode,
)

# Channels and orders


class ConnectionIn(Request):
    url: str = Field(max_length=500, description="The platform's base URL.")
    token_url: str | None = Field(
        default=None, max_length=500, description="Amazon: where Login with Amazon issues tokens."
    )
    credentials: dict[str, str] = Field(
        description="Exactly the object `stockpool sandbox --json` prints for the platform. "
        "Encrypted at rest, never shown again."
    )


class ConnectionPublic(BaseModel):
    url: str
    token_url: str | None
    credentials_set: list[str] = Field(
        description="Which credentials are set (never their values)."
    )
    updated_at: datetime


class ChannelPut(Request):
    platform: Platform
    name: str = Field(default="", max_length=200)
    cancellation_cost: StrictInt | None = Field(
        default=None,
        description="What a seller cancellation costs here, in relative points "
        "(default: amazon and walmart 100, shopify and manual 10).",
    )
    split_allowed: bool = Field(
        default=True, description="May one order ship from several locations?"
    )
    connection: ConnectionIn | None = Field(
        default=None,
        description="How to reach the platform: left out, the channel keeps its connection; "
        "null disconnects it.",
    )


class ChannelPublic(BaseModel):
    code: str
    platform: Platform
    name: str
    cancellation_cost: int
    split_allowed: bool
    connection: ConnectionPublic | None = None


class ChannelList(BaseModel):
    items: list[ChannelPublic]


class OrderLineIn(Request):
    """A line names our SKU, or the channel's own SKU (mapped by the channel's listings)."""

    sku: SkuCode | None = None
    channel_sku: str | None = Field(
        default=None,
        min_length=1,
        max_length=200,
        description="The channel's SKU instead of sku: its listing says which SKU it is. An "
        "order naming an unmapped channel SKU is refused (404) and the SKU reported at "
        "GET /v1/channels/{code}/unmapped.",
    )
    quantity: Quantity


class OrderCreate(Request):
    channel: ChannelCode
    external_id: str = Field(min_length=1, max_length=100, description="The channel's order id.")
    lines: list[OrderLineIn] = Field(min_length=1, max_length=200)
    placed_at: datetime
    ship_by: datetime | None = None
    region: str | None = Field(
        default=None, max_length=32, description="Ship-to region, for routing."
    )
    confirmed: bool = Field(
        default=True,
        description="false for an order the channel has not confirmed yet (Amazon's Pending): "
        "its units are reserved, not committed, until it is sent again with true or confirmed "
        "through POST /v1/orders/{id}/confirm.",
    )


BATCH_MAX = 500


class OrderBatch(Request):
    orders: list[dict[str, Any]] = Field(
        min_length=1,
        max_length=BATCH_MAX,
        description=f"Up to {BATCH_MAX} orders, each an OrderCreate; each is accepted or refused "
        "on its own.",
        json_schema_extra={"items": {"$ref": "#/components/schemas/OrderCreate"}},
    )


class OrderLinePublic(BaseModel):
    """quantity = reserved + committed + short + shipped + cancelled. An ordered bundle appears
    as one line per component, each naming the bundle and the line it was ordered on."""

    sku: str
    quantity: int
    reserved: int = Field(description="Units held for a pending order.")
    committed: int
    short: int = Field(
        description="Units not held: in conflict, or (pending orders) waiting for confirmation."
    )
    shipped: int
    cancelled: int
    bundle: str | None = None
    bundle_line: int | None = None


class AllocationPublic(BaseModel):
    sku: str
    location: str
    units: int


class RoutingCandidate(BaseModel):
    location: str
    priority: int
    region_match: bool
    can_ship_all: bool
    units: int


class RoutingPublic(BaseModel):
    reason: str
    candidates: list[RoutingCandidate]


class OrderPublic(BaseModel):
    id: int
    channel: str
    external_id: str
    status: OrderStatus
    placed_at: datetime
    ship_by: datetime | None
    region: str | None
    lines: list[OrderLinePublic]
    allocations: list[AllocationPublic]
    routing: RoutingPublic


class OrderPage(BaseModel):
    items: list[OrderPublic]
    next_cursor: str | None


class BatchResult(BaseModel):
    index: int
    status: int = Field(description="What POST /v1/orders would have answered for this order.")
    order: OrderPublic | None = None
    detail: str | None = None


class BatchResults(BaseModel):
    results: list[BatchResult]


class ConflictPublic(BaseModel):
    id: int
    order_id: int
    line_no: int
    channel: str
    external_id: str
    sku: str
    short: int = Field(description="Units short when the conflict arose.")
    status: Literal["proposed", "resolved"]
    resolution: dict[str, Any] | None = Field(
        description="action (reallocated, backorder, cancel), units taken from whom, and why."
    )
    decided_by: str | None = Field(description="policy:auto, or the API key that decided.")
    decided_at: datetime | None
    created_at: datetime


class ConflictDecision(Request):
    accept: bool = Field(description="Apply the proposal (worked out again against stock now).")
    action: Literal["backorder", "cancel"] | None = Field(
        default=None, description="Without accepting: settle the shortfall this way instead."
    )


class ConflictPage(BaseModel):
    items: list[ConflictPublic]
    next_cursor: str | None


class CancellationLinePublic(BaseModel):
    channel_sku: str = Field(description="The SKU as the platform names it.")
    quantity: int


class CancellationPublic(BaseModel):
    """Units stockpool cancelled (a conflict settled as cancel, or units cancelled here) that
    the platform must cancel too."""

    id: int
    channel: str
    external_id: str = Field(description="The platform's order id.")
    order_id: int
    lines: list[CancellationLinePublic]
    reason: str = Field(description="Who or what settled the units as cancel.")
    state: Literal["queued", "done", "manual", "failed"] = Field(
        description="queued: waiting for the worker; done: the platform (or a person) cancelled "
        "them; manual: a person must, as detail says, then POST .../done; failed: the platform "
        "could not be reached, tried again at next_attempt_at."
    )
    attempts: int
    next_attempt_at: datetime | None
    detail: str | None = Field(description="What the platform said, or what to do by hand.")
    created_at: datetime
    updated_at: datetime


class CancellationPage(BaseModel):
    items: list[CancellationPublic]
    next_cursor: str | None


class FulfilmentLine(Request):
    sku: SkuCode
    quantity: Quantity


class Fulfilment(Request):
    """Which units: lines per SKU, or none for everything (open units to cancel, committed
    units to ship)."""

    lines: list[FulfilmentLine] | None = Field(default=None, max_length=200)


class ShortPick(Request):
    """The picker found fewer units than were committed at a location."""

    sku: SkuCode
    location: LocationCode
    missing: Quantity
