"""Returns: what buyers sent back against an order, its lines, and each inspection of them."""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    Column,
    ForeignKey,
    ForeignKeyConstraint,
    Index,
    Integer,
    String,
    Table,
)

from stockpool.domain.catalog import CHANNEL_MAX, LOCATION_MAX, SKU_MAX
from stockpool.store.tables.base import OrderId, UtcDateTime, metadata

# A return, received into quality_control at location in the transaction that wrote it. Its
# status is awaiting_inspection until every unit of its lines is inspected.
returns = Table(
    "returns",
    metadata,
    Column("id", OrderId, primary_key=True, autoincrement=True),
    Column("channel", String(CHANNEL_MAX), ForeignKey("channels.code"), nullable=False),
    Column("external_id", String(100), nullable=False),
    Column("order_id", OrderId, ForeignKey("orders.id"), nullable=False),
    Column("location", String(LOCATION_MAX), ForeignKey("locations.code"), nullable=False),
    Column("reason", String(200), nullable=False),
    Column("status", String(24), nullable=False),
    # The platform's own id for a return it reported (None: opened in stockpool); taken once.
    Column("platform_return_id", String(200), nullable=True),
    Column("created_at", UtcDateTime, nullable=False),
    Column("updated_at", UtcDateTime, nullable=False),
    CheckConstraint("status IN ('awaiting_inspection', 'inspected')", name="status"),
    # The QC queue: a status's returns, oldest first.
    Index("ix_returns_status_id", "status", "id"),
    # What an order's returns took back already.
    Index("ix_returns_order_id", "order_id"),
    Index("ux_returns_channel_platform_return_id", "channel", "platform_return_id", unique=True),
)

return_lines = Table(
    "return_lines",
    metadata,
    Column("return_id", OrderId, ForeignKey("returns.id"), primary_key=True),
    Column("line_no", Integer, primary_key=True),
    Column("sku", String(SKU_MAX), ForeignKey("skus.code"), nullable=False),
    Column("quantity", BigInteger, nullable=False),
    Column("inspected", BigInteger, nullable=False, server_default="0"),
    CheckConstraint("quantity > 0", name="quantity_positive"),
    # The last guard against inspecting a unit twice.
    CheckConstraint("inspected >= 0 AND inspected <= quantity", name="inspected_within"),
)

# Each inspection, as a person recorded it; its movement is in the ledger (return:<id>).
return_inspections = Table(
    "return_inspections",
    metadata,
    Column("id", OrderId, primary_key=True, autoincrement=True),
    Column("return_id", OrderId, nullable=False),
    Column("line_no", Integer, nullable=False),
    Column("quantity", BigInteger, nullable=False),
    Column("disposition", String(24), nullable=False),
    Column("reference", String(200), nullable=True),
    Column("actor", String(100), nullable=False),
    Column("inspected_at", UtcDateTime, nullable=False),
    ForeignKeyConstraint(
        ["return_id", "line_no"],
        ["return_lines.return_id", "return_lines.line_no"],
        name="fk_return_inspections_return_line",
    ),
    CheckConstraint("quantity > 0", name="quantity_positive"),
    CheckConstraint(
        "disposition IN ('restock', 'damaged', 'dispose', 'return_to_vendor')", name="disposition"
    ),
    Index("ix_return_inspections_return_id", "return_id"),
)
