"""Alerts (raised and resolved), webhook subscribers and their deliveries (an outbox).

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from stockpool.store.tables import OrderId, UtcDateTime

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "alerts",
        sa.Column("id", OrderId, autoincrement=True, nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("subject", sa.String(length=300), nullable=False),
        sa.Column("severity", sa.String(length=16), nullable=False),
        sa.Column("message", sa.Text(), nullable=False),
        sa.Column("sku", sa.String(length=100), nullable=True),
        sa.Column("channel", sa.String(length=64), nullable=True),
        sa.Column("location", sa.String(length=64), nullable=True),
        sa.Column("since", UtcDateTime, nullable=False),
        sa.Column("raised_at", UtcDateTime, nullable=False),
        sa.Column("resolved_at", UtcDateTime, nullable=True),
        sa.Column("open_key", sa.String(length=340), nullable=True),
        sa.CheckConstraint("severity IN ('warning', 'critical')", name=op.f("ck_alerts_severity")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_alerts")),
    )
    op.create_index("ux_alerts_open_key", "alerts", ["open_key"], unique=True)
    op.create_index("ix_alerts_kind_id", "alerts", ["kind", "id"])
    op.create_table(
        "webhook_subscribers",
        sa.Column("id", OrderId, autoincrement=True, nullable=False),
        sa.Column("url", sa.String(length=2000), nullable=False),
        sa.Column("kinds", sa.JSON(), nullable=True),
        sa.Column("description", sa.String(length=200), server_default="", nullable=False),
        sa.Column("secret", sa.Text(), nullable=False),
        sa.Column("created_at", UtcDateTime, nullable=False),
        sa.Column("deleted_at", UtcDateTime, nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_webhook_subscribers")),
    )
    op.create_table(
        "webhook_deliveries",
        sa.Column("id", OrderId, autoincrement=True, nullable=False),
        sa.Column("subscriber_id", OrderId, nullable=False),
        sa.Column("event", sa.String(length=32), nullable=False),
        sa.Column("alert_id", OrderId, nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("attempts", sa.Integer(), server_default="0", nullable=False),
        sa.Column("last_status_code", sa.Integer(), nullable=True),
        sa.Column("last_error", sa.String(length=500), nullable=True),
        sa.Column("next_attempt_at", UtcDateTime, nullable=True),
        sa.Column("delivered_at", UtcDateTime, nullable=True),
        sa.Column("created_at", UtcDateTime, nullable=False),
        sa.CheckConstraint(
            "status IN ('pending', 'delivered', 'failed')",
            name=op.f("ck_webhook_deliveries_status"),
        ),
        sa.ForeignKeyConstraint(
            ["subscriber_id"],
            ["webhook_subscribers.id"],
            name=op.f("fk_webhook_deliveries_subscriber_id_webhook_subscribers"),
        ),
        sa.ForeignKeyConstraint(
            ["alert_id"], ["alerts.id"], name=op.f("fk_webhook_deliveries_alert_id_alerts")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_webhook_deliveries")),
    )
    op.create_index(
        "ix_webhook_deliveries_status_next_attempt_at",
        "webhook_deliveries",
        ["status", "next_attempt_at"],
    )
    op.create_index(
        "ix_webhook_deliveries_subscriber_id_id", "webhook_deliveries", ["subscriber_id", "id"]
    )


def downgrade() -> None:
    op.drop_table("webhook_deliveries")
    op.drop_table("webhook_subscribers")
    op.drop_table("alerts")
