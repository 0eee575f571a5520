"""The sync worker: a lease per channel (one process pushes to a channel at a time), retries with
backoff per outbox entry, the pushes of each bulk feed (so another process can follow it), when
each channel was last reconciled, and the drift reconciliation finds.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from stockpool.store.tables import UtcDateTime

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("sync_outbox", schema=None) as batch_op:
        batch_op.add_column(sa.Column("attempts", sa.Integer(), server_default="0", nullable=False))
        batch_op.add_column(sa.Column("next_attempt_at", UtcDateTime, nullable=True))
        batch_op.add_column(sa.Column("last_error", sa.String(length=500), nullable=True))
    with op.batch_alter_table("sync_feeds", schema=None) as batch_op:
        batch_op.add_column(sa.Column("pushes", sa.JSON(), nullable=True))
    with op.batch_alter_table("channel_sync", schema=None) as batch_op:
        batch_op.add_column(sa.Column("leased_by", sa.String(length=200), nullable=True))
        batch_op.add_column(sa.Column("lease_until", UtcDateTime, nullable=True))
        batch_op.add_column(sa.Column("reconciled_at", UtcDateTime, nullable=True))
    op.create_table(
        "listing_drift",
        sa.Column("channel", sa.String(length=32), nullable=False),
        sa.Column("channel_sku", sa.String(length=200), nullable=False),
        sa.Column("expected", sa.BigInteger(), nullable=False),
        sa.Column("shown", sa.BigInteger(), nullable=True),
        sa.Column("readings", sa.Integer(), nullable=False),
        sa.Column("first_seen_at", UtcDateTime, nullable=False),
        sa.Column("last_seen_at", UtcDateTime, nullable=False),
        sa.ForeignKeyConstraint(
            ["channel", "channel_sku"],
            ["listings.channel", "listings.channel_sku"],
            name="fk_listing_drift_listing",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("channel", "channel_sku", name=op.f("pk_listing_drift")),
    )


def downgrade() -> None:
    op.drop_table("listing_drift")
    with op.batch_alter_table("channel_sync", schema=None) as batch_op:
        batch_op.drop_column("reconciled_at")
        batch_op.drop_column("lease_until")
        batch_op.drop_column("leased_by")
    with op.batch_alter_table("sync_feeds", schema=None) as batch_op:
        batch_op.drop_column("pushes")
    with op.batch_alter_table("sync_outbox", schema=None) as batch_op:
        batch_op.drop_column("last_error")
        batch_op.drop_column("next_attempt_at")
        batch_op.drop_column("attempts")
