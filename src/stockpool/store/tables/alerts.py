"""Alerts as they were raised and resolved, the subscribers told of them, and the outbox of
deliveries to those subscribers (written in the transaction that raises or resolves)."""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    CheckConstraint,
    Column,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    Text,
)

from stockpool.store.tables.base import OrderId, UtcDateTime, metadata

# An alert while it holds, and after. open_key is "<kind> <subject>" while it is open and NULL
# once resolved: the unique index lets one open alert per kind and subject exist, so two
# evaluations racing cannot raise it twice.
alerts = Table(
    "alerts",
    metadata,
    Column("id", OrderId, primary_key=True, autoincrement=True),
    Column("kind", String(32), nullable=False),
    Column("subject", String(300), nullable=False),
    Column("severity", String(16), nullable=False),
    Column("message", Text, nullable=False),
    Column("sku", String(100), nullable=True),
    Column("channel", String(64), nullable=True),
    Column("location", String(64), nullable=True),
    Column("since", UtcDateTime, nullable=False),
    Column("raised_at", UtcDateTime, nullable=False),
    Column("resolved_at", UtcDateTime, nullable=True),
    Column("open_key", String(340), nullable=True),
    CheckConstraint("severity IN ('warning', 'critical')", name="severity"),
    Index("ux_alerts_open_key", "open_key", unique=True),
    Index("ix_alerts_kind_id", "kind", "id"),
    # The open alerts (resolved_at IS NULL), read by every pass of alert evaluation.
    Index("ix_alerts_resolved_at", "resolved_at"),
)

# Who is told: a URL, the kinds it wants (NULL: all), and its signing secret (sealed with the
# secret box, like channel credentials). Deleting one sets deleted_at: its delivery log stays.
webhook_subscribers = Table(
    "webhook_subscribers",
    metadata,
    Column("id", OrderId, primary_key=True, autoincrement=True),
    Column("url", String(2000), nullable=False),
    Column("kinds", JSON, nullable=True),
    Column("description", String(200), nullable=False, server_default=""),
    Column("secret", Text, nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    Column("deleted_at", UtcDateTime, nullable=True),
)

# One event for one subscriber; body is the exact JSON sent on every attempt.
webhook_deliveries = Table(
    "webhook_deliveries",
    metadata,
    Column("id", OrderId, primary_key=True, autoincrement=True),
    Column("subscriber_id", OrderId, ForeignKey("webhook_subscribers.id"), nullable=False),
    Column("event", String(32), nullable=False),
    Column("alert_id", OrderId, ForeignKey("alerts.id"), nullable=False),
    Column("body", Text, nullable=False),
    Column("status", String(16), nullable=False),
    Column("attempts", Integer, nullable=False, server_default="0"),
    Column("last_status_code", Integer, nullable=True),
    Column("last_error", String(500), nullable=True),
    Column("next_attempt_at", UtcDateTime, nullable=True),
    Column("delivered_at", UtcDateTime, nullable=True),
    Column("created_at", UtcDateTime, nullable=False),
    CheckConstraint("status IN ('pending', 'delivered', 'failed')", name="status"),
    # The sender's queue: pending ones by when they are due.
    Index("ix_webhook_deliveries_status_next_attempt_at", "status", "next_attempt_at"),
    Index("ix_webhook_deliveries_subscriber_id_id", "subscriber_id", "id"),
)
