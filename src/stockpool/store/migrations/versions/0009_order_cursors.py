"""Where each channel's order polling stands: the platform's cursor to ask from next, so that a
restart neither loses nor repeats a page of orders.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from stockpool.store.tables import UtcDateTime

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "order_cursors",
        sa.Column("channel", sa.String(length=32), nullable=False),
        sa.Column("cursor", sa.Text(), nullable=True),
        sa.Column("polled_at", UtcDateTime, nullable=False),
        sa.Column("orders_seen", sa.BigInteger(), nullable=False),
        sa.CheckConstraint("orders_seen >= 0", name=op.f("ck_order_cursors_orders_seen")),
        sa.ForeignKeyConstraint(
            ["channel"],
            ["channels.code"],
            name=op.f("fk_order_cursors_channel_channels"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("channel", name=op.f("pk_order_cursors")),
    )


def downgrade() -> None:
    op.drop_table("order_cursors")
