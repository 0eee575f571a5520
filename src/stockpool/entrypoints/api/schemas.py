"""Request and response bodies. Requests forbid unknown fields so a typo is an error, not a no-op."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StrictInt

from stockpool.domain.access import Role
from stockpool.domain.catalog import (
    CHANNEL_MAX,
    CHANNEL_PATTERN,
    CODE_PATTERN,
    LOCATION_MAX,
    SKU_MAX,
    LocationKind,
)
from stockpool.domain.channels import Platform
from stockpool.domain.movements import Reason
from stockpool.domain.orders import OrderStatus
from stockpool.domain.states import State


def _documented_code(limit: int, description: str) -> Any:
    """A code field whose pattern is documented; the domain checks it, with a clearer message."""
    return Field(
        description=description,
        json_schema_extra={"pattern": CODE_PATTERN, "minLength": 1, "maxLength": limit},
    )


SkuCode = Annotated[str, _documented_code(SKU_MAX, "The seller's SKU code.")]
LocationCode = Annotated[str, _documented_code(LOCATION_MAX, "A location code, e.g. DAL-1.")]
Quantity = Annotated[StrictInt, Field(gt=0, description="Whole units, more than 0.")]
Level = Annotated[StrictInt, Field(ge=0, description="Whole units, 0 or more.")]
SignedQuantity = Annotated[StrictInt, Field(description="Positive adds units, negative removes.")]
Reference = Annotated[
    str | None,
    Field(default=None, max_length=200, description="Your document: PO, RMA, count sheet..."),
]
ManualState = Literal["available", "quality_control", "damaged", "safety_stock"]
AdjustableState = Literal["available", "quality_control", "damaged", "safety_stock", "incoming"]


class Request(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ErrorPublic(BaseModel):
    """Every error: a sentence saying what was wrong and how to fix it."""

    detail: str
    errors: list[dict[str, Any]] | None = Field(
        default=None, description="For a 422 from validation: each problem, where and why."
    )


_ERROR = {"model": ErrorPublic}
ERROR_RESPONSES: dict[int | str, dict[str, Any]] = {
    400: {**_ERROR, "description": "The body could not be read as text"},
    401: {**_ERROR, "description": "No API key, or an unknown or revoked one"},
    403: {**_ERROR, "description": "The key's role may not do this"},
    404: {**_ERROR, "description": "Unknown SKU, location or key"},
    409: {
        **_ERROR,
        "description": "Not enough stock, or an Idempotency-Key reused for another request",
    },
    413: {**_ERROR, "description": "Request body too large"},
    415: {
        **_ERROR,
        "description": "A body sent without the content type the route reads "
        "(application/json; text/csv for an import)",
    },
    422: {**_ERROR, "description": "Invalid request"},
}


# Catalog


class ComponentIn(Request):
    sku: SkuCode
    units: StrictInt = Field(ge=1, le=10_000, description="Of this SKU in one bundle.")


class SkuPut(Request):
    name: str = Field(default="", max_length=200)
    barcode: str | None = Field(default=None, max_length=64)
    components: list[ComponentIn] = Field(
        default_factory=list,
        max_length=50,
        description="Makes the SKU a bundle of these SKUs: it holds no stock of its own, its "
        "availability is what its components make, and ordering it takes its components.",
    )


class ComponentPublic(BaseModel):
    sku: str
    units: int


class SkuPublic(BaseModel):
    sku: str
    name: str
    barcode: str | None
    components: list[ComponentPublic] = Field(description="Empty unless the SKU is a bundle.")


class SkuPage(BaseModel):
    items: list[SkuPublic]
    next_cursor: str | None = Field(
        description="Pass as cursor for the next page; null at the end."
    )


class LocationPut(Request):
    kind: LocationKind
    name: str = Field(default="", max_length=200)
    channels: list[str] = Field(
        default_factory=list, description="Channel codes this location serves; empty means all."
    )
    priority: StrictInt = Field(default=100, description="Lower ships first when routing.")
    region: str | None = Field(default=None, max_length=32)
    snapshot_max_age_seconds: StrictInt | None = Field(
        default=None,
        description="For a 3PL or marketplace that reports stock snapshots (posted as counts "
        "here): how old the last one may get before part of its stock stops counting as "
        "available (STOCKPOOL_STALE_SNAPSHOT_HOLDBACK_PERCENT). Null: it reports none.",
    )


class LocationPublic(BaseModel):
    code: str
    kind: LocationKind
    name: str
    channels: list[str]
    priority: int
    region: str | None
    snapshot_max_age_seconds: int | None


class LocationList(BaseModel):
    items: list[LocationPublic]


# Stock


class ReceiptCreate(Request):
    sku: SkuCode
    location: LocationCode
    quantity: Quantity
    state: Literal["available", "quality_control"] = "available"
    from_incoming: bool = Field(
        default=False,
        description="Receive units that were incoming here (a transfer or purchase order).",
    )
    reference: Reference = None


class AdjustmentCreate(Request):
    sku: SkuCode
    location: LocationCode
    quantity: SignedQuantity
    reason: Literal[
        "shrinkage", "found", "damage", "write_off", "correction", "purchase_order", "other"
    ]
    state: AdjustableState = "available"
    reference: Reference = None
    eta: datetime | None = Field(
        default=None,
        description="For units added to incoming (a purchase order): when they should land. "
        "Short orders whose ship-by allows may wait for them instead of being cancelled.",
    )


class MoveCreate(Request):
    sku: SkuCode
    location: LocationCode
    quantity: Quantity
    from_state: ManualState
    to_state: ManualState
    reason: Reason | None = Field(default=None, description="Defaults from the states involved.")
    reference: Reference = None


class TransferCreate(Request):
    sku: SkuCode
    from_location: LocationCode
    to_location: LocationCode
    quantity: Quantity
    state: ManualState = "available"
    reference: Reference = None
    eta: datetime | None = Field(
        default=None, description="When the units should land at to_location."
    )


class CountLineIn(Request):
    sku: SkuCode
    counted: Level


class CountCreate(Request):
    """One SKU (sku and counted) or several (lines), counted on hand at one location."""

    location: LocationCode
    sku: SkuCode | None = None
    counted: Level | None = None
    lines: list[CountLineIn] | None = Field(default=None, max_length=10_000)
    reference: Reference = None


class SafetyStockPut(Request):
    sku: SkuCode
    location: LocationCode
    quantity: Level = Field(description="Units to hold back at this location (0 releases all).")
    reference: Reference = None


class MovementPublic(BaseModel):
    id: int
    at: datetime
    sku: str
    location: str
    from_state: State | None
    to_state: State | None
    quantity: int
    reason: Reason
    reference: str | None
    actor: str


class Quantities(BaseModel):
    available: int
    reserved: int
    committed: int
    quality_control: int
    damaged: int
    safety_stock: int
    incoming: int
    on_hand: int


class BalancePublic(Quantities):
    sku: str
    location: str


class LocationStock(Quantities):
    location: str


class CountResultPublic(BaseModel):
    sku: str
    expected: int
    counted: int
    variance: int


class TakenPublic(BaseModel):
    sku: str
    location: str
    units: int
    order_id: int | None = Field(description="The order whose line lost the units, if any.")
    line_no: int | None
    reservation_id: int | None = Field(description="The hold that lost the units, if any.")


class StockChangePublic(BaseModel):
    movements: list[MovementPublic]
    balances: list[BalancePublic] = Field(description="Each touched balance after the change.")
    counts: list[CountResultPublic]
    taken: list[TakenPublic] = Field(
        description="Units a count found missing that orders or holds owned, and whose they "
        "were: those lines are short (routed again or settled as conflicts), those holds smaller."
    )


class SkuStockPublic(BaseModel):
    sku: str
    totals: Quantities
    locations: list[LocationStock]


class LedgerPage(BaseModel):
    items: list[MovementPublic]
    next_cursor: str | None


# Keys


class KeyCreate(Request):
    role: Role
    name: str = Field(default="", max_length=200)


class KeyPublic(BaseModel):
    id: str
    name: str
    role: Role
    created_at: datetime
    revoked_at: datetime | None


class KeyCreated(KeyPublic):
    key: str = Field(description="The secret. Shown only now; store it.")


class KeyList(BaseModel):
    items: list[KeyPublic]


class Health(BaseModel):
    status: Literal["ok"]
    database: str
    schema_revision: str | None


# Channels and orders

ChannelCode = Annotated[
    str,
    Field(
        description="A channel code, e.g. shopify or amazon-us.",
        json_schema_extra={"pattern": CHANNEL_PATTERN, "minLength": 1, "maxLength": CHANNEL_MAX},
    ),
]


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


class ChannelPublic(BaseModel):
    code: str
    platform: Platform
    name: str
    cancellation_cost: int
    split_allowed: bool


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
