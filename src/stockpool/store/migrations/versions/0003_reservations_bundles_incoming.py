"""Reservations (holds in reserved, with an expiry), pending orders, bundles, and incoming lots
with the date they should land (and the short order lines promised their units).

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-28
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from stockpool.store.tables import UtcDateTime

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    with op.batch_alter_table("order_lines", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("reserved", sa.BigInteger(), server_default="0", nullable=False)
        )
        batch_op.add_column(sa.Column("bundle", sa.String(length=100), nullable=True))
        batch_op.add_column(sa.Column("bundle_line", sa.Integer(), nullable=True))
        batch_op.drop_constraint(op.f("ck_order_lines_adds_up"), type_="check")
        batch_op.drop_constraint(op.f("ck_order_lines_not_negative"), type_="check")
        batch_op.create_check_constraint(
            "adds_up", "quantity = reserved + committed + short + shipped + cancelled"
        )
        batch_op.create_check_constraint(
            "not_negative",
            "reserved >= 0 AND committed >= 0 AND short >= 0 AND shipped >= 0 AND cancelled >= 0",
        )
        batch_op.create_index("ix_order_lines_sku_short", ["sku", "short"], unique=False)

    op.create_table(
        "reservations",
        sa.Column("id", _ID, autoincrement=True, nullable=False),
        sa.Column("channel", sa.String(length=32), nullable=False),
        sa.Column("reference", sa.String(length=100), nullable=True),
        sa.Column("order_id", _ID, nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("fingerprint", sa.String(length=64), nullable=False),
        sa.Column("lines", sa.JSON(), nullable=False),
        sa.Column("expires_at", UtcDateTime, nullable=False),
        sa.Column("created_at", UtcDateTime, nullable=False),
        sa.Column("closed_at", UtcDateTime, nullable=True),
        sa.CheckConstraint(
            "status IN ('active', 'confirmed', 'released', 'expired')",
            name=op.f("ck_reservations_status"),
        ),
        sa.ForeignKeyConstraint(
            ["channel"], ["channels.code"], name=op.f("fk_reservations_channel_channels")
        ),
        sa.ForeignKeyConstraint(
            ["order_id"], ["orders.id"], name=op.f("fk_reservations_order_id_orders")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_reservations")),
        sa.UniqueConstraint("channel", "reference", name="uq_reservations_channel_reference"),
    )
    with op.batch_alter_table("reservations", schema=None) as batch_op:
        batch_op.create_index("ix_reservations_order_id", ["order_id"], unique=False)
        batch_op.create_index(
            "ix_reservations_status_expires_at", ["status", "expires_at"], unique=False
        )

    op.create_table(
        "reservation_holds",
        sa.Column("reservation_id", _ID, nullable=False),
        sa.Column("line_no", sa.Integer(), nullable=False),
        sa.Column("location", sa.String(length=64), nullable=False),
        sa.Column("sku", sa.String(length=100), nullable=False),
        sa.Column("units", sa.BigInteger(), nullable=False),
        sa.CheckConstraint("units > 0", name=op.f("ck_reservation_holds_units_positive")),
        sa.ForeignKeyConstraint(
            ["location"], ["locations.code"], name=op.f("fk_reservation_holds_location_locations")
        ),
        sa.ForeignKeyConstraint(
            ["reservation_id"],
            ["reservations.id"],
            name=op.f("fk_reservation_holds_reservation_id_reservations"),
        ),
        sa.ForeignKeyConstraint(["sku"], ["skus.code"], name=op.f("fk_reservation_holds_sku_skus")),
        sa.PrimaryKeyConstraint(
            "reservation_id", "line_no", "location", name=op.f("pk_reservation_holds")
        ),
    )
    with op.batch_alter_table("reservation_holds", schema=None) as batch_op:
        batch_op.create_index("ix_reservation_holds_sku", ["sku"], unique=False)

    op.create_table(
        "bundle_components",
        sa.Column("bundle", sa.String(length=100), nullable=False),
        sa.Column("component", sa.String(length=100), nullable=False),
        sa.Column("units", sa.Integer(), nullable=False),
        sa.CheckConstraint("bundle <> component", name=op.f("ck_bundle_components_not_itself")),
        sa.CheckConstraint("units > 0", name=op.f("ck_bundle_components_units_positive")),
        sa.ForeignKeyConstraint(
            ["bundle"], ["skus.code"], name=op.f("fk_bundle_components_bundle_skus")
        ),
        sa.ForeignKeyConstraint(
            ["component"], ["skus.code"], name=op.f("fk_bundle_components_component_skus")
        ),
        sa.PrimaryKeyConstraint("bundle", "component", name=op.f("pk_bundle_components")),
    )
    with op.batch_alter_table("bundle_components", schema=None) as batch_op:
        batch_op.create_index("ix_bundle_components_component", ["component"], unique=False)

    op.create_table(
        "inbound",
        sa.Column("id", _ID, autoincrement=True, nullable=False),
        sa.Column("sku", sa.String(length=100), nullable=False),
        sa.Column("location", sa.String(length=64), nullable=False),
        sa.Column("units", sa.BigInteger(), nullable=False),
        sa.Column("eta", UtcDateTime, nullable=True),
        sa.Column("reference", sa.String(length=200), nullable=True),
        sa.Column("created_at", UtcDateTime, nullable=False),
        sa.CheckConstraint("units > 0", name=op.f("ck_inbound_units_positive")),
        sa.ForeignKeyConstraint(
            ["location"], ["locations.code"], name=op.f("fk_inbound_location_locations")
        ),
        sa.ForeignKeyConstraint(["sku"], ["skus.code"], name=op.f("fk_inbound_sku_skus")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_inbound")),
    )
    with op.batch_alter_table("inbound", schema=None) as batch_op:
        batch_op.create_index("ix_inbound_sku_location", ["sku", "location"], unique=False)

    op.create_table(
        "inbound_promises",
        sa.Column("lot", _ID, nullable=False),
        sa.Column("order_id", _ID, nullable=False),
        sa.Column("line_no", sa.Integer(), nullable=False),
        sa.Column("units", sa.BigInteger(), nullable=False),
        sa.CheckConstraint("units > 0", name=op.f("ck_inbound_promises_units_positive")),
        sa.ForeignKeyConstraint(
            ["lot"],
            ["inbound.id"],
            name=op.f("fk_inbound_promises_lot_inbound"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["order_id", "line_no"],
            ["order_lines.order_id", "order_lines.line_no"],
            name="fk_inbound_promises_order_line",
        ),
        sa.PrimaryKeyConstraint("lot", "order_id", "line_no", name=op.f("pk_inbound_promises")),
    )


def downgrade() -> None:
    op.drop_table("inbound_promises")
    with op.batch_alter_table("inbound", schema=None) as batch_op:
        batch_op.drop_index("ix_inbound_sku_location")
    op.drop_table("inbound")
    with op.batch_alter_table("bundle_components", schema=None) as batch_op:
        batch_op.drop_index("ix_bundle_components_component")
    op.drop_table("bundle_components")
    with op.batch_alter_table("reservation_holds", schema=None) as batch_op:
        batch_op.drop_index("ix_reservation_holds_sku")
    op.drop_table("reservation_holds")
    with op.batch_alter_table("reservations", schema=None) as batch_op:
        batch_op.drop_index("ix_reservations_status_expires_at")
        batch_op.drop_index("ix_reservations_order_id")
    op.drop_table("reservations")
    with op.batch_alter_table("order_lines", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_order_lines_adds_up"), type_="check")
        batch_op.drop_constraint(op.f("ck_order_lines_not_negative"), type_="check")
        batch_op.create_check_constraint(
            "adds_up", "quantity = committed + short + shipped + cancelled"
        )
        batch_op.create_check_constraint(
            "not_negative", "committed >= 0 AND short >= 0 AND shipped >= 0 AND cancelled >= 0"
        )
        batch_op.drop_index("ix_order_lines_sku_short")
        batch_op.drop_column("bundle_line")
        batch_op.drop_column("bundle")
        batch_op.drop_column("reserved")
