"""SKU settings: restock_on_receipt (its returns are inspected as restock when received) and
unit_cost (what a count's variance is worth); a count keeps the value threshold in force when it
opened, and each line the unit cost of its SKU when it was counted.

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("skus", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("restock_on_receipt", sa.Boolean(), server_default=sa.false(), nullable=False)
        )
        batch_op.add_column(sa.Column("unit_cost", sa.Numeric(14, 4), nullable=True))
        batch_op.create_check_constraint("unit_cost_not_negative", "unit_cost >= 0")
    with op.batch_alter_table("count_sessions", schema=None) as batch_op:
        batch_op.add_column(sa.Column("value_threshold", sa.Numeric(18, 4), nullable=True))
        batch_op.create_check_constraint("value_threshold_not_negative", "value_threshold >= 0")
    with op.batch_alter_table("count_lines", schema=None) as batch_op:
        batch_op.add_column(sa.Column("unit_cost", sa.Numeric(14, 4), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("count_lines", schema=None) as batch_op:
        batch_op.drop_column("unit_cost")
    with op.batch_alter_table("count_sessions", schema=None) as batch_op:
        batch_op.drop_constraint(
            op.f("ck_count_sessions_value_threshold_not_negative"), type_="check"
        )
        batch_op.drop_column("value_threshold")
    with op.batch_alter_table("skus", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_skus_unit_cost_not_negative"), type_="check")
        batch_op.drop_column("unit_cost")
        batch_op.drop_column("restock_on_receipt")
