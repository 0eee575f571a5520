"""Bundles, and incoming stock in lots with the promises made on them."""

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

from stockpool.domain.catalog import LOCATION_MAX, SKU_MAX
from stockpool.store.tables.base import (
    OrderId,
    UtcDateTime,
    metadata,
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
