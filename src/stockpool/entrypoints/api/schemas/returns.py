"""Returns and their inspections: the QC queue."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field

from stockpool.domain.returns import Disposition, ReturnStatus
from stockpool.entrypoints.api.schemas.common import (
    ChannelCode,
    LocationCode,
    Quantity,
    Reference,
    Request,
    SkuCode,
)

DispositionName = Literal["restock", "damaged", "dispose", "return_to_vendor"]


class ReturnLineIn(Request):
    sku: SkuCode
    quantity: Quantity


class ReturnCreate(Request):
    """Units a buyer sent back of a shipped order, received into quality_control at location."""

    channel: ChannelCode
    order_external_id: str = Field(max_length=100, description="The channel's order id.")
    location: LocationCode
    lines: list[ReturnLineIn] = Field(min_length=1, max_length=200)
    reason: str = Field(max_length=200, description="Why the buyer sent it back.")


class InspectionCreate(Request):
    """What inspecting units of a return found them fit for."""

    sku: SkuCode
    quantity: Quantity
    disposition: DispositionName = Field(
        description="restock: to available; damaged: to damaged; dispose: out of stock; "
        "return_to_vendor: out of stock, to the vendor (reference required)."
    )
    reference: Reference


class ReturnLinePublic(BaseModel):
    sku: str
    quantity: int = Field(description="Units returned.")
    inspected: int
    awaiting: int = Field(description="Units still in quality_control for this return.")


class InspectionPublic(BaseModel):
    id: int
    sku: str
    quantity: int
    disposition: Disposition
    reference: str | None
    actor: str
    at: datetime


class ReturnPublic(BaseModel):
    id: int
    channel: str
    order_external_id: str
    order_id: int
    location: str
    reason: str
    status: ReturnStatus = Field(
        description="awaiting_inspection until every unit is inspected, then inspected."
    )
    platform_return_id: str | None = Field(
        description="The platform's id for a return it reported (null: opened in stockpool)."
    )
    created_at: datetime
    age_seconds: int = Field(description="How long since the return was received.")
    awaiting: int = Field(description="Units still awaiting inspection.")
    overdue: bool = Field(
        description="Awaiting inspection longer than STOCKPOOL_RETURNS_OVERDUE_HOURS."
    )
    lines: list[ReturnLinePublic]
    inspections: list[InspectionPublic] = Field(
        description="Every inspection, oldest first (left empty in the list of returns)."
    )


class ReturnPage(BaseModel):
    items: list[ReturnPublic]
    next_cursor: str | None
