"""SQLite: pad the year of timestamps the availability store once wrote by hand with strftime,
which gave year 1 as '1-01-01 ...': a text neither SQLAlchemy nor fromisoformat reads, so every
later read of the SKU failed. PostgreSQL stored real timestamps and needs nothing.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-07
"""

from __future__ import annotations

from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

# Every timestamp column written through that hand-made text.
_WRITTEN_BY_HAND = (
    ("demand", "as_of"),
    ("availability", "computed_at"),
    ("sync_outbox", "queued_at"),
    ("sync_outbox", "changed_at"),
)


def upgrade() -> None:
    if op.get_bind().dialect.name != "sqlite":
        return
    for table, column in _WRITTEN_BY_HAND:
        # A year of n < 4 digits ends at the first '-' (position n + 1): 4 - n zeros before it.
        op.execute(
            f"UPDATE {table} SET {column} = substr('000', 1, 5 - instr({column}, '-')) || {column} "
            f"WHERE instr({column}, '-') BETWEEN 2 AND 4"
        )


def downgrade() -> None:
    pass  # the padded text is what every version reads
