"""Webhook deliveries taken, by the platform's event id, so that one seen again is a no-op.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from stockpool.store.tables import UtcDateTime

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "webhook_events",
        sa.Column("channel", sa.String(length=32), nullable=False),
        sa.Column("event_id", sa.String(length=200), nullable=False),
        sa.Column("received_at", UtcDateTime, nullable=False),
        sa.ForeignKeyConstraint(
            ["channel"],
            ["channels.code"],
            name=op.f("fk_webhook_events_channel_channels"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("channel", "event_id", name=op.f("pk_webhook_events")),
    )


def downgrade() -> None:
    op.drop_table("webhook_events")
