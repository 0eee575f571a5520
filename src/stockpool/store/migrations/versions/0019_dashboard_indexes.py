"""Indexes the dashboard's pages need at 100,000 SKUs: orders by creation time (the overview's
orders per channel per hour), feeds by status (sync health) and, on PostgreSQL, trigram indexes
for the catalog's search (lower(code) / lower(name) LIKE '%text%'; pg_trgm is a trusted
extension from PostgreSQL 13, so a database owner without superuser may create it). SQLite's
search stays a scan.

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-07
"""

from __future__ import annotations

from alembic import op

revision = "0019"
down_revision = "0018"
branch_labels = None
depends_on = None

# (index, column): each a GIN trigram index on lower(column) of skus, as tables/stock.py declares.
_TRIGRAM = (("ix_skus_lower_code_trgm", "code"), ("ix_skus_lower_name_trgm", "name"))


def upgrade() -> None:
    op.create_index("ix_orders_created_at_channel", "orders", ["created_at", "channel"])
    op.create_index("ix_sync_feeds_status_submitted_at", "sync_feeds", ["status", "submitted_at"])
    if op.get_bind().dialect.name == "postgresql":
        op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
        for index, column in _TRIGRAM:
            op.execute(f"CREATE INDEX {index} ON skus USING gin (lower({column}) gin_trgm_ops)")


def downgrade() -> None:
    # The extension stays: other schemas or databases' objects may use it, and it costs nothing.
    if op.get_bind().dialect.name == "postgresql":
        for index, _ in _TRIGRAM:
            op.execute(f"DROP INDEX IF EXISTS {index}")
    op.drop_index("ix_sync_feeds_status_submitted_at", table_name="sync_feeds")
    op.drop_index("ix_orders_created_at_channel", table_name="orders")
