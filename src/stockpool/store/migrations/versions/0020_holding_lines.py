"""Order lines holding units, by SKU: a conflict reads the lines it could take units from
without reading every line of the SKU (in a flash sale, the short ones soon outnumber them).

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0020"
down_revision = "0019"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index(
        "ix_order_lines_sku_holding",
        "order_lines",
        ["sku"],
        postgresql_where=sa.text("committed > 0"),
        sqlite_where=sa.text("committed > 0"),
    )


def downgrade() -> None:
    op.drop_index("ix_order_lines_sku_holding", table_name="order_lines")
