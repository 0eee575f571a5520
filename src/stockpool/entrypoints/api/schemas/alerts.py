"""Alerts, webhook subscribers and their deliveries."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field

from stockpool.entrypoints.api.schemas.common import Request

AlertKind = Literal[
    "stockout_ahead",
    "oversell_risk",
    "drift_persisting",
    "sync_stale",
    "snapshot_stale",
    "qc_backlog",
    "conflicts_waiting",
]


class AlertPublic(BaseModel):
    id: int
    kind: AlertKind
    subject: str = Field(description="sku:X, channel:Y, location:Z, sku:X/channel:Y or conflicts.")
    severity: Literal["warning", "critical"]
    message: str = Field(description="What holds and what to do about it.")
    sku: str | None
    channel: str | None
    location: str | None
    since: datetime = Field(description="When the condition began, as far as it is known.")
    raised_at: datetime
    resolved_at: datetime | None
    status: Literal["open", "resolved"]


class AlertPage(BaseModel):
    items: list[AlertPublic]
    next_cursor: str | None


class WebhookCreate(Request):
    url: str = Field(max_length=2000, description="http(s) address the events are POSTed to.")
    kinds: list[AlertKind] | None = Field(
        default=None, min_length=1, description="Only these alert kinds (left out: all)."
    )
    description: str = Field(default="", max_length=200)


class WebhookPublic(BaseModel):
    id: int
    url: str
    kinds: list[AlertKind] | None
    description: str
    created_at: datetime


class WebhookCreated(WebhookPublic):
    secret: str = Field(
        description="The signing secret: shown in this answer only. Verify each delivery's "
        "Stockpool-Signature with it (docs/alerts.md)."
    )


class WebhookList(BaseModel):
    items: list[WebhookPublic]


class DeliveryPublic(BaseModel):
    id: int = Field(description="Sent as Stockpool-Delivery: the same on every retry.")
    event: Literal["alert.raised", "alert.resolved"]
    alert_id: int
    status: Literal["pending", "delivered", "failed"]
    attempts: int
    last_status_code: int | None
    last_error: str | None
    next_attempt_at: datetime | None
    delivered_at: datetime | None
    created_at: datetime


class DeliveryPage(BaseModel):
    items: list[DeliveryPublic]
    next_cursor: str | None


class ChannelPacePublic(BaseModel):
    channel: str
    units_per_day: float = Field(description="The kept demand rate, decayed to now.")
    fast_units_per_day: float = Field(
        description="The same from the recent sales with the fast half-life."
    )


class LotPublic(BaseModel):
    units: int
    eta: datetime | None = Field(description="When it is expected (null: not known).")


class ForecastPublic(BaseModel):
    sku: str
    as_of: datetime
    half_life_hours: float
    fast_half_life_hours: float
    channels: list[ChannelPacePublic]
    sellable: int = Field(description="Available units, all locations together.")
    units_per_day: float = Field(description="All channels together, at the kept rates.")
    fast_units_per_day: float
    days_of_cover: float | None = Field(description="sellable / units_per_day; null: no sales.")
    fast_days_of_cover: float | None
    stockout_at: datetime | None = Field(
        description="When it runs out at units_per_day, counting the lots that land before."
    )
    stockout_without_lots_at: datetime | None
    lots: list[LotPublic]
    lots_in_time: int = Field(description="Incoming units that land before the shelf is empty.")
    lots_late: int = Field(description="Incoming units that land after it, or have no date.")
