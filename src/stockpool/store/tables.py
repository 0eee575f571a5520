"""The tables. The ledger is the truth and append-only; balances are its materialised sum."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    CheckConstraint,
    Column,
    DateTime,
    Float,
    ForeignKey,
    ForeignKeyConstraint,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    TypeDecorator,
    UniqueConstraint,
    true,
)
from sqlalchemy.engine import Dialect

from stockpool.domain.catalog import CHANNEL_MAX, LOCATION_MAX, NAME_MAX, SKU_MAX, LocationKind
from stockpool.domain.states import ALL_STATES

metadata = MetaData(
    naming_convention={
        "ix": "ix_%(table_name)s_%(column_0_N_name)s",
        "uq": "uq_%(table_name)s_%(column_0_N_name)s",
        "ck": "ck_%(table_name)s_%(constraint_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)


class UtcDateTime(TypeDecorator[datetime]):
    """Timestamps stored in UTC and always read back timezone-aware (SQLite keeps no zone)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


# SQLite only auto-increments an INTEGER PRIMARY KEY; PostgreSQL gets a 64-bit identity.
LedgerId = BigInteger().with_variant(Integer(), "sqlite")

_state_names = ", ".join(f"'{s.value}'" for s in ALL_STATES)
_kind_names = ", ".join(f"'{k.value}'" for k in LocationKind)

skus = Table(
    "skus",
    metadata,
    Column("code", String(SKU_MAX), primary_key=True),
    Column("name", String(NAME_MAX), nullable=False, server_default=""),
    Column("barcode", String(64), nullable=True),
    Column("created_at", UtcDateTime, nullable=False),
    Column("updated_at", UtcDateTime, nullable=False),
)

locations = Table(
    "locations",
    metadata,
    Column("code", String(LOCATION_MAX), primary_key=True),
    Column("name", String(NAME_MAX), nullable=False, server_default=""),
    Column("kind", String(32), nullable=False),
    Column("priority", Integer, nullable=False, server_default="100"),
    Column("region", String(32), nullable=True),
    # A 3PL or marketplace that reports stock snapshots: how old the last one may get before its
    # stock is counted only in part (None: it reports none), and when the last one came (a count).
    Column("snapshot_max_age_seconds", Integer, nullable=True),
    Column("snapshot_at", UtcDateTime, nullable=True),
    Column("created_at", UtcDateTime, nullable=False),
    Column("updated_at", UtcDateTime, nullable=False),
    CheckConstraint(f"kind IN ({_kind_names})", name="kind"),
    CheckConstraint("snapshot_max_age_seconds > 0", name="snapshot_max_age_positive"),
)

# Which channels a location serves; no rows means it serves them all.
location_channels = Table(
    "location_channels",
    metadata,
    Column(
        "location",
        String(LOCATION_MAX),
        ForeignKey("locations.code", ondelete="CASCADE"),
        primary_key=True,
    ),
    Column("channel", String(CHANNEL_MAX), primary_key=True),
)

# One row per (sku, location), one column per state: a move between two states is a single-row
# update, so two moves on the same balance never lock two rows in opposite orders.
balances = Table(
    "balances",
    metadata,
    Column("sku", String(SKU_MAX), ForeignKey("skus.code"), primary_key=True),
    Column("location", String(LOCATION_MAX), ForeignKey("locations.code"), primary_key=True),
    *(Column(state.value, BigInteger, nullable=False, server_default="0") for state in ALL_STATES),
    *(
        CheckConstraint(f"{state.value} >= 0", name=f"{state.value}_not_negative")
        for state in ALL_STATES
    ),
    Index("ix_balances_location", "location"),
)

ledger = Table(
    "ledger",
    metadata,
    Column("id", LedgerId, primary_key=True, autoincrement=True),
    Column("at", UtcDateTime, nullable=False),
    Column("sku", String(SKU_MAX), ForeignKey("skus.code"), nullable=False),
    Column("location", String(LOCATION_MAX), ForeignKey("locations.code"), nullable=False),
    Column("from_state", String(20), nullable=True),
    Column("to_state", String(20), nullable=True),
    Column("quantity", BigInteger, nullable=False),
    Column("reason", String(32), nullable=False),
    Column("reference", String(200), nullable=True),
    Column("actor", String(100), nullable=False),
    # Each movement of a keyed request gets "<key>#<n>": the same movement can never apply twice.
    Column("idempotency_key", String(300), nullable=True, unique=True),
    CheckConstraint("quantity > 0", name="quantity_positive"),
    CheckConstraint("from_state IS NOT NULL OR to_state IS NOT NULL", name="has_a_state"),
    CheckConstraint(f"from_state IS NULL OR from_state IN ({_state_names})", name="from_state"),
    CheckConstraint(f"to_state IS NULL OR to_state IN ({_state_names})", name="to_state"),
    Index("ix_ledger_sku_id", "sku", "id"),
    Index("ix_ledger_location_id", "location", "id"),
    Index("ix_ledger_reference", "reference"),
    Index("ix_ledger_at", "at"),
)

