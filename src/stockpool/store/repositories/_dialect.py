"""The one place that knows SQLite and PostgreSQL spell upserts differently."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, Table
from sqlalchemy.dialects import postgresql, sqlite


def insert(connection: Connection, table: Table) -> Any:
    """An INSERT that supports on_conflict_do_nothing / on_conflict_do_update on this engine."""
    return dialect_insert(connection.dialect.name, table)


def dialect_insert(dialect: str, table: Table) -> Any:
    """The same, for a dialect named "postgresql" or "sqlite"."""
    return postgresql.insert(table) if dialect == "postgresql" else sqlite.insert(table)
