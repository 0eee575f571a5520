"""Bodies of the availability routes: policies, listings, the explained numbers, sync reports."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field, StrictFloat, StrictInt

from stockpool.entrypoints.api.schemas import Request, SkuCode

Units = StrictInt


class PolicyPut(Request):
    """Every field may be left out or null: the default (on a channel) or the channel's value
    (on a SKU). PUT replaces the whole policy."""

    share_percent: StrictInt | None = Field(
        default=None, description="Show at most this share of the eligible pool (1-100)."
    )
    buffer: Units | None = Field(
        default=None,
        description="Hold back exactly this many units, instead of the risk model's buffer.",
    )
    cap: Units | None = Field(default=None, description="Never show more than this.")
    floor: Units | None = Field(
        default=None, description="Show 0 while the eligible pool is at or below this."
    )
    ring_fence: Units | None = Field(
        default=None, description="Units kept for this channel alone: others do not see them."
    )
    priority: StrictInt | None = Field(
        default=None,
        description="Weight of this channel's claim on the last units (1-1000, default 1): "
        "near the last units the pool is split by priority x demand.",
    )
    cancellation_cost: StrictInt | None = Field(
        default=None,
        description="What a seller cancellation costs here (relative points; on a channel it "
        "is the channel's own). Weighs conflicts, and sets the default epsilon (0.5 / cost).",
    )
    epsilon: StrictFloat | StrictInt | None = Field(
        default=None,
        description="The chance of overselling to aim for while sync is late (e.g. 0.01).",
    )


class PolicyPublic(BaseModel):
    channel: str
    sku: str | None = Field(description="Set for a SKU's override; null for the channel's own.")
    share_percent: int | None
    buffer: int | None
    cap: int | None
    floor: int | None
    ring_fence: int | None
    priority: int | None
    cancellation_cost: int | None
    epsilon: float | None


class ListingPut(Request):
    sku: SkuCode
    inventory_item_id: str | None = Field(
        default=None, max_length=100, description="Shopify: the inventory item (required)."
    )
    location_id: str | None = Field(
        default=None,
        max_length=100,
        description="Shopify: the location whose available quantity stockpool sets (required).",
    )
    fulfillment_channel: str | None = Field(
        default=None,
        max_length=100,
        description="Amazon: DEFAULT for seller-fulfilled (the default), or AMAZON_NA...",
    )
    ship_node: str | None = Field(default=None, max_length=100, description="Walmart.")


class PendingPublic(BaseModel):
    channel: str
    channel_sku: str
    sku: str
    quantity: int = Field(description="The latest number the listing should show.")
    version: int = Field(description="Send it back with the push, to clear just this number.")
    queued_at: datetime = Field(description="Since when a change has waited to be pushed.")
    changed_at: datetime


class ListingPublic(BaseModel):
    channel: str
    channel_sku: str
    sku: str
    inventory_item_id: str | None
    location_id: str | None
    fulfillment_channel: str | None
    ship_node: str | None
    pushed_quantity: int | None = Field(description="The number last pushed and accepted.")
    pushed_at: datetime | None
    confirmed_quantity: int | None = Field(description="What the platform was last seen to show.")
    confirmed_at: datetime | None
    pending: PendingPublic | None = Field(description="A number waiting to be pushed, if any.")


class ListingPage(BaseModel):
    items: list[ListingPublic]
    next_cursor: str | None


class ListingImported(BaseModel):
    rows: int
    created: int
    remapped: int = Field(description="Channel SKUs that now map to another SKU than before.")


class UnmappedPublic(BaseModel):
    channel: str
    channel_sku: str
    orders: int = Field(description="Orders refused for naming it.")
    last_external_id: str
    first_seen_at: datetime
    last_seen_at: datetime


class UnmappedPage(BaseModel):
    items: list[UnmappedPublic]
    next_cursor: str | None


# The explained numbers


class PoolPublic(BaseModel):
    eligible: int = Field(description="Available at the locations serving the channel.")
    exclusive: int = Field(description="Of which only this channel can sell.")
    ring_fenced: int
    held_back_stale_snapshots: int


class DemandPublic(BaseModel):
    units_per_hour: float = Field(description="This channel's demand, as used.")
    measured_units_per_hour: float
    floored: bool = Field(description="The floor for new SKUs set it (measured is lower).")
    rivals_units_per_hour: float = Field(description="What the other channels sell, as used.")


class LagPublic(BaseModel):
    seconds: float
    source: Literal["measured", "default"]
    samples: int


class GroupPublic(BaseModel):
    locations: list[str]
    channels: list[str]
    units: int
    mode: Literal["risk", "partition"]
    shown: int
    window_mean: float = Field(
        description="Expected sales of the group, this channel's own included, during its lag."
    )
    quantile: int = Field(description="Units held back: the (1 - epsilon) quantile of those.")
    stale_exposure: int = Field(description="Units stale rivals may still sell.")
    slice: int = Field(
        description="This channel's partition slice of the group, shared out on top of what "
        "each channel's open orders hold in it."
    )
    taken: int = Field(description="Units this channel's open orders hold in the group.")
    shrink_mean: float = Field(
        description="Units the group's locations may have lost unseen since their last counts "
        "(measured shrink rate x hours since the count), a Poisson mean added to the window."
    )
    shrink_held: int = Field(
        description="Units of the group this channel shows fewer for that possible shrinkage."
    )


class ShrinkLocationPublic(BaseModel):
    location: str
    units_per_hour: float = Field(
        description="Units its counts found missing per hour they covered (measured)."
    )
    hours_since_count: float = Field(description="Hours since the SKU was last counted here.")
    expected_missing: float = Field(description="Units that may be gone unseen since then.")


class ShrinkagePublic(BaseModel):
    held: int = Field(description="Units held back for possible shrinkage, over all groups.")
    locations: list[ShrinkLocationPublic] = Field(
        description="The channel's locations where counts measured shrinkage."
    )


class BufferPublic(BaseModel):
    units: int = Field(description="Units of the pool held back before caps and floors.")
    source: Literal["risk_model", "partition", "policy", "none"]
    epsilon: float
    epsilon_default: bool
    groups: list[GroupPublic]


class LimitPublic(BaseModel):
    rule: Literal["share_percent", "cap", "floor"]
    value: int
    before: int
    after: int


class BundlePublic(BaseModel):
    made_from: int = Field(description="Bundles the components' advertised numbers make.")
    scarcest: str | None
    pool: int = Field(description="Bundles the components make at the channel's locations.")


class HealthPublic(BaseModel):
    status: Literal["ok", "failing", "stale"]
    reasons: list[str]


class ListingSyncPublic(BaseModel):
    channel_sku: str
    pushed_quantity: int | None
    pushed_at: datetime | None
    confirmed_quantity: int | None
    confirmed_at: datetime | None


class ChannelAvailability(BaseModel):
    channel: str
    advertised: int = Field(description="The number this channel should show.")
    recorded: int | None = Field(description="The number stockpool last recorded (and queued).")
    mode: Literal["risk", "partition", "exclusive", "bundle"]
    pool: PoolPublic | None
    demand: DemandPublic
    lag: LagPublic
    buffer: BufferPublic | None
    limits: list[LimitPublic]
    bundle: BundlePublic | None
    health: HealthPublic
    listings: list[ListingSyncPublic]
    shrinkage: ShrinkagePublic
    why: str = Field(description="The same, in a sentence or two.")


class SkuAvailabilityPublic(BaseModel):
    sku: str
    computed_at: datetime | None = Field(description="When the recorded numbers were decided.")
    channels: list[ChannelAvailability]


# Sync


class PushIn(Request):
    channel_sku: str = Field(min_length=1, max_length=200)
    quantity: StrictInt = Field(ge=0)
    version: StrictInt | None = Field(default=None, description="From the outbox entry pushed.")
    ok: bool
    at: datetime | None = None
    error: str | None = Field(default=None, max_length=500)


class ReadingIn(Request):
    channel_sku: str = Field(min_length=1, max_length=200)
    quantity: StrictInt = Field(ge=0)
    at: datetime | None = None


class FeedIn(Request):
    feed_id: str = Field(min_length=1, max_length=200)
    status: Literal["processing", "done", "failed"]
    at: datetime | None = None


class SyncReport(Request):
    pushes: list[PushIn] = Field(default_factory=list, max_length=10_000)
    readings: list[ReadingIn] = Field(default_factory=list, max_length=10_000)
    feeds: list[FeedIn] = Field(default_factory=list, max_length=100)


class SyncReported(BaseModel):
    pushes: int
    readings: int
    feeds: int
    unknown_channel_skus: list[str]
    lag_samples_seconds: list[float]


class OutboxPage(BaseModel):
    items: list[PendingPublic]
    next_cursor: str | None


class DriftPublic(BaseModel):
    channel: str
    channel_sku: str
    expected: int = Field(description="The number last pushed (the platform accepted it).")
    shown: int | None = Field(description="What the platform showed instead (null: not listed).")
    readings: int = Field(description="Readings in a row that showed another number.")
    first_seen_at: datetime
    last_seen_at: datetime


class DriftPage(BaseModel):
    items: list[DriftPublic]
    next_cursor: str | None


class LagPercentilesPublic(BaseModel):
    p50_seconds: float
    p99_seconds: float
    samples: int


class ChannelHealthPublic(BaseModel):
    channel: str
    status: Literal["ok", "failing", "stale"]
    reasons: list[str]
    lag: LagPublic
    last_success_at: datetime | None
    last_failure_at: datetime | None
    last_error: str | None
    failures_in_row: int
    oldest_waiting_at: datetime | None
    lag_recent: LagPercentilesPublic | None = Field(
        description="p50 and p99 of the lags measured over the last 24 hours (null: none)."
    )
    circuit: Literal["closed", "open", "half_open"] = Field(
        description="The connector's circuit breaker, as the worker holding the channel told."
    )
    circuit_since: datetime | None
    throttled: int = Field(description='Answers where the platform said "slow down", in all.')
    throttled_at: datetime | None
