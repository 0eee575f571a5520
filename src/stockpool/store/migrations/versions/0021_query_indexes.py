"""Indexes the API's and the workers' queries need (tests/store/test_query_plans.py explains
each on PostgreSQL): the open alerts, which alert evaluation reads every pass (by resolved_at,
NULL while open: the resolved ones pile up), and the locations that report stock snapshots,
which every availability decision reads (by snapshot_at, NULL for those that report none).

Revision ID: 0021
Revises: 0020
Create Date: 2026-12-07
"""

from __future__ import annotations

from alembic import op

revision = "0021"
down_revision = "0020"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_alerts_resolved_at", "alerts", ["resolved_at"])
    op.create_index("ix_locations_snapshot_at", "locations", ["snapshot_at"])


def downgrade() -> None:
    op.drop_index("ix_locations_snapshot_at", table_name="locations")
    op.drop_index("ix_alerts_resolved_at", table_name="alerts")
