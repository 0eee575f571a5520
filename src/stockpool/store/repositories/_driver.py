"""Statements for the hot path, compiled once per engine and run on the driver's own cursor.

SQLAlchemy's per-execution bookkeeping costs about 70 µs a statement on this machine - more than
SQLite takes to run the statement. The hot path (a guarded balance update and one ledger insert
per movement) is compiled from the same Core statements, once, and executed directly. Parameter
values must already be what the driver takes: strings and integers as they are; a column whose
type converts values (the UTC timestamp) is converted with that type's own bind processor.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, cast

from sqlalchemy import Column, Connection
from sqlalchemy.engine import Dialect
from sqlalchemy.sql import ClauseElement
from sqlalchemy.sql.compiler import SQLCompiler


class DriverStatement:
    def __init__(
        self,
        statement: ClauseElement,
        dialect: Dialect,
        *,
        column_keys: list[str] | None = None,
        converted: tuple[Column[Any], ...] = (),
    ) -> None:
        compiled = cast(SQLCompiler, statement.compile(dialect=dialect, column_keys=column_keys))
        self.sql = compiled.string
        # qmark drivers (sqlite3) take a sequence in this order; pyformat ones (psycopg) a dict.
        self._order = compiled.positiontup
        self._converters: dict[str, Callable[[Any], Any]] = {}
        for column in converted:
            processor = column.type.dialect_impl(dialect).bind_processor(dialect)
            if processor is not None:
                self._converters[column.key] = processor
        self.integrity_error: type[Exception] = dialect.loaded_dbapi.IntegrityError

    def first(
        self, connection: Connection, parameters: Mapping[str, Any]
    ) -> tuple[Any, ...] | None:
        """Run with parameters inside connection's transaction; the first row returned, if any."""
        if self._converters:
            parameters = {
                name: self._converters[name](value) if name in self._converters else value
                for name, value in parameters.items()
            }
        values: Any = parameters if self._order is None else [parameters[n] for n in self._order]
        cursor = connection.connection.cursor()
        try:
            cursor.execute(self.sql, values)
            row = cursor.fetchone()
        finally:
            cursor.close()
        return tuple(row) if row is not None else None
