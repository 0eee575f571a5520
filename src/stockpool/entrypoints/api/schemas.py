"""Request and response bodies. Requests forbid unknown fields so a typo is an error, not a no-op."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StrictInt

from stockpool.domain.access import Role
from stockpool.domain.catalog import LocationKind
from stockpool.domain.movements import Reason
from stockpool.domain.states import State

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


# Catalog


class SkuPut(Request):
    name: str = Field(default="", max_length=200)
    barcode: str | None = Field(default=None, max_length=64)


class SkuPublic(BaseModel):
    sku: str
    name: str
    barcode: str | None


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


class LocationPublic(BaseModel):
    code: str
    kind: LocationKind
    name: str
    channels: list[str]
    priority: int
    region: str | None


class LocationList(BaseModel):
    items: list[LocationPublic]


# Stock


class ReceiptCreate(Request):
    sku: str
    location: str
    quantity: Quantity
    state: Literal["available", "quality_control"] = "available"
    from_incoming: bool = Field(
        default=False,
        description="Receive units that were incoming here (a transfer or purchase order).",
    )
    reference: Reference = None


class AdjustmentCreate(Request):
    sku: str
    location: str
    quantity: SignedQuantity
    reason: Literal[
        "shrinkage", "found", "damage", "write_off", "correction", "purchase_order", "other"
    ]
    state: AdjustableState = "available"
    reference: Reference = None


class MoveCreate(Request):
    sku: str
    location: str
    quantity: Quantity
    from_state: ManualState
    to_state: ManualState
    reason: Reason | None = Field(default=None, description="Defaults from the states involved.")
    reference: Reference = None


class TransferCreate(Request):
    sku: str
    from_location: str
    to_location: str
    quantity: Quantity
    state: ManualState = "available"
    reference: Reference = None


class CountLineIn(Request):
    sku: str
    counted: Level


class CountCreate(Request):
    """One SKU (sku and counted) or several (lines), counted on hand at one location."""

    location: str
    sku: str | None = None
    counted: Level | None = None
    lines: list[CountLineIn] | None = Field(default=None, max_length=10_000)
    reference: Reference = None


class SafetyStockPut(Request):
    sku: str
    location: str
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


class StockChangePublic(BaseModel):
    movements: list[MovementPublic]
    balances: list[BalancePublic] = Field(description="Each touched balance after the change.")
    counts: list[CountResultPublic]


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
