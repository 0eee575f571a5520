"""How stockpool reaches each channel's platform: its URL and its credentials, encrypted.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from stockpool.store.tables import UtcDateTime

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "channel_connections",
        sa.Column("channel", sa.String(length=32), nullable=False),
        sa.Column("url", sa.String(length=500), nullable=False),
        sa.Column("token_url", sa.String(length=500), nullable=True),
        sa.Column("credential_keys", sa.JSON(), nullable=False),
        sa.Column("credentials", sa.Text(), nullable=False),
        sa.Column("updated_at", UtcDateTime, nullable=False),
        sa.ForeignKeyConstraint(
            ["channel"],
            ["channels.code"],
            name=op.f("fk_channel_connections_channel_channels"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("channel", name=op.f("pk_channel_connections")),
    )


def downgrade() -> None:
    op.drop_table("channel_connections")
