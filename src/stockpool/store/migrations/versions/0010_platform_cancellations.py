"""Units stockpool cancelled that the platform must cancel too: queued in the transaction that
settled them, sent by the worker, or listed for a person with what to do.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from stockpool.store.tables import OrderId, UtcDateTime

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "platform_cancellations",
        sa.Column("id", OrderId, autoincrement=True, nullable=False),
        sa.Column("channel", sa.String(length=32), nullable=False),
        sa.Column("external_id", sa.String(length=100), nullable=False),
        sa.Column("order_id", OrderId, nullable=False),
        sa.Column("lines", sa.JSON(), nullable=False),
        sa.Column("units", sa.Text(), nullable=False),
        sa.Column("units_digest", sa.String(length=64), nullable=False),
        sa.Column("reason", sa.String(length=300), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("attempts", sa.Integer(), server_default="0", nullable=False),
        sa.Column("next_attempt_at", UtcDateTime, nullable=True),
        sa.Column("detail", sa.Text(), nullable=True),
        sa.Column("created_at", UtcDateTime, nullable=False),
        sa.Column("updated_at", UtcDateTime, nullable=False),
        sa.CheckConstraint(
            "state IN ('queued', 'done', 'manual', 'failed')",
            name=op.f("ck_platform_cancellations_state"),
        ),
        sa.CheckConstraint(
            "attempts >= 0", name=op.f("ck_platform_cancellations_attempts_not_negative")
        ),
        sa.ForeignKeyConstraint(
            ["channel"], ["channels.code"], name=op.f("fk_platform_cancellations_channel_channels")
        ),
        sa.ForeignKeyConstraint(
            ["order_id"], ["orders.id"], name=op.f("fk_platform_cancellations_order_id_orders")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_platform_cancellations")),
        sa.UniqueConstraint(
            "channel",
            "external_id",
            "units_digest",
            name=op.f("uq_platform_cancellations_channel_external_id_units_digest"),
        ),
    )
    op.create_index(
        "ix_platform_cancellations_channel_state_next_attempt_at",
        "platform_cancellations",
        ["channel", "state", "next_attempt_at"],
    )


def downgrade() -> None:
    op.drop_index(
        "ix_platform_cancellations_channel_state_next_attempt_at",
        table_name="platform_cancellations",
    )
    op.drop_table("platform_cancellations")
