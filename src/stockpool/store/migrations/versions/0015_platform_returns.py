"""Returns reported by the platforms: each return names the platform's own id for it (taken
once per channel), and where polling each channel's returns stands.

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from stockpool.store.tables import UtcDateTime

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("returns") as batch:
        batch.add_column(sa.Column("platform_return_id", sa.String(length=200), nullable=True))
        batch.create_index(
            "ux_returns_channel_platform_return_id",
            ["channel", "platform_return_id"],
            unique=True,
        )
    op.create_table(
        "return_cursors",
        sa.Column("channel", sa.String(length=32), nullable=False),
        sa.Column("cursor", sa.Text(), nullable=True),
        sa.Column("polled_at", UtcDateTime, nullable=False),
        sa.Column("returns_seen", sa.BigInteger(), nullable=False),
        sa.CheckConstraint("returns_seen >= 0", name=op.f("ck_return_cursors_returns_seen")),
        sa.ForeignKeyConstraint(
            ["channel"],
            ["channels.code"],
            name=op.f("fk_return_cursors_channel_channels"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("channel", name=op.f("pk_return_cursors")),
    )


def downgrade() -> None:
    op.drop_table("return_cursors")
    with op.batch_alter_table("returns") as batch:
        batch.drop_index("ux_returns_channel_platform_return_id")
        batch.drop_column("platform_return_id")
