"""Channels, orders, their lines, allocations, holdings and conflicts, and reservations."""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    CheckConstraint,
    Column,
    ForeignKey,
    ForeignKeyConstraint,
    Index,
    Integer,
    String,
    Table,
    Text,
    UniqueConstraint,
    text,
    true,
)

from stockpool.domain.catalog import CHANNEL_MAX, LOCATION_MAX, NAME_MAX, SKU_MAX
from stockpool.store.tables.base import (
    OrderId,
    UtcDateTime,
    metadata,
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

# How stockpool reaches a channel's platform; the credentials are encrypted (store/secrets.py),
# the rest is plain.
channel_connections = Table(
    "channel_connections",
    metadata,
    Column(
        "channel",
        String(CHANNEL_MAX),
        ForeignKey("channels.code", ondelete="CASCADE"),
        primary_key=True,
    ),
    Column("url", String(500), nullable=False),
    Column("token_url", String(500), nullable=True),
    Column("credential_keys", JSON, nullable=False),  # which keys are set, to show
    Column("credentials", Text, nullable=False),  # the encrypted JSON object
    Column("updated_at", UtcDateTime, nullable=False),
)

# Webhook deliveries taken, by the platform's event id: a delivery seen again is a no-op.
webhook_events = Table(
    "webhook_events",
    metadata,
    Column(
        "channel",
        String(CHANNEL_MAX),
        ForeignKey("channels.code", ondelete="CASCADE"),
        primary_key=True,
    ),
    Column("event_id", String(200), primary_key=True),
    Column("received_at", UtcDateTime, nullable=False),
)

# Where polling a channel's orders stands: the platform's cursor to ask from next (None: the
# platform's default window), when it was last polled, and how many orders polling has read.
# Text, not a short string: a cursor part way through a window of pages carries what it has
# seen (Amazon's holds a fingerprint per order of the window).
order_cursors = Table(
    "order_cursors",
    metadata,
    Column(
        "channel",
        String(CHANNEL_MAX),
        ForeignKey("channels.code", ondelete="CASCADE"),
        primary_key=True,
    ),
    Column("cursor", Text, nullable=True),
    Column("polled_at", UtcDateTime, nullable=False),
    Column("orders_seen", BigInteger, nullable=False),
    CheckConstraint("orders_seen >= 0", name="orders_seen"),
)

# Where polling a channel's returns stands, as order_cursors for its orders.
return_cursors = Table(
    "return_cursors",
    metadata,
    Column(
        "channel",
        String(CHANNEL_MAX),
        ForeignKey("channels.code", ondelete="CASCADE"),
        primary_key=True,
    ),
    Column("cursor", Text, nullable=True),
    Column("polled_at", UtcDateTime, nullable=False),
    Column("returns_seen", BigInteger, nullable=False),
    CheckConstraint("returns_seen >= 0", name="returns_seen"),
)


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
    # The overview's orders per channel per hour: the last day's orders, read from the index
    # alone (channel rides along, so no row is fetched).
    Index("ix_orders_created_at_channel", "created_at", "channel"),
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
    # The order's channel, placed_at and ship-by (NEVER when it has none), copied onto each line
    # when it is stored (they never change): a conflict reads the lines cheapest to cancel on
    # each channel down ix_order_lines_holding_rank, not every line holding the SKU. Null only
    # on lines stored before migration 0022 filled them.
    Column("channel", String(CHANNEL_MAX), nullable=True),
    Column("placed_at", UtcDateTime, nullable=True),
    Column("ship_by_or_never", UtcDateTime, nullable=True),
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
    # A conflict looks for lines holding units of its SKU: those alone, however many orders
    # came before (a flash sale's short lines outnumber them), and per channel, read backwards
    # in cancellation_rank's order within it (a later ship-by, then a newer order; the rare ties
    # sorted by order and line as they come).
    Index(
        "ix_order_lines_holding_rank",
        "sku",
        "channel",
        "ship_by_or_never",
        "placed_at",
        postgresql_where=text("committed > 0"),
        sqlite_where=text("committed > 0"),
    ),
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

# Units this channel's open orders hold of a SKU at a location, not shipped nor cancelled: what
# their allocations hold (committed) plus what the active reservations of its pending orders
# hold (reserved). A counter kept in step with those rows in the same transaction
# (store/repositories/holdings.py), so that deciding availability reads it instead of summing
# the orders; the ledger check rebuilds it. A row that reaches 0 is kept at 0 (the rows are
# bounded by SKUs x locations x channels, and a hot SKU's row is updated, never re-made).
holdings = Table(
    "holdings",
    metadata,
    Column("sku", String(SKU_MAX), ForeignKey("skus.code"), primary_key=True),
    Column("location", String(LOCATION_MAX), ForeignKey("locations.code"), primary_key=True),
    Column("channel", String(CHANNEL_MAX), ForeignKey("channels.code"), primary_key=True),
    Column("units", BigInteger, nullable=False),
    CheckConstraint("units >= 0", name="units_not_negative"),
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

# Units stockpool cancelled that the platform must cancel too (its Walmart line cancel, its
# Shopify order cancel), or a person must, as detail says. Written in the transaction that
# settled the units; `units` says which of the order's units the row stands for (see
# domain/platform_cancellations.py), and the same units settled again make the same digest.
platform_cancellations = Table(
    "platform_cancellations",
    metadata,
    Column("id", OrderId, primary_key=True, autoincrement=True),
    Column("channel", String(CHANNEL_MAX), ForeignKey("channels.code"), nullable=False),
    Column("external_id", String(100), nullable=False),
    Column("order_id", OrderId, ForeignKey("orders.id"), nullable=False),
    Column("lines", JSON, nullable=False),  # [{channel_sku, quantity}], as the platform names them
    Column("units", Text, nullable=False),
    Column("units_digest", String(64), nullable=False),
    Column("reason", String(300), nullable=False),
    Column("state", String(16), nullable=False),
    Column("attempts", Integer, nullable=False, server_default="0"),
    Column("next_attempt_at", UtcDateTime, nullable=True),
    Column("detail", Text, nullable=True),
    Column("created_at", UtcDateTime, nullable=False),
    Column("updated_at", UtcDateTime, nullable=False),
    CheckConstraint("state IN ('queued', 'done', 'manual', 'failed')", name="state"),
    CheckConstraint("attempts >= 0", name="attempts_not_negative"),
    UniqueConstraint("channel", "external_id", "units_digest"),
    # What a channel's sender takes: the queued and failed ones that are due.
    Index(
        "ix_platform_cancellations_channel_state_next_attempt_at",
        "channel",
        "state",
        "next_attempt_at",
    ),
)
