"""Snapshots: the stock a 3PL or marketplace reported for a location at a time, one per
(location, reference), with what reconciling it against the ledger did.

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from stockpool.store.tables import OrderId, UtcDateTime

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "snapshots",
        sa.Column("id", OrderId, autoincrement=True, nullable=False),
        sa.Column("location", sa.String(length=64), nullable=False),
        sa.Column("reference", sa.String(length=200), nullable=False),
        sa.Column("as_of", UtcDateTime, nullable=False),
        sa.Column("applied_at", UtcDateTime, nullable=False),
        sa.Column("partial", sa.Boolean(), nullable=False),
        sa.Column("request_hash", sa.String(length=64), nullable=False),
        sa.Column("rows", sa.Integer(), nullable=False),
        sa.Column("movements", sa.Integer(), nullable=False),
        sa.Column("actor", sa.String(length=100), nullable=False),
        sa.Column("result", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["location"], ["locations.code"], name=op.f("fk_snapshots_location_locations")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_snapshots")),
        sa.UniqueConstraint("location", "reference", name=op.f("uq_snapshots_location_reference")),
    )
    op.create_index("ix_snapshots_location_as_of", "snapshots", ["location", "as_of"])


def downgrade() -> None:
    op.drop_index("ix_snapshots_location_as_of", table_name="snapshots")
    op.drop_table("snapshots")
