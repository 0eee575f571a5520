"""The one place that knows SQLite and PostgreSQL spell upserts and time arithmetic differently."""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    Connection,
    Integer,
    Table,
    all_,
    any_,
    cast,
    extract,
    func,
    literal,
    literal_column,
    update,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.sql.elements import ColumnElement
from sqlalchemy.types import TypeEngine


def insert(connection: Connection, table: Table) -> Any:
    """An INSERT that supports on_conflict_do_nothing / on_conflict_do_update on this engine."""
    return dialect_insert(connection.dialect.name, table)


def dialect_insert(dialect: str, table: Table) -> Any:
    """The same, for a dialect named "postgresql" or "sqlite"."""
    return postgresql.insert(table) if dialect == "postgresql" else sqlite.insert(table)


def put(
    connection: Connection, table: Table, key: str, code: str, values: dict[str, Any], at: datetime
) -> bool:
    """Create or replace the row whose primary key column key is code; True when it is new.
    Race-safe: the insert decides, and a row that already exists is updated instead."""
    column = table.c[key]
    created = (
        connection.execute(
            insert(connection, table)
            .values({key: code, "created_at": at, **values})
            .on_conflict_do_nothing(index_elements=[column])
            .returning(column)
        ).first()
        is not None
    )
    if not created:
        connection.execute(update(table).where(column == code).values(**values))
    return created


def among(
    dialect: str, column: ColumnElement[Any], values: Collection[Any], kind: TypeEngine[Any]
) -> ColumnElement[bool]:
    """column IN values, in a statement whose text does not depend on how many there are on
    PostgreSQL (one array parameter): psycopg prepares it once per connection, where an IN list
    is parsed and planned again for every length."""
    if dialect == "postgresql":
        return column == any_(literal(sorted(values), postgresql.ARRAY(kind)))
    return column.in_(sorted(values))


def not_among(
    dialect: str, column: ColumnElement[Any], values: Collection[Any], kind: TypeEngine[Any]
) -> ColumnElement[bool]:
    """column NOT IN values, spelled as among is."""
    if dialect == "postgresql":
        return column != all_(literal(sorted(values), postgresql.ARRAY(kind)))
    return column.not_in(sorted(values))


def epoch_hour(dialect: str, column: ColumnElement[datetime]) -> ColumnElement[int]:
    """The hour a UTC timestamp column falls in, as whole hours since 1970-01-01 00:00 UTC: a
    number, so neither the session's time zone (PostgreSQL) nor a text format (SQLite) matters.
    PostgreSQL's epoch of a timestamptz is absolute; SQLite keeps the UTC time as text."""
    # Constants written into the SQL, not bound: GROUP BY repeats the expression, and the
    # statement is the same text on every call.
    hour = literal_column("3600", Integer)
    if dialect == "postgresql":
        return cast(func.floor(extract("epoch", column) / hour), BigInteger)
    return cast(func.strftime(literal_column("'%s'"), column), Integer) // hour
