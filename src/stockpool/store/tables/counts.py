"""Count sessions: a count opened for a location and the SKUs to count there, and one line per
SKU (its latest counted total and what the ledger held when it was counted)."""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Column,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
)

from stockpool.domain.catalog import LOCATION_MAX, SKU_MAX
from stockpool.store.tables.base import MONEY, UNIT_COST, OrderId, UtcDateTime, metadata

ACTOR_MAX = 200

count_sessions = Table(
    "count_sessions",
    metadata,
    Column("id", OrderId, primary_key=True, autoincrement=True),
    Column("location", String(LOCATION_MAX), ForeignKey("locations.code"), nullable=False),
    Column("blind", Boolean, nullable=False),
    # Units: a line whose variance is larger waits for approval. Taken from the settings when
    # the count opens, so that changing them does not change counts under way.
    Column("threshold", Integer, nullable=False),
    # Money: a count whose total |variance| x unit cost is larger waits for approval; NULL: no
    # value limit. Taken from the settings when the count opens, as threshold is.
    Column("value_threshold", MONEY, nullable=True),
    Column("status", String(20), nullable=False),
    Column("opened_by", String(ACTOR_MAX), nullable=False),
    Column("submitted_by", String(ACTOR_MAX), nullable=True),
    Column("approved_by", String(ACTOR_MAX), nullable=True),
    Column("cancelled_by", String(ACTOR_MAX), nullable=True),
    Column("created_at", UtcDateTime, nullable=False),
    Column("updated_at", UtcDateTime, nullable=False),
    CheckConstraint(
        "status IN ('open', 'awaiting_approval', 'posted', 'cancelled')", name="status"
    ),
    CheckConstraint("threshold >= 0", name="threshold_not_negative"),
    CheckConstraint("value_threshold >= 0", name="value_threshold_not_negative"),
    Index("ix_count_sessions_status_id", "status", "id"),
)

count_lines = Table(
    "count_lines",
    metadata,
    Column("count_id", OrderId, ForeignKey("count_sessions.id"), primary_key=True),
    Column("sku", String(SKU_MAX), ForeignKey("skus.code"), primary_key=True),
    Column("counted", BigInteger, nullable=True),
    Column("expected", BigInteger, nullable=True),
    Column("counted_by", String(ACTOR_MAX), nullable=True),
    Column("counted_at", UtcDateTime, nullable=True),
    # The SKU's unit cost when the line was counted (NULL: unpriced), for the variance's value.
    Column("unit_cost", UNIT_COST, nullable=True),
    CheckConstraint("counted >= 0", name="counted_not_negative"),
    CheckConstraint("expected >= 0", name="expected_not_negative"),
)
