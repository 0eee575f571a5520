"""Order lines carry their order's channel, placed_at and ship-by, so a conflict reads the lines
cheapest to cancel on each channel from one index, in cancellation_rank's order, instead of
every line holding the SKU (which grew with every unit a flash sale had sold). The index
replaces 0020's on the same lines by SKU alone.

The copies are filled here for the lines already stored. The columns stay nullable: making them
NOT NULL would rebuild order_lines on SQLite, for nothing - only OrderRepository.add_many writes
lines, and it always fills them.

Revision ID: 0022
Revises: 0021
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from stockpool.store.tables import NEVER, UtcDateTime

revision = "0022"
down_revision = "0021"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("order_lines", sa.Column("channel", sa.String(length=32), nullable=True))
    op.add_column("order_lines", sa.Column("placed_at", UtcDateTime, nullable=True))
    op.add_column("order_lines", sa.Column("ship_by_or_never", UtcDateTime, nullable=True))
    order_lines = sa.table(
        "order_lines",
        sa.column("order_id"),
        sa.column("channel"),
        sa.column("placed_at"),
        sa.column("ship_by_or_never", UtcDateTime),
    )
    orders = sa.table(
        "orders",
        sa.column("id"),
        sa.column("channel"),
        sa.column("placed_at"),
        sa.column("ship_by"),
    )

    def of_order(column: sa.ColumnClause[object]) -> sa.ScalarSelect[object]:
        return sa.select(column).where(orders.c.id == order_lines.c.order_id).scalar_subquery()

    op.execute(
        order_lines.update().values(
            channel=of_order(orders.c.channel),
            placed_at=of_order(orders.c.placed_at),
            ship_by_or_never=sa.func.coalesce(
                of_order(orders.c.ship_by), sa.literal(NEVER, UtcDateTime)
            ),
        )
    )
    op.create_index(
        "ix_order_lines_holding_rank",
        "order_lines",
        [
            "sku",
            "channel",
            "ship_by_or_never",
            "placed_at",
        ],
        postgresql_where=sa.text("committed > 0"),
        sqlite_where=sa.text("committed > 0"),
    )
    # It serves every read of the lines holding a SKU: 0020's index would only cost each
    # committed line a second entry.
    op.drop_index("ix_order_lines_sku_holding", table_name="order_lines")


def downgrade() -> None:
    op.create_index(
        "ix_order_lines_sku_holding",
        "order_lines",
        ["sku"],
        postgresql_where=sa.text("committed > 0"),
        sqlite_where=sa.text("committed > 0"),
    )
    op.drop_index("ix_order_lines_holding_rank", table_name="order_lines")
    op.drop_column("order_lines", "ship_by_or_never")
    op.drop_column("order_lines", "placed_at")
    op.drop_column("order_lines", "channel")
