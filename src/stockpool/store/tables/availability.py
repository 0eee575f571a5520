"""What each channel may show, the policies deciding it, and the sync that carries it to the
platforms."""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    BigInteger,
    CheckConstraint,
    Column,
    Float,
    ForeignKey,
    ForeignKeyConstraint,
    Index,
    Integer,
    String,
    Table,
)

from stockpool.domain.catalog import CHANNEL_MAX, LOCATION_MAX, SKU_MAX
from stockpool.store.tables.base import OrderId, UtcDateTime, metadata

# Availability: what each channel may show, the policies deciding it, and the sync that carries it
# to the platforms.

_POLICY_COLUMNS = (
    ("share_percent", Integer),
    ("buffer", BigInteger),
    ("cap", BigInteger),
    ("floor", BigInteger),
    ("ring_fence", BigInteger),
    ("priority", Integer),
    ("epsilon", Float),
)


def _policy_columns(*, with_cost: bool) -> list[Column[object]]:
    columns: list[Column[object]] = [
        Column(name, kind, nullable=True) for name, kind in _POLICY_COLUMNS
    ]
    if with_cost:
        columns.append(Column("cancellation_cost", Integer, nullable=True))
    return columns


# A channel's policy (its cancellation cost lives on the channel); a column left NULL is the
# default behaviour.
channel_policies = Table(
    "channel_policies",
    metadata,
    Column("channel", String(CHANNEL_MAX), ForeignKey("channels.code"), primary_key=True),
    *_policy_columns(with_cost=False),
    Column("updated_at", UtcDateTime, nullable=False),
)

# A SKU's override of one channel's policy; a column left NULL inherits the channel's.
sku_policies = Table(
    "sku_policies",
    metadata,
    Column("sku", String(SKU_MAX), ForeignKey("skus.code"), primary_key=True),
    Column("channel", String(CHANNEL_MAX), ForeignKey("channels.code"), primary_key=True),
    *_policy_columns(with_cost=True),
    Column("updated_at", UtcDateTime, nullable=False),
    Index("ix_sku_policies_channel", "channel"),
)

# A channel's SKU, mapped to exactly one stockpool SKU, with the platform's address for it and
# what the platform was last told and last seen to show.
listings = Table(
    "listings",
    metadata,
    Column("channel", String(CHANNEL_MAX), ForeignKey("channels.code"), primary_key=True),
    Column("channel_sku", String(200), primary_key=True),
    Column("sku", String(SKU_MAX), ForeignKey("skus.code"), nullable=False),
    Column("inventory_item_id", String(100), nullable=True),
    Column("location_id", String(100), nullable=True),
    Column("fulfillment_channel", String(100), nullable=True),
    Column("ship_node", String(100), nullable=True),
    Column("pushed_quantity", BigInteger, nullable=True),
    Column("pushed_at", UtcDateTime, nullable=True),
    # When the number last pushed was decided: its confirmation measures the channel's lag.
    Column("pushed_changed_at", UtcDateTime, nullable=True),
    Column("confirmed_quantity", BigInteger, nullable=True),
    Column("confirmed_at", UtcDateTime, nullable=True),
    Column("created_at", UtcDateTime, nullable=False),
    Column("updated_at", UtcDateTime, nullable=False),
    Index("ix_listings_sku", "sku"),
)

# Channel SKUs that orders named but no listing maps: reported, never silently dropped.
unmapped_listings = Table(
    "unmapped_listings",
    metadata,
    Column("channel", String(CHANNEL_MAX), ForeignKey("channels.code"), primary_key=True),
    Column("channel_sku", String(200), primary_key=True),
    Column("orders", BigInteger, nullable=False),
    Column("last_external_id", String(100), nullable=False),
    Column("first_seen_at", UtcDateTime, nullable=False),
    Column("last_seen_at", UtcDateTime, nullable=False),
)

