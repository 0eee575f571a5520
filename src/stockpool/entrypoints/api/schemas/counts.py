"""Count sessions: opening one, the lines counters send, and a count as it stands."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field

from stockpool.domain.count_sessions import COUNT_SKUS_MAX
from stockpool.entrypoints.api.schemas.common import Level, LocationCode, Request, SkuCode
from stockpool.entrypoints.api.schemas.stock import CountLineIn, StockChangePublic

CountStatusName = Literal["open", "awaiting_approval", "posted", "cancelled"]
ThresholdName = Literal["units", "value"]


class CountOpen(Request):
    """A count of some SKUs at one location; blind hides expected quantities until submitted."""

    location: LocationCode
    skus: list[SkuCode] = Field(min_length=1, max_length=COUNT_SKUS_MAX)
    blind: bool = False


class CountLinesIn(Request):
    """One SKU (sku and counted) or several (lines). A SKU sent again replaces its line."""

    sku: SkuCode | None = None
    counted: Level | None = None
    lines: list[CountLineIn] | None = Field(default=None, max_length=COUNT_SKUS_MAX)


class CountLinePublic(BaseModel):
    sku: str
    counted: int | None = Field(description="The latest total counted; null until counted.")
    expected: int | None = Field(
        description="On hand in the ledger when the line was counted (hidden on a blind count "
        "until it is submitted)."
    )
    variance: int | None = Field(description="counted - expected; what posting applies.")
    counted_by: str | None
    counted_at: datetime | None
    unit_cost: str | None = Field(
        description="The SKU's unit cost when the line was counted (a decimal string); null: "
        "unpriced, or not counted yet."
    )


class CountPublic(BaseModel):
    id: int
    location: str
    blind: bool
    threshold: int = Field(
        description="Units of variance on a line above which approval is needed."
    )
    value_threshold: str | None = Field(
        description="Value of the count's variances (a decimal string) above which approval is "
        "needed; null: no value limit. Both thresholds are the location's when the count opened."
    )
    variance_value: str | None = Field(
        description="Sum of |variance| x unit_cost over the counted lines, a decimal string; "
        "unpriced SKUs count 0. Hidden like variance on a blind count until submitted."
    )
    unpriced: list[str] = Field(
        description="Counted SKUs that had no unit_cost: their variance counts 0 to the value."
    )
    over_thresholds: list[ThresholdName] = Field(
        description="Which thresholds the variances are above, and so why the count waits (or "
        "waited) for approval: units, value, both, or none. Hidden on a blind count until "
        "submitted."
    )
    status: CountStatusName
    lines: list[CountLinePublic]
    opened_by: str
    opened_at: datetime
    submitted_by: str | None
    approved_by: str | None
    cancelled_by: str | None
    updated_at: datetime | None
    posted: StockChangePublic | None = Field(
        default=None, description="The stock change, in the answer of the write that posted it."
    )


class CountPage(BaseModel):
    items: list[CountPublic]
    next_cursor: str | None
