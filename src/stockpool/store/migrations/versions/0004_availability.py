"""Channel availability: policies (per channel, per SKU), listings and unmapped channel SKUs,
demand rates, the advertised numbers, the sync outbox, channel sync health and feeds, stock
snapshots of 3PLs and marketplaces, and the revision of it all that processes cache by.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from stockpool.store.tables import UtcDateTime

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def _policy(*, with_cost: bool) -> list[sa.Column[object]]:
    columns: list[sa.Column[object]] = [
        sa.Column("share_percent", sa.Integer(), nullable=True),
        sa.Column("buffer", sa.BigInteger(), nullable=True),
        sa.Column("cap", sa.BigInteger(), nullable=True),
        sa.Column("floor", sa.BigInteger(), nullable=True),
        sa.Column("ring_fence", sa.BigInteger(), nullable=True),
        sa.Column("priority", sa.Integer(), nullable=True),
        sa.Column("epsilon", sa.Float(), nullable=True),
    ]
    if with_cost:
        columns.append(sa.Column("cancellation_cost", sa.Integer(), nullable=True))
    return columns


def upgrade() -> None:
    with op.batch_alter_table("locations", schema=None) as batch_op:
        batch_op.add_column(sa.Column("snapshot_max_age_seconds", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("snapshot_at", UtcDateTime, nullable=True))
        batch_op.create_check_constraint(
            "snapshot_max_age_positive", "snapshot_max_age_seconds > 0"
        )

    op.create_table(
        "channel_policies",
        sa.Column("channel", sa.String(length=32), nullable=False),
        *_policy(with_cost=False),
        sa.Column("updated_at", UtcDateTime, nullable=False),
        sa.ForeignKeyConstraint(
            ["channel"], ["channels.code"], name=op.f("fk_channel_policies_channel_channels")
        ),
        sa.PrimaryKeyConstraint("channel", name=op.f("pk_channel_policies")),
    )
    op.create_table(
        "sku_policies",
        sa.Column("sku", sa.String(length=100), nullable=False),
        sa.Column("channel", sa.String(length=32), nullable=False),
        *_policy(with_cost=True),
        sa.Column("updated_at", UtcDateTime, nullable=False),
        sa.ForeignKeyConstraint(
            ["channel"], ["channels.code"], name=op.f("fk_sku_policies_channel_channels")
        ),
        sa.ForeignKeyConstraint(["sku"], ["skus.code"], name=op.f("fk_sku_policies_sku_skus")),
        sa.PrimaryKeyConstraint("sku", "channel", name=op.f("pk_sku_policies")),
    )
    with op.batch_alter_table("sku_policies", schema=None) as batch_op:
        batch_op.create_index("ix_sku_policies_channel", ["channel"], unique=False)

    op.create_table(
        "listings",
        sa.Column("channel", sa.String(length=32), nullable=False),
        sa.Column("channel_sku", sa.String(length=200), nullable=False),
        sa.Column("sku", sa.String(length=100), nullable=False),
        sa.Column("inventory_item_id", sa.String(length=100), nullable=True),
        sa.Column("location_id", sa.String(length=100), nullable=True),
        sa.Column("fulfillment_channel", sa.String(length=100), nullable=True),
        sa.Column("ship_node", sa.String(length=100), nullable=True),
        sa.Column("pushed_quantity", sa.BigInteger(), nullable=True),
        sa.Column("pushed_at", UtcDateTime, nullable=True),
        sa.Column("pushed_changed_at", UtcDateTime, nullable=True),
        sa.Column("confirmed_quantity", sa.BigInteger(), nullable=True),
        sa.Column("confirmed_at", UtcDateTime, nullable=True),
        sa.Column("created_at", UtcDateTime, nullable=False),
        sa.Column("updated_at", UtcDateTime, nullable=False),
        sa.ForeignKeyConstraint(
            ["channel"], ["channels.code"], name=op.f("fk_listings_channel_channels")
        ),
        sa.ForeignKeyConstraint(["sku"], ["skus.code"], name=op.f("fk_listings_sku_skus")),
        sa.PrimaryKeyConstraint("channel", "channel_sku", name=op.f("pk_listings")),
    )
    with op.batch_alter_table("listings", schema=None) as batch_op:
        batch_op.create_index("ix_listings_sku", ["sku"], unique=False)

    op.create_table(
        "unmapped_listings",
        sa.Column("channel", sa.String(length=32), nullable=False),
        sa.Column("channel_sku", sa.String(length=200), nullable=False),
        sa.Column("orders", sa.BigInteger(), nullable=False),
        sa.Column("last_external_id", sa.String(length=100), nullable=False),
        sa.Column("first_seen_at", UtcDateTime, nullable=False),
        sa.Column("last_seen_at", UtcDateTime, nullable=False),
        sa.ForeignKeyConstraint(
            ["channel"], ["channels.code"], name=op.f("fk_unmapped_listings_channel_channels")
        ),
        sa.PrimaryKeyConstraint("channel", "channel_sku", name=op.f("pk_unmapped_listings")),
    )

    op.create_table(
        "demand",
        sa.Column("sku", sa.String(length=100), nullable=False),
        sa.Column("channel", sa.String(length=32), nullable=False),
        sa.Column("units_per_hour", sa.Float(), nullable=False),
        sa.Column("as_of", UtcDateTime, nullable=False),
        sa.ForeignKeyConstraint(
            ["channel"], ["channels.code"], name=op.f("fk_demand_channel_channels")
        ),
        sa.ForeignKeyConstraint(["sku"], ["skus.code"], name=op.f("fk_demand_sku_skus")),
        sa.PrimaryKeyConstraint("sku", "channel", name=op.f("pk_demand")),
    )

    op.create_table(
        "availability",
        sa.Column("sku", sa.String(length=100), nullable=False),
        sa.Column("advertised", sa.String(), nullable=False),
        sa.Column("computed_at", UtcDateTime, nullable=False),
        sa.ForeignKeyConstraint(["sku"], ["skus.code"], name=op.f("fk_availability_sku_skus")),
        sa.PrimaryKeyConstraint("sku", name=op.f("pk_availability")),
    )

    op.create_table(
        "sync_outbox",
        sa.Column("channel", sa.String(length=32), nullable=False),
        sa.Column("channel_sku", sa.String(length=200), nullable=False),
        sa.Column("sku", sa.String(length=100), nullable=False),
        sa.Column("quantity", sa.BigInteger(), nullable=False),
        sa.Column("version", sa.BigInteger(), nullable=False),
        sa.Column("queued_at", UtcDateTime, nullable=False),
        sa.Column("changed_at", UtcDateTime, nullable=False),
        sa.CheckConstraint("quantity >= 0", name=op.f("ck_sync_outbox_quantity_not_negative")),
        sa.ForeignKeyConstraint(
            ["channel", "channel_sku"],
            ["listings.channel", "listings.channel_sku"],
            name="fk_sync_outbox_listing",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("channel", "channel_sku", name=op.f("pk_sync_outbox")),
    )
    with op.batch_alter_table("sync_outbox", schema=None) as batch_op:
        batch_op.create_index(
            "ix_sync_outbox_channel_queued_at", ["channel", "queued_at"], unique=False
        )

    op.create_table(
        "channel_sync",
        sa.Column("channel", sa.String(length=32), nullable=False),
        sa.Column("lag_seconds", sa.Float(), nullable=True),
        sa.Column("lag_samples", sa.BigInteger(), server_default="0", nullable=False),
        sa.Column("last_success_at", UtcDateTime, nullable=True),
        sa.Column("last_failure_at", UtcDateTime, nullable=True),
        sa.Column("last_error", sa.String(length=500), nullable=True),
        sa.Column("failures_in_row", sa.Integer(), server_default="0", nullable=False),
        sa.Column("status", sa.String(length=16), server_default="ok", nullable=False),
        sa.Column("reasons", sa.JSON(), nullable=True),
        sa.Column("checked_at", UtcDateTime, nullable=True),
        sa.CheckConstraint(
            "status IN ('ok', 'failing', 'stale')", name=op.f("ck_channel_sync_status")
        ),
        sa.ForeignKeyConstraint(
            ["channel"], ["channels.code"], name=op.f("fk_channel_sync_channel_channels")
        ),
        sa.PrimaryKeyConstraint("channel", name=op.f("pk_channel_sync")),
    )

    op.create_table(
        "sync_feeds",
        sa.Column("channel", sa.String(length=32), nullable=False),
        sa.Column("feed_id", sa.String(length=200), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("submitted_at", UtcDateTime, nullable=False),
        sa.Column("updated_at", UtcDateTime, nullable=False),
        sa.CheckConstraint(
            "status IN ('processing', 'done', 'failed')", name=op.f("ck_sync_feeds_status")
        ),
        sa.ForeignKeyConstraint(
            ["channel"], ["channels.code"], name=op.f("fk_sync_feeds_channel_channels")
        ),
        sa.PrimaryKeyConstraint("channel", "feed_id", name=op.f("pk_sync_feeds")),
    )

    revisions = op.create_table(
        "availability_revision",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("revision", sa.BigInteger(), nullable=False),
        sa.CheckConstraint("id = 1", name=op.f("ck_availability_revision_one_row")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_availability_revision")),
    )
    op.bulk_insert(revisions, [{"id": 1, "revision": 1}])


def downgrade() -> None:
    op.drop_table("availability_revision")
    op.drop_table("sync_feeds")
    op.drop_table("channel_sync")
    with op.batch_alter_table("sync_outbox", schema=None) as batch_op:
        batch_op.drop_index("ix_sync_outbox_channel_queued_at")
    op.drop_table("sync_outbox")
    op.drop_table("availability")
    op.drop_table("demand")
    op.drop_table("unmapped_listings")
    with op.batch_alter_table("listings", schema=None) as batch_op:
        batch_op.drop_index("ix_listings_sku")
    op.drop_table("listings")
    with op.batch_alter_table("sku_policies", schema=None) as batch_op:
        batch_op.drop_index("ix_sku_policies_channel")
    op.drop_table("sku_policies")
    op.drop_table("channel_policies")
    with op.batch_alter_table("locations", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_locations_snapshot_max_age_positive"), type_="check")
        batch_op.drop_column("snapshot_at")
        batch_op.drop_column("snapshot_max_age_seconds")
