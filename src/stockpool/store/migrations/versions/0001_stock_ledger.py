"""The stock ledger: catalog, balances, the append-only ledger, idempotency keys, API keys.

Revision ID: 0001
Revises:
Create Date: 2026-11-28
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from stockpool.store.tables import LedgerId, UtcDateTime

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

STATES = (
    "available",
    "reserved",
    "committed",
    "quality_control",
    "damaged",
    "safety_stock",
    "incoming",
)
STATE_LIST = ", ".join(f"'{s}'" for s in STATES)


def upgrade() -> None:
    op.create_table(
        "skus",
        sa.Column("code", sa.String(100), primary_key=True),
        sa.Column("name", sa.String(200), nullable=False, server_default=""),
        sa.Column("barcode", sa.String(64), nullable=True),
        sa.Column("created_at", UtcDateTime, nullable=False),
        sa.Column("updated_at", UtcDateTime, nullable=False),
        sa.PrimaryKeyConstraint("code", name="pk_skus"),
    )
    op.create_table(
        "locations",
        sa.Column("code", sa.String(64), primary_key=True),
        sa.Column("name", sa.String(200), nullable=False, server_default=""),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("priority", sa.Integer, nullable=False, server_default="100"),
        sa.Column("region", sa.String(32), nullable=True),
        sa.Column("created_at", UtcDateTime, nullable=False),
        sa.Column("updated_at", UtcDateTime, nullable=False),
        sa.PrimaryKeyConstraint("code", name="pk_locations"),
        sa.CheckConstraint(
            "kind IN ('warehouse', '3pl', 'store', 'marketplace_fulfilled')",
            name="ck_locations_kind",
        ),
    )
    op.create_table(
        "location_channels",
        sa.Column("location", sa.String(64), nullable=False),
        sa.Column("channel", sa.String(32), nullable=False),
        sa.PrimaryKeyConstraint("location", "channel", name="pk_location_channels"),
        sa.ForeignKeyConstraint(
            ["location"],
            ["locations.code"],
            ondelete="CASCADE",
            name="fk_location_channels_location_locations",
        ),
    )
    op.create_table(
        "balances",
        sa.Column("sku", sa.String(100), nullable=False),
        sa.Column("location", sa.String(64), nullable=False),
        *(sa.Column(s, sa.BigInteger, nullable=False, server_default="0") for s in STATES),
        sa.PrimaryKeyConstraint("sku", "location", name="pk_balances"),
        sa.ForeignKeyConstraint(["sku"], ["skus.code"], name="fk_balances_sku_skus"),
        sa.ForeignKeyConstraint(
            ["location"], ["locations.code"], name="fk_balances_location_locations"
        ),
        *(sa.CheckConstraint(f"{s} >= 0", name=f"ck_balances_{s}_not_negative") for s in STATES),
    )
    op.create_index("ix_balances_location", "balances", ["location"])
    op.create_table(
        "ledger",
        sa.Column("id", LedgerId, primary_key=True, autoincrement=True),
        sa.Column("at", UtcDateTime, nullable=False),
        sa.Column("sku", sa.String(100), nullable=False),
        sa.Column("location", sa.String(64), nullable=False),
        sa.Column("from_state", sa.String(20), nullable=True),
        sa.Column("to_state", sa.String(20), nullable=True),
        sa.Column("quantity", sa.BigInteger, nullable=False),
        sa.Column("reason", sa.String(32), nullable=False),
        sa.Column("reference", sa.String(200), nullable=True),
        sa.Column("actor", sa.String(100), nullable=False),
        sa.Column("idempotency_key", sa.String(300), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_ledger"),
        sa.ForeignKeyConstraint(["sku"], ["skus.code"], name="fk_ledger_sku_skus"),
        sa.ForeignKeyConstraint(
            ["location"], ["locations.code"], name="fk_ledger_location_locations"
        ),
        sa.UniqueConstraint("idempotency_key", name="uq_ledger_idempotency_key"),
        sa.CheckConstraint("quantity > 0", name="ck_ledger_quantity_positive"),
        sa.CheckConstraint(
            "from_state IS NOT NULL OR to_state IS NOT NULL", name="ck_ledger_has_a_state"
        ),
        sa.CheckConstraint(
            f"from_state IS NULL OR from_state IN ({STATE_LIST})", name="ck_ledger_from_state"
        ),
        sa.CheckConstraint(
            f"to_state IS NULL OR to_state IN ({STATE_LIST})", name="ck_ledger_to_state"
        ),
    )
    op.create_index("ix_ledger_sku_id", "ledger", ["sku", "id"])
    op.create_index("ix_ledger_location_id", "ledger", ["location", "id"])
    op.create_index("ix_ledger_reference", "ledger", ["reference"])
    op.create_index("ix_ledger_at", "ledger", ["at"])
    op.create_table(
        "idempotency_keys",
        sa.Column("key", sa.String(255), nullable=False),
        sa.Column("operation", sa.String(50), nullable=False),
        sa.Column("request_hash", sa.String(64), nullable=False),
        sa.Column("response", sa.JSON, nullable=True),
        sa.Column("created_at", UtcDateTime, nullable=False),
        sa.PrimaryKeyConstraint("key", name="pk_idempotency_keys"),
    )
    op.create_table(
        "api_keys",
        sa.Column("id", sa.String(32), nullable=False),
        sa.Column("name", sa.String(200), nullable=False, server_default=""),
        sa.Column("role", sa.String(16), nullable=False),
        sa.Column("key_hash", sa.String(64), nullable=False),
        sa.Column("created_at", UtcDateTime, nullable=False),
        sa.Column("revoked_at", UtcDateTime, nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_api_keys"),
        sa.UniqueConstraint("key_hash", name="uq_api_keys_key_hash"),
        sa.CheckConstraint("role IN ('viewer', 'operator', 'admin')", name="ck_api_keys_role"),
    )
    _make_ledger_append_only()


def _make_ledger_append_only() -> None:
    """The database itself refuses to change or delete a ledger line."""
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            """
            CREATE FUNCTION stockpool_ledger_append_only() RETURNS trigger AS $$
            BEGIN
                RAISE EXCEPTION 'the stock ledger is append-only: % is not allowed', TG_OP;
            END;
            $$ LANGUAGE plpgsql
            """
        )
        op.execute(
            "CREATE TRIGGER ledger_append_only BEFORE UPDATE OR DELETE ON ledger "
            "FOR EACH ROW EXECUTE FUNCTION stockpool_ledger_append_only()"
        )
    else:
        for operation in ("UPDATE", "DELETE"):
            op.execute(
                f"CREATE TRIGGER ledger_no_{operation.lower()} BEFORE {operation} ON ledger "
                "BEGIN SELECT RAISE(ABORT, 'the stock ledger is append-only'); END"
            )


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS ledger_append_only ON ledger")
        op.execute("DROP FUNCTION IF EXISTS stockpool_ledger_append_only()")
    for table in (
        "api_keys",
        "idempotency_keys",
        "ledger",
        "balances",
        "location_channels",
        "locations",
        "skus",
    ):
        op.drop_table(table)
