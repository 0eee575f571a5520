"""Orders: channels, orders and their lines, where each line's units are committed, conflicts.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-28
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from stockpool.store.tables import UtcDateTime

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "channels",
        sa.Column("code", sa.String(length=32), nullable=False),
        sa.Column("platform", sa.String(length=16), nullable=False),
        sa.Column("name", sa.String(length=200), server_default="", nullable=False),
        sa.Column("cancellation_cost", sa.Integer(), nullable=False),
        sa.Column("split_allowed", sa.Boolean(), server_default=sa.true(), nullable=False),
        sa.Column("created_at", UtcDateTime, nullable=False),
        sa.Column("updated_at", UtcDateTime, nullable=False),
        sa.CheckConstraint(
            "platform IN ('shopify', 'amazon', 'walmart', 'manual')",
            name=op.f("ck_channels_platform"),
        ),
        sa.CheckConstraint("cancellation_cost >= 0", name=op.f("ck_channels_cost_not_negative")),
        sa.PrimaryKeyConstraint("code", name=op.f("pk_channels")),
    )
    op.create_table(
        "orders",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("channel", sa.String(length=32), nullable=False),
        sa.Column("external_id", sa.String(length=100), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("placed_at", UtcDateTime, nullable=False),
        sa.Column("ship_by", UtcDateTime, nullable=True),
        sa.Column("region", sa.String(length=32), nullable=True),
        sa.Column("fingerprint", sa.String(length=64), nullable=False),
        sa.Column("routing", sa.JSON(), nullable=False),
        sa.Column("created_at", UtcDateTime, nullable=False),
        sa.ForeignKeyConstraint(
            ["channel"], ["channels.code"], name=op.f("fk_orders_channel_channels")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_orders")),
        sa.UniqueConstraint("channel", "external_id", name="uq_orders_channel_external_id"),
    )
    with op.batch_alter_table("orders", schema=None) as batch_op:
        batch_op.create_index("ix_orders_status_id", ["status", "id"], unique=False)

    op.create_table(
        "order_lines",
        sa.Column("order_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("line_no", sa.Integer(), nullable=False),
        sa.Column("sku", sa.String(length=100), nullable=False),
        sa.Column("quantity", sa.BigInteger(), nullable=False),
        sa.Column("committed", sa.BigInteger(), nullable=False),
        sa.Column("short", sa.BigInteger(), nullable=False),
        sa.Column("shipped", sa.BigInteger(), server_default="0", nullable=False),
        sa.Column("cancelled", sa.BigInteger(), server_default="0", nullable=False),
        sa.CheckConstraint(
            "committed >= 0 AND short >= 0 AND shipped >= 0 AND cancelled >= 0",
            name=op.f("ck_order_lines_not_negative"),
        ),
        sa.CheckConstraint(
            "quantity = committed + short + shipped + cancelled",
            name=op.f("ck_order_lines_adds_up"),
        ),
        sa.CheckConstraint("quantity > 0", name=op.f("ck_order_lines_quantity_positive")),
        sa.ForeignKeyConstraint(
            ["order_id"], ["orders.id"], name=op.f("fk_order_lines_order_id_orders")
        ),
        sa.ForeignKeyConstraint(["sku"], ["skus.code"], name=op.f("fk_order_lines_sku_skus")),
        sa.PrimaryKeyConstraint("order_id", "line_no", name=op.f("pk_order_lines")),
    )
    op.create_table(
        "allocations",
        sa.Column("order_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("line_no", sa.Integer(), nullable=False),
        sa.Column("location", sa.String(length=64), nullable=False),
        sa.Column("units", sa.BigInteger(), nullable=False),
        sa.CheckConstraint("units > 0", name=op.f("ck_allocations_units_positive")),
        sa.ForeignKeyConstraint(
            ["location"], ["locations.code"], name=op.f("fk_allocations_location_locations")
        ),
        sa.ForeignKeyConstraint(
            ["order_id", "line_no"],
            ["order_lines.order_id", "order_lines.line_no"],
            name="fk_allocations_order_line",
        ),
        sa.PrimaryKeyConstraint("order_id", "line_no", "location", name=op.f("pk_allocations")),
    )
    op.create_table(
        "conflicts",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("order_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("line_no", sa.Integer(), nullable=False),
        sa.Column("sku", sa.String(length=100), nullable=False),
        sa.Column("short", sa.BigInteger(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("resolution", sa.JSON(), nullable=True),
        sa.Column("decided_by", sa.String(length=100), nullable=True),
        sa.Column("decided_at", UtcDateTime, nullable=True),
        sa.Column("created_at", UtcDateTime, nullable=False),
        sa.CheckConstraint("status IN ('proposed', 'resolved')", name=op.f("ck_conflicts_status")),
        sa.CheckConstraint("short > 0", name=op.f("ck_conflicts_short_positive")),
        sa.ForeignKeyConstraint(
            ["order_id", "line_no"],
            ["order_lines.order_id", "order_lines.line_no"],
            name="fk_conflicts_order_line",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_conflicts")),
    )
    with op.batch_alter_table("conflicts", schema=None) as batch_op:
        batch_op.create_index("ix_conflicts_status_id", ["status", "id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("conflicts", schema=None) as batch_op:
        batch_op.drop_index("ix_conflicts_status_id")

    op.drop_table("conflicts")
    op.drop_table("allocations")
    op.drop_table("order_lines")
    with op.batch_alter_table("orders", schema=None) as batch_op:
        batch_op.drop_index("ix_orders_status_id")

    op.drop_table("orders")
    op.drop_table("channels")