# Requests sent with an Idempotency-Key: the first one's answer, returned to every replay.
idempotency_keys = Table(
    "idempotency_keys",
    metadata,
    Column("key", String(255), primary_key=True),
    Column("operation", String(50), nullable=False),
    Column("request_hash", String(64), nullable=False),
    Column("response", JSON, nullable=True),
    Column("created_at", UtcDateTime, nullable=False),
)

api_keys = Table(
    "api_keys",
    metadata,
    Column("id", String(32), primary_key=True),
    Column("name", String(NAME_MAX), nullable=False, server_default=""),
    Column("role", String(16), nullable=False),
    # SHA-256 of the key: keys are 256-bit random, so a fast hash is enough and lookup is by hash.
    Column("key_hash", String(64), nullable=False, unique=True),
    Column("created_at", UtcDateTime, nullable=False),
    Column("revoked_at", UtcDateTime, nullable=True),
    CheckConstraint("role IN ('viewer', 'operator', 'admin')", name="role"),
)


channels = Table(
    "channels",
    metadata,
    Column("code", String(CHANNEL_MAX), primary_key=True),
    Column("platform", String(16), nullable=False),
    Column("name", String(NAME_MAX), nullable=False, server_default=""),
    Column("cancellation_cost", Integer, nullable=False),
    Column("split_allowed", Boolean, nullable=False, server_default=true()),
    Column("created_at", UtcDateTime, nullable=False),
    Column("updated_at", UtcDateTime, nullable=False),
    CheckConstraint("platform IN ('shopify', 'amazon', 'walmart', 'manual')", name="platform"),
    CheckConstraint("cancellation_cost >= 0", name="cost_not_negative"),
)

OrderId = BigInteger().with_variant(Integer(), "sqlite")

