"""Alembic environment: runs migrations on the engine stockpool handed over (never a URL in a file)."""

from __future__ import annotations

from alembic import context
from sqlalchemy import Connection

from stockpool.domain.errors import InvariantBroken
from stockpool.store.tables import metadata

engine = context.config.attributes["engine"]


def _sqlite_foreign_keys(connection: Connection, on: bool) -> None:
    """SQLite changes a table's constraints by copying it into a new one and dropping the old;
    with foreign keys enforced, dropping a table others refer to would fail. The pragma only
    takes effect outside a transaction, so it is set around the migration, and the keys are
    checked once it is done."""
    dbapi = connection.connection.dbapi_connection
    if dbapi is None:  # only a closed or invalidated connection has none
        raise InvariantBroken("The migration's connection has no DBAPI connection under it.")
    if on:
        broken = dbapi.execute("PRAGMA foreign_key_check").fetchall()
        dbapi.execute("PRAGMA foreign_keys=ON")
        if broken:
            raise RuntimeError(f"the migration left rows with broken foreign keys: {broken[:5]}")
    else:
        dbapi.execute("PRAGMA foreign_keys=OFF")


with engine.connect() as connection:
    sqlite = connection.dialect.name == "sqlite"
    if sqlite:
        _sqlite_foreign_keys(connection, on=False)
    try:
        context.configure(
            connection=connection,
            target_metadata=metadata,
            render_as_batch=sqlite,
            compare_type=True,
        )
        with context.begin_transaction():
            context.run_migrations()
        connection.commit()
    finally:
        if sqlite:
            _sqlite_foreign_keys(connection, on=True)
