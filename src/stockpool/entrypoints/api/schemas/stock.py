"""Stock movements and what they leave: balances, counts, the ledger."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field

from stockpool.domain.movements import Reason
from stockpool.domain.states import State
from stockpool.entrypoints.api.schemas.common import (
    AdjustableState,
    Level,
    LocationCode,
    ManualState,
    Quantity,
    Reference,
    Request,
    SignedQuantity,
    SkuCode,
)

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