orders = Table(
    "orders",
    metadata,
    Column("id", OrderId, primary_key=True, autoincrement=True),
    Column("channel", String(CHANNEL_MAX), ForeignKey("channels.code"), nullable=False),
    Column("external_id", String(100), nullable=False),
    Column("status", String(16), nullable=False),
    Column("placed_at", UtcDateTime, nullable=False),
    Column("ship_by", UtcDateTime, nullable=True),
    Column("region", String(32), nullable=True),
    # What makes a replay the same order (its lines), to tell it from a different body.
    Column("fingerprint", String(64), nullable=False),
    # The routing decision: candidates considered and why the chosen ones.
    Column("routing", JSON, nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    UniqueConstraint("channel", "external_id", name="uq_orders_channel_external_id"),
    Index("ix_orders_status_id", "status", "id"),
)

order_lines = Table(
    "order_lines",
    metadata,
    Column("order_id", OrderId, ForeignKey("orders.id"), primary_key=True),
    Column("line_no", Integer, primary_key=True),
    Column("sku", String(SKU_MAX), ForeignKey("skus.code"), nullable=False),
    Column("quantity", BigInteger, nullable=False),
    # quantity = committed + short + shipped + cancelled, always.
    Column("committed", BigInteger, nullable=False),
    Column("short", BigInteger, nullable=False),
    Column("shipped", BigInteger, nullable=False, server_default="0"),
    Column("cancelled", BigInteger, nullable=False, server_default="0"),
    # Units held in reserved for a pending (not yet confirmed) order.
    Column("reserved", BigInteger, nullable=False, server_default="0"),
    # A component line of an ordered bundle: the bundle's SKU and the line it was ordered on.
    Column("bundle", String(SKU_MAX), nullable=True),
    Column("bundle_line", Integer, nullable=True),
    CheckConstraint("quantity > 0", name="quantity_positive"),
    CheckConstraint(
        "reserved >= 0 AND committed >= 0 AND short >= 0 AND shipped >= 0 AND cancelled >= 0",
        name="not_negative",
    ),
    CheckConstraint(
        "quantity = reserved + committed + short + shipped + cancelled", name="adds_up"
    ),
    # Arriving stock looks for lines of its SKU that are short (backorders).
    Index("ix_order_lines_sku_short", "sku", "short"),
)

allocations = Table(
    "allocations",
    metadata,
    Column("order_id", OrderId, primary_key=True),
    Column("line_no", Integer, primary_key=True),
    Column("location", String(LOCATION_MAX), ForeignKey("locations.code"), primary_key=True),
    Column("units", BigInteger, nullable=False),
    ForeignKeyConstraint(
        ["order_id", "line_no"],
        ["order_lines.order_id", "order_lines.line_no"],
        name="fk_allocations_order_line",
    ),
    CheckConstraint("units > 0", name="units_positive"),
)

conflicts = Table(
    "conflicts",
    metadata,
    Column("id", OrderId, primary_key=True, autoincrement=True),
    Column("order_id", OrderId, nullable=False),
    Column("line_no", Integer, nullable=False),
    Column("sku", String(SKU_MAX), nullable=False),
    Column("short", BigInteger, nullable=False),
    Column("status", String(16), nullable=False),  # proposed (waiting for a person) or resolved
    Column("resolution", JSON, nullable=True),  # the action, units taken from whom, and why
    Column("decided_by", String(100), nullable=True),
    Column("decided_at", UtcDateTime, nullable=True),
    Column("created_at", UtcDateTime, nullable=False),
    ForeignKeyConstraint(
        ["order_id", "line_no"],
        ["order_lines.order_id", "order_lines.line_no"],
        name="fk_conflicts_order_line",
    ),
    CheckConstraint("short > 0", name="short_positive"),
    CheckConstraint("status IN ('proposed', 'resolved')", name="status"),
    Index("ix_conflicts_status_id", "status", "id"),
)

# Stock held in reserved: for a checkout (reference), or for a pending order (order_id). While
# active, its holds are exactly what it keeps out of available; confirmed, released or expired,
# they hold nothing.
reservations = Table(
    "reservations",
    metadata,
    Column("id", OrderId, primary_key=True, autoincrement=True),
    Column("channel", String(CHANNEL_MAX), ForeignKey("channels.code"), nullable=False),
    Column("reference", String(100), nullable=True),
    Column("order_id", OrderId, ForeignKey("orders.id"), nullable=True),
    Column("status", String(16), nullable=False),
    Column("fingerprint", String(64), nullable=False),
    # The lines as asked for ("requested") and with bundles expanded ("lines", numbered as the
    # holds are): what an order confirming it is made of.
    Column("lines", JSON, nullable=False),
    Column("expires_at", UtcDateTime, nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    Column("closed_at", UtcDateTime, nullable=True),
    CheckConstraint("status IN ('active', 'confirmed', 'released', 'expired')", name="status"),
    UniqueConstraint("channel", "reference", name="uq_reservations_channel_reference"),
    Index("ix_reservations_status_expires_at", "status", "expires_at"),
    Index("ix_reservations_order_id", "order_id"),
)

reservation_holds = Table(
    "reservation_holds",
    metadata,
    Column("reservation_id", OrderId, ForeignKey("reservations.id"), primary_key=True),
    Column("line_no", Integer, primary_key=True),
    Column("location", String(LOCATION_MAX), ForeignKey("locations.code"), primary_key=True),
    Column("sku", String(SKU_MAX), ForeignKey("skus.code"), nullable=False),
    Column("units", BigInteger, nullable=False),
    CheckConstraint("units > 0", name="units_positive"),
    Index("ix_reservation_holds_sku", "sku"),
)

# A bundle is sold as one SKU and made of components; it holds no stock of its own.
bundle_components = Table(
    "bundle_components",
    metadata,
    Column("bundle", String(SKU_MAX), ForeignKey("skus.code"), primary_key=True),
    Column("component", String(SKU_MAX), ForeignKey("skus.code"), primary_key=True),
    Column("units", Integer, nullable=False),
    CheckConstraint("units > 0", name="units_positive"),
    CheckConstraint("bundle <> component", name="not_itself"),
    Index("ix_bundle_components_component", "component"),
)

# Incoming stock in lots, each with the date it should land (None: not known). A location's lots
# add up to its incoming balance: units expected are added as a lot, units received leave the lots
# due first.
inbound = Table(
    "inbound",
    metadata,
    Column("id", OrderId, primary_key=True, autoincrement=True),
    Column("sku", String(SKU_MAX), ForeignKey("skus.code"), nullable=False),
    Column("location", String(LOCATION_MAX), ForeignKey("locations.code"), nullable=False),
    Column("units", BigInteger, nullable=False),
    Column("eta", UtcDateTime, nullable=True),
    Column("reference", String(200), nullable=True),
    Column("created_at", UtcDateTime, nullable=False),
    CheckConstraint("units > 0", name="units_positive"),
    Index("ix_inbound_sku_location", "sku", "location"),
)

# Units of a lot promised to a short order line, which waits for them instead of being cancelled.
inbound_promises = Table(
    "inbound_promises",
    metadata,
    Column("lot", OrderId, ForeignKey("inbound.id", ondelete="CASCADE"), primary_key=True),
    Column("order_id", OrderId, primary_key=True),
    Column("line_no", Integer, primary_key=True),
    Column("units", BigInteger, nullable=False),
    ForeignKeyConstraint(
        ["order_id", "line_no"],
        ["order_lines.order_id", "order_lines.line_no"],
        name="fk_inbound_promises_order_line",
    ),
    CheckConstraint("units > 0", name="units_positive"),
)


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
    CheckConstraint("status IN ('ok', 'failing', 'stale')", name="status"),
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
    CheckConstraint("status IN ('processing', 'done', 'failed')", name="status"),
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