# Exponentially weighted demand per SKU and channel, in units per hour as of a moment.
demand = Table(
    "demand",
    metadata,
    Column("sku", String(SKU_MAX), ForeignKey("skus.code"), primary_key=True),
    Column("channel", String(CHANNEL_MAX), ForeignKey("channels.code"), primary_key=True),
    Column("units_per_hour", Float, nullable=False),
    Column("as_of", UtcDateTime, nullable=False),
)

# What counts of each SKU at each location found missing (domain.shrinkage.CountHistory), and
# the shrink rate that measures, kept by the count that posts in its own transaction: the
# availability decision reads units_per_hour and last_counted_at in the statement that reads the
# balances (repositories/inputs_query.py), so orders pay no statement for it.
shrinkage = Table(
    "shrinkage",
    metadata,
    Column("sku", String(SKU_MAX), ForeignKey("skus.code"), primary_key=True),
    Column("location", String(LOCATION_MAX), ForeignKey("locations.code"), primary_key=True),
    Column("missing", BigInteger, nullable=False),
    Column("first_counted_at", UtcDateTime, nullable=False),
    Column("last_counted_at", UtcDateTime, nullable=False),
    Column("units_per_hour", Float, nullable=False),
    CheckConstraint("missing >= 0", name="missing_not_negative"),
    CheckConstraint("units_per_hour >= 0", name="units_per_hour_not_negative"),
)

# What the counts of every SKU at a location found (domain.shrinkage.LocationShrinkage): the
# prior of each SKU's rate there, kept with the shrinkage rows.
location_shrinkage = Table(
    "location_shrinkage",
    metadata,
    Column("location", String(LOCATION_MAX), ForeignKey("locations.code"), primary_key=True),
    Column("missing", BigInteger, nullable=False),
    # No CHECK: a count writes what it adds (a surplus subtracts), and the row to insert
    # carries that difference before ON CONFLICT adds it (see repositories/shrinkage.py).
    Column("hours", Float, nullable=False),
)

# Each SKU's advertised numbers, one per channel, as canonical JSON text ({"amazon":5,...}): one
# row per SKU keeps a full recompute to one read and one comparison per SKU.
availability = Table(
    "availability",
    metadata,
    Column("sku", String(SKU_MAX), ForeignKey("skus.code"), primary_key=True),
    Column("advertised", String, nullable=False),
    Column("computed_at", UtcDateTime, nullable=False),
)

# The transactional outbox: per listing, the latest number it should show and has not been
# pushed. Coalesced by construction (one row per listing); version counts the changes, queued_at
# is the oldest change waiting.
sync_outbox = Table(
    "sync_outbox",
    metadata,
    Column("channel", String(CHANNEL_MAX), primary_key=True),
    Column("channel_sku", String(200), primary_key=True),
    Column("sku", String(SKU_MAX), nullable=False),
    Column("quantity", BigInteger, nullable=False),
    Column("version", BigInteger, nullable=False),
    Column("queued_at", UtcDateTime, nullable=False),
    Column("changed_at", UtcDateTime, nullable=False),
    # A push that failed is tried again after a backoff; a new number is tried at once.
    Column("attempts", Integer, nullable=False, server_default="0"),
    Column("next_attempt_at", UtcDateTime, nullable=True),
    Column("last_error", String(500), nullable=True),
    ForeignKeyConstraint(
        ["channel", "channel_sku"],
        ["listings.channel", "listings.channel_sku"],
        name="fk_sync_outbox_listing",
        ondelete="CASCADE",
    ),
    CheckConstraint("quantity >= 0", name="quantity_not_negative"),
    Index("ix_sync_outbox_channel_queued_at", "channel", "queued_at"),
)

