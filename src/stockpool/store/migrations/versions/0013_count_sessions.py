"""Counts as sessions: a count opened for a location and its SKUs, a line per SKU with its
latest counted total and what the ledger held when it was counted, submitted, approved, posted.

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from stockpool.store.tables import OrderId, UtcDateTime

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "count_sessions",
        sa.Column("id", OrderId, autoincrement=True, nullable=False),
        sa.Column("location", sa.String(length=64), nullable=False),
        sa.Column("blind", sa.Boolean(), nullable=False),
        sa.Column("threshold", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("opened_by", sa.String(length=200), nullable=False),
        sa.Column("submitted_by", sa.String(length=200), nullable=True),
        sa.Column("approved_by", sa.String(length=200), nullable=True),
        sa.Column("cancelled_by", sa.String(length=200), nullable=True),
        sa.Column("created_at", UtcDateTime, nullable=False),
        sa.Column("updated_at", UtcDateTime, nullable=False),
        sa.CheckConstraint(
            "status IN ('open', 'awaiting_approval', 'posted', 'cancelled')",
            name=op.f("ck_count_sessions_status"),
        ),
        sa.CheckConstraint("threshold >= 0", name=op.f("ck_count_sessions_threshold_not_negative")),
        sa.ForeignKeyConstraint(
            ["location"], ["locations.code"], name=op.f("fk_count_sessions_location_locations")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_count_sessions")),
    )
    op.create_index("ix_count_sessions_status_id", "count_sessions", ["status", "id"])
    op.create_table(
        "count_lines",
        sa.Column("count_id", OrderId, nullable=False),
        sa.Column("sku", sa.String(length=100), nullable=False),
        sa.Column("counted", sa.BigInteger(), nullable=True),
        sa.Column("expected", sa.BigInteger(), nullable=True),
        sa.Column("counted_by", sa.String(length=200), nullable=True),
        sa.Column("counted_at", UtcDateTime, nullable=True),
        sa.CheckConstraint("counted >= 0", name=op.f("ck_count_lines_counted_not_negative")),
        sa.CheckConstraint("expected >= 0", name=op.f("ck_count_lines_expected_not_negative")),
        sa.ForeignKeyConstraint(
            ["count_id"], ["count_sessions.id"], name=op.f("fk_count_lines_count_id_count_sessions")
        ),
        sa.ForeignKeyConstraint(["sku"], ["skus.code"], name=op.f("fk_count_lines_sku_skus")),
        sa.PrimaryKeyConstraint("count_id", "sku", name=op.f("pk_count_lines")),
    )


def downgrade() -> None:
    op.drop_table("count_lines")
    op.drop_index("ix_count_sessions_status_id", table_name="count_sessions")
    op.drop_table("count_sessions")
