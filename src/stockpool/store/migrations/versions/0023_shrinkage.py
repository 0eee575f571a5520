"""What counts of each SKU at each location found missing, what they found over all its SKUs,
and the shrink rate that measures (domain.shrinkage): kept by the count that posts, read by the
availability decision with the balances, so that a channel holds back units that may be gone
unseen since the last count.

Revision ID: 0023
Revises: 0022
Create Date: 2026-12-08
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from stockpool.store.tables import UtcDateTime

revision = "0023"
down_revision = "0022"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "shrinkage",
        sa.Column("sku", sa.String(length=100), nullable=False),
        sa.Column("location", sa.String(length=64), nullable=False),
        sa.Column("missing", sa.BigInteger(), nullable=False),
        sa.Column("first_counted_at", UtcDateTime, nullable=False),
        sa.Column("last_counted_at", UtcDateTime, nullable=False),
        sa.Column("units_per_hour", sa.Float(), nullable=False),
        sa.CheckConstraint("missing >= 0", name=op.f("ck_shrinkage_missing_not_negative")),
        sa.CheckConstraint(
            "units_per_hour >= 0", name=op.f("ck_shrinkage_units_per_hour_not_negative")
        ),
        sa.ForeignKeyConstraint(["sku"], ["skus.code"], name=op.f("fk_shrinkage_sku_skus")),
        sa.ForeignKeyConstraint(
            ["location"], ["locations.code"], name=op.f("fk_shrinkage_location_locations")
        ),
        sa.PrimaryKeyConstraint("sku", "location", name=op.f("pk_shrinkage")),
    )
    op.create_table(
        "location_shrinkage",
        sa.Column("location", sa.String(length=64), nullable=False),
        sa.Column("missing", sa.BigInteger(), nullable=False),
        sa.Column("hours", sa.Float(), nullable=False),
        sa.ForeignKeyConstraint(
            ["location"], ["locations.code"], name=op.f("fk_location_shrinkage_location_locations")
        ),
        sa.PrimaryKeyConstraint("location", name=op.f("pk_location_shrinkage")),
    )


def downgrade() -> None:
    op.drop_table("location_shrinkage")
    op.drop_table("shrinkage")