# Per channel: the measured propagation lag, how pushes fare, and the health last judged.
channel_sync = Table(
    "channel_sync",
    metadata,
    Column("channel", String(CHANNEL_MAX), ForeignKey("channels.code"), primary_key=True),
    Column("lag_seconds", Float, nullable=True),
    Column("lag_samples", BigInteger, nullable=False, server_default="0"),
    Column("last_success_at", UtcDateTime, nullable=True),
    Column("last_failure_at", UtcDateTime, nullable=True),
    Column("last_error", String(500), nullable=True),
    Column("failures_in_row", Integer, nullable=False, server_default="0"),
    Column("status", String(16), nullable=False, server_default="ok"),
    Column("reasons", JSON, nullable=True),
    Column("checked_at", UtcDateTime, nullable=True),
    # The worker process pushing to the channel now, until when (a lapsed lease is taken over).
    Column("leased_by", String(200), nullable=True),
    Column("lease_until", UtcDateTime, nullable=True),
    Column("reconciled_at", UtcDateTime, nullable=True),
    # The connector's circuit breaker and throttling, as the worker holding the lease reports.
    Column("circuit", String(16), nullable=False, server_default="closed"),
    Column("circuit_since", UtcDateTime, nullable=True),
    Column("throttled", BigInteger, nullable=False, server_default="0"),
    Column("throttled_at", UtcDateTime, nullable=True),
    Column("vitals_at", UtcDateTime, nullable=True),
    CheckConstraint("status IN ('ok', 'failing', 'stale')", name="status"),
    CheckConstraint("circuit IN ('closed', 'open', 'half_open')", name="circuit"),
)

# Lags measured recently, one row each (a day's worth is kept): their percentiles show the slow
# tail the running average hides.
sync_lags = Table(
    "sync_lags",
    metadata,
    Column("id", OrderId, primary_key=True, autoincrement=True),
    Column("channel", String(CHANNEL_MAX), ForeignKey("channels.code"), nullable=False),
    Column("measured_at", UtcDateTime, nullable=False),
    Column("seconds", Float, nullable=False),
    Index("ix_sync_lags_channel_measured_at", "channel", "measured_at"),
)

# Bulk feeds submitted to a channel, while they process.
sync_feeds = Table(
    "sync_feeds",
    metadata,
    Column("channel", String(CHANNEL_MAX), ForeignKey("channels.code"), primary_key=True),
    Column("feed_id", String(200), primary_key=True),
    Column("status", String(16), nullable=False),
    Column("submitted_at", UtcDateTime, nullable=False),
    Column("updated_at", UtcDateTime, nullable=False),
    # [[channel_sku, quantity, version], ...]: what the feed carries, to report once it is done.
    Column("pushes", JSON, nullable=True),
    CheckConstraint("status IN ('processing', 'done', 'failed')", name="status"),
    # Sync health reads the feeds still processing, oldest first, among every feed ever sent.
    Index("ix_sync_feeds_status_submitted_at", "status", "submitted_at"),
)

# Listings that reconciliation found showing another number than the one last pushed, and for
# how many readings in a row: a repair is pushed at once; drift that persists is alerted.
listing_drift = Table(
    "listing_drift",
    metadata,
    Column("channel", String(CHANNEL_MAX), primary_key=True),
    Column("channel_sku", String(200), primary_key=True),
    Column("expected", BigInteger, nullable=False),
    Column("shown", BigInteger, nullable=True),
    Column("readings", Integer, nullable=False),
    Column("first_seen_at", UtcDateTime, nullable=False),
    Column("last_seen_at", UtcDateTime, nullable=False),
    ForeignKeyConstraint(
        ["channel", "channel_sku"],
        ["listings.channel", "listings.channel_sku"],
        name="fk_listing_drift_listing",
        ondelete="CASCADE",
    ),
)

# Bumped by every change availability reads as configuration (channels, policies, locations,
# listings, bundles, sync health): a process reloads what it keeps when it sees a new revision.
availability_revision = Table(
    "availability_revision",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("revision", BigInteger, nullable=False),
    CheckConstraint("id = 1", name="one_row"),
)
