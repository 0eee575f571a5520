"""SKUs and locations, API keys, and /health."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Literal

from pydantic import BaseModel, Field, StrictBool, StrictInt

from stockpool.domain.access import Role
from stockpool.domain.catalog import (
    LocationKind,
)
from stockpool.entrypoints.api.schemas.common import (
    Request,
    SkuCode,
)

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
    restock_on_receipt: StrictBool = Field(
        default=False,
        description="Returns of this SKU skip the QC queue: each is inspected as restock (by "
        "actor restock_on_receipt) as it is received, so its units are available at once.",
    )
    unit_cost: Decimal | str | None = Field(
        default=None,
        description='What a unit is worth, as a decimal string ("12.50") or a number: 0 or '
        "more, below 1,000,000,000, at most 4 decimals. Count sessions value their variance "
        "with it (STOCKPOOL_COUNT_APPROVAL_VALUE). Null: not priced. Like every field, "
        "leaving it out of a PUT clears it.",
        json_schema_extra={"examples": ["12.50"]},
    )


class ComponentPublic(BaseModel):
    sku: str
    units: int


class SkuPublic(BaseModel):
    sku: str
    name: str
    barcode: str | None
    components: list[ComponentPublic] = Field(description="Empty unless the SKU is a bundle.")
    restock_on_receipt: bool
    unit_cost: str | None = Field(
        description='A decimal string with 4 decimals ("12.5000"); null: not priced.'
    )


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
        description="For a 3PL or marketplace that reports stock snapshots (POST "
        "/v1/locations/{code}/snapshots, or counts): how old the last one may get before part "
        "of its stock stops counting as available (STOCKPOOL_STALE_SNAPSHOT_HOLDBACK_PERCENT). "
        "Null: it reports none.",
    )


class LocationPublic(BaseModel):
    code: str
    kind: LocationKind
    name: str
    channels: list[str]
    priority: int
    region: str | None
    snapshot_max_age_seconds: int | None
    snapshot_at: datetime | None = Field(
        default=None,
        description="When the last snapshot applied here was taken (its as_of), or the last "
        "count for a location that reports snapshots.",
    )
    snapshot_age_seconds: int | None = Field(
        default=None,
        description="How old that snapshot is now; past snapshot_max_age_seconds, part of the "
        "location's stock stops counting as available.",
    )


class LocationList(BaseModel):
    items: list[LocationPublic]


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
