"""Sync vitals: each channel's circuit breaker and throttling as the worker reports them, and the
lags measured recently (for their percentiles).

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from stockpool.store.tables import OrderId, UtcDateTime

revision = "0018"
down_revision = "0017"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("channel_sync", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("circuit", sa.String(length=16), server_default="closed", nullable=False)
        )
        batch_op.add_column(sa.Column("circuit_since", UtcDateTime, nullable=True))
        batch_op.add_column(
            sa.Column("throttled", sa.BigInteger(), server_default="0", nullable=False)
        )
        batch_op.add_column(sa.Column("throttled_at", UtcDateTime, nullable=True))
        batch_op.add_column(sa.Column("vitals_at", UtcDateTime, nullable=True))
        batch_op.create_check_constraint("circuit", "circuit IN ('closed', 'open', 'half_open')")
    op.create_table(
        "sync_lags",
        sa.Column("id", OrderId, autoincrement=True, nullable=False),
        sa.Column("channel", sa.String(length=32), nullable=False),
        sa.Column("measured_at", UtcDateTime, nullable=False),
        sa.Column("seconds", sa.Float(), nullable=False),
        sa.ForeignKeyConstraint(
            ["channel"], ["channels.code"], name=op.f("fk_sync_lags_channel_channels")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sync_lags")),
    )
    op.create_index(
        "ix_sync_lags_channel_measured_at", "sync_lags", ["channel", "measured_at"], unique=False
    )


def downgrade() -> None:
    op.drop_index("ix_sync_lags_channel_measured_at", table_name="sync_lags")
    op.drop_table("sync_lags")
    with op.batch_alter_table("channel_sync", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_channel_sync_circuit"), type_="check")
        batch_op.drop_column("vitals_at")
        batch_op.drop_column("throttled_at")
        batch_op.drop_column("throttled")
        batch_op.drop_column("circuit_since")
        batch_op.drop_column("circuit")
