"""Snapshots a 3PL or marketplace reports: what it held at a location at a time."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field

from stockpool.entrypoints.api.schemas.common import Level, Request, SkuCode
from stockpool.entrypoints.api.schemas.stock import MovementPublic

SNAPSHOT_ROWS_MAX = 50_000


class SnapshotRowIn(Request):
    sku: SkuCode
    on_hand: Level
    quality_control: Level | None = Field(default=None, description="Reconciled on its own.")
    damaged: Level | None = Field(default=None, description="Reconciled on its own.")
    safety_stock: Level | None = Field(default=None, description="Reconciled on its own.")


class SnapshotCreate(Request):
    as_of: datetime = Field(description="When the 3PL took the snapshot (with a UTC offset).")
    reference: str = Field(
        min_length=1,
        max_length=200,
        description="The 3PL's file or report id: the same reference again is a replay.",
    )
    partial: bool = Field(
        default=False,
        description="Reconcile only the SKUs listed. Otherwise a SKU held here and not listed "
        "was counted at 0, as a 3PL's stock file means.",
    )
    rows: list[SnapshotRowIn] = Field(max_length=SNAPSHOT_ROWS_MAX)


class SnapshotLinePublic(BaseModel):
    sku: str
    expected: int = Field(description="On hand in the ledger as of the snapshot.")
    reported: int
    variance: int
    unreconciled: int = Field(
        description="Units of a shortfall no state held any more (gone since as_of)."
    )


class SnapshotHeaderPublic(BaseModel):
    location: str
    reference: str
    as_of: datetime
    applied_at: datetime
    partial: bool
    rows: int
    movements: int
    actor: str


class SnapshotPublic(SnapshotHeaderPublic):
    lines: list[SnapshotLinePublic]
    ledger: list[MovementPublic] = Field(
        description="The snapshot_reconcile movements written (and backorders they filled)."
    )


class SnapshotList(BaseModel):
    items: list[SnapshotHeaderPublic]
