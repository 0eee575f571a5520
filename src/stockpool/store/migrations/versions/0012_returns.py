"""Returns: what buyers sent back against a shipped order, received into quality_control, and
each inspection that took units out of it (restock, damaged, dispose, return_to_vendor).

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from stockpool.store.tables import OrderId, UtcDateTime

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "returns",
        sa.Column("id", OrderId, autoincrement=True, nullable=False),
        sa.Column("channel", sa.String(length=32), nullable=False),
        sa.Column("external_id", sa.String(length=100), nullable=False),
        sa.Column("order_id", OrderId, nullable=False),
        sa.Column("location", sa.String(length=64), nullable=False),
        sa.Column("reason", sa.String(length=200), nullable=False),
        sa.Column("status", sa.String(length=24), nullable=False),
        sa.Column("created_at", UtcDateTime, nullable=False),
        sa.Column("updated_at", UtcDateTime, nullable=False),
        sa.CheckConstraint(
            "status IN ('awaiting_inspection', 'inspected')", name=op.f("ck_returns_status")
        ),
        sa.ForeignKeyConstraint(
            ["channel"], ["channels.code"], name=op.f("fk_returns_channel_channels")
        ),
        sa.ForeignKeyConstraint(
            ["location"], ["locations.code"], name=op.f("fk_returns_location_locations")
        ),
        sa.ForeignKeyConstraint(
            ["order_id"], ["orders.id"], name=op.f("fk_returns_order_id_orders")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_returns")),
    )
    op.create_index("ix_returns_status_id", "returns", ["status", "id"])
    op.create_index("ix_returns_order_id", "returns", ["order_id"])
    op.create_table(
        "return_lines",
        sa.Column("return_id", OrderId, nullable=False),
        sa.Column("line_no", sa.Integer(), nullable=False),
        sa.Column("sku", sa.String(length=100), nullable=False),
        sa.Column("quantity", sa.BigInteger(), nullable=False),
        sa.Column("inspected", sa.BigInteger(), server_default="0", nullable=False),
        sa.CheckConstraint("quantity > 0", name=op.f("ck_return_lines_quantity_positive")),
        sa.CheckConstraint(
            "inspected >= 0 AND inspected <= quantity",
            name=op.f("ck_return_lines_inspected_within"),
        ),
        sa.ForeignKeyConstraint(
            ["return_id"], ["returns.id"], name=op.f("fk_return_lines_return_id_returns")
        ),
        sa.ForeignKeyConstraint(["sku"], ["skus.code"], name=op.f("fk_return_lines_sku_skus")),
        sa.PrimaryKeyConstraint("return_id", "line_no", name=op.f("pk_return_lines")),
    )
    op.create_table(
        "return_inspections",
        sa.Column("id", OrderId, autoincrement=True, nullable=False),
        sa.Column("return_id", OrderId, nullable=False),
        sa.Column("line_no", sa.Integer(), nullable=False),
        sa.Column("quantity", sa.BigInteger(), nullable=False),
        sa.Column("disposition", sa.String(length=24), nullable=False),
        sa.Column("reference", sa.String(length=200), nullable=True),
        sa.Column("actor", sa.String(length=100), nullable=False),
        sa.Column("inspected_at", UtcDateTime, nullable=False),
        sa.CheckConstraint("quantity > 0", name=op.f("ck_return_inspections_quantity_positive")),
        sa.CheckConstraint(
            "disposition IN ('restock', 'damaged', 'dispose', 'return_to_vendor')",
            name=op.f("ck_return_inspections_disposition"),
        ),
        sa.ForeignKeyConstraint(
            ["return_id", "line_no"],
            ["return_lines.return_id", "return_lines.line_no"],
            name="fk_return_inspections_return_line",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_return_inspections")),
    )
    op.create_index("ix_return_inspections_return_id", "return_inspections", ["return_id"])


def downgrade() -> None:
    op.drop_index("ix_return_inspections_return_id", table_name="return_inspections")
    op.drop_table("return_inspections")
    op.drop_table("return_lines")
    op.drop_index("ix_returns_order_id", table_name="returns")
    op.drop_index("ix_returns_status_id", table_name="returns")
    op.drop_table("returns")
