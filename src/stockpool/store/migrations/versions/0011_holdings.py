"""Holdings: the units each channel's open orders hold of a SKU at a location (committed in
their allocations, reserved by the active reservations of its pending orders), a counter kept
in step with those rows so that deciding availability need not sum the orders. Filled here from
the orders already stored.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-08
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None

# What the open orders hold now, per (sku, location, channel): the same sum the ledger check
# compares the counter with (store/repositories/holdings.py).
_BACKFILL = """
INSERT INTO holdings (sku, location, channel, units)
SELECT sku, location, channel, SUM(units) FROM (
    SELECT l.sku AS sku, a.location AS location, o.channel AS channel, a.units AS units
    FROM allocations a
    JOIN order_lines l ON l.order_id = a.order_id AND l.line_no = a.line_no
    JOIN orders o ON o.id = a.order_id
    UNION ALL
    SELECT h.sku, h.location, o.channel, h.units
    FROM reservation_holds h
    JOIN reservations r ON r.id = h.reservation_id
    JOIN orders o ON o.id = r.order_id
    WHERE r.status = 'active'
) held
GROUP BY sku, location, channel
"""


def upgrade() -> None:
    op.create_table(
        "holdings",
        sa.Column("sku", sa.String(length=100), nullable=False),
        sa.Column("location", sa.String(length=64), nullable=False),
        sa.Column("channel", sa.String(length=32), nullable=False),
        sa.Column("units", sa.BigInteger(), nullable=False),
        sa.CheckConstraint("units >= 0", name=op.f("ck_holdings_units_not_negative")),
        sa.ForeignKeyConstraint(
            ["channel"], ["channels.code"], name=op.f("fk_holdings_channel_channels")
        ),
        sa.ForeignKeyConstraint(
            ["location"], ["locations.code"], name=op.f("fk_holdings_location_locations")
        ),
        sa.ForeignKeyConstraint(["sku"], ["skus.code"], name=op.f("fk_holdings_sku_skus")),
        sa.PrimaryKeyConstraint("sku", "location", "channel", name=op.f("pk_holdings")),
    )
    op.execute(_BACKFILL)


def downgrade() -> None:
    op.drop_table("holdings")
