"""Statements for the hot path, compiled once per engine and run on the driver's own cursor.

SQLAlchemy's per-execution bookkeeping costs about 70 µs a statement on this machine - more than
SQLite takes to run the statement. The hot path (a guarded balance update and one ledger insert
per movement) is compiled from the same Core statements, once, and executed directly. Parameter
values must already be what the driver takes: strings and integers as they are; a column whose
type converts values (the UTC timestamp) is converted with that type's own bind processor.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import datetime
from typing import Any, TypeVar, cast

from sqlalchemy import Column, Connection, Table
from sqlalchemy.engine import Dialect
from sqlalchemy.sql import ClauseElement
from sqlalchemy.sql.compiler import SQLCompiler

from stockpool.store.tables import UtcDateTime


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
                self._converters[column.key] = _remembering(processor)
        self.integrity_error: type[Exception] = dialect.loaded_dbapi.IntegrityError

    def _values(self, parameters: Mapping[str, Any]) -> Any:
        if self._converters:
            converted = dict(parameters)
            for name, convert in self._converters.items():
                if name in converted:
                    converted[name] = convert(converted[name])
            parameters = converted
        return parameters if self._order is None else [parameters[n] for n in self._order]

    def first(
        self, connection: Connection, parameters: Mapping[str, Any]
    ) -> tuple[Any, ...] | None:
        """Run with parameters inside connection's transaction; the first row returned, if any."""
        cursor = connection.connection.cursor()
        try:
            cursor.execute(self.sql, self._values(parameters))
            row = cursor.fetchone()
        finally:
            cursor.close()
        return tuple(row) if row is not None else None

    def many(self, connection: Connection, rows: Sequence[Mapping[str, Any]]) -> int:
        """Run once per row, in one driver call (psycopg pipelines them); the rows changed,
        all runs together."""
        if not rows:
            return 0
        cursor = connection.connection.cursor()
        try:
            cursor.executemany(self.sql, [self._values(r) for r in rows])
            return int(cursor.rowcount)
        finally:
            cursor.close()


_COMPILED: dict[tuple[object, ...], Any] = {}
Built = TypeVar("Built")


def compiled_once(dialect: Dialect, key: tuple[object, ...], build: Callable[[], Built]) -> Built:
    """Build a statement the first time an engine of this dialect needs it."""
    key = (dialect.name, *key)
    if key not in _COMPILED:
        _COMPILED[key] = build()
    built: Built = _COMPILED[key]
    return built


def _remembering(convert: Callable[[Any], Any]) -> Callable[[Any], Any]:
    """convert, skipping the work when given the very object it was given last (a batch's rows
    share one timestamp)."""
    last: list[Any] = [object(), None]

    def remembered(value: Any) -> Any:
        if value is not last[0]:
            last[0], last[1] = value, convert(value)
        return last[1]

    return remembered


class Moments:
    """UTC timestamps as this engine's driver takes and gives them, converted by the column
    type's own processors and never formatted by hand: a strftime text once wrote year 1 as
    '1-01-01', which neither SQLAlchemy nor fromisoformat could read back."""

    def __init__(self, dialect: Dialect) -> None:
        column = UtcDateTime().dialect_impl(dialect)
        self._bind = column.bind_processor(dialect)
        self._result = column.result_processor(dialect, None)

    def bind(self, moment: datetime) -> Any:
        """moment (time zone aware) as a parameter: SQLite's text, a UTC datetime for psycopg."""
        return moment if self._bind is None else self._bind(moment)

    def read(self, value: Any) -> datetime:
        """A stored timestamp as the driver returned it, as an aware UTC datetime."""
        return cast(datetime, value if self._result is None else self._result(value))


def moments(dialect: Dialect) -> Moments:
    return compiled_once(dialect, ("moments",), lambda: Moments(dialect))


class BulkInsert:
    """INSERT of many rows. PostgreSQL gets one statement whatever the number of rows, with a
    parameter per column holding every row's values (INSERT ... SELECT FROM unnest(arrays)):
    pipelining a statement per row still costs the server a statement and the client a result
    each, and a long multi-row VALUES costs psycopg a parse per call. SQLite gets executemany, a
    loop in C; rows to return come from one execute per row there."""

    def __init__(
        self,
        table: Table,
        dialect: Dialect,
        columns: Sequence[str],
        returning: Sequence[str] = (),
    ) -> None:
        quote = dialect.identifier_preparer.quote
        self._columns = list(columns)
        self._returning = list(returning)
        self._postgresql = dialect.name == "postgresql"
        into = f"INSERT INTO {quote(table.name)} ({', '.join(quote(c) for c in columns)}) "
        tail = f" RETURNING {', '.join(quote(c) for c in returning)}" if returning else ""
        if self._postgresql:
            arrays = ", ".join(f"%b::{table.c[c].type.compile(dialect)}[]" for c in columns)
            self._sql = f"{into}SELECT * FROM unnest({arrays}){tail}"
        else:
            self._sql = f"{into}VALUES ({', '.join(['?'] * len(columns))}){tail}"
        self._converters: dict[str, Callable[[Any], Any]] = {}
        for column in table.columns:
            if column.key in self._columns:
                processor = column.type.dialect_impl(dialect).bind_processor(dialect)
                if processor is not None:
                    self._converters[column.key] = _remembering(processor)

    def _values(self, row: Mapping[str, Any]) -> list[Any]:
        return [
            self._converters[name](row[name]) if name in self._converters else row[name]
            for name in self._columns
        ]

    @property
    def sql(self) -> str:
        return self._sql

    def columns(self, rows: Sequence[Mapping[str, Any]]) -> list[list[Any]]:
        """PostgreSQL: the statement's parameters for rows, one list per column (empty lists
        for no rows)."""
        values = [self._values(row) for row in rows]
        return [[row[i] for row in values] for i in range(len(self._columns))]

    def after(self, cte: str) -> str:
        """PostgreSQL: the statement run after cte (a data-modifying statement) in one round
        trip; cte's parameters come before columns'."""
        return f"WITH earlier AS ({cte}) {self._sql}"

    def rows(
        self, connection: Connection, rows: Sequence[Mapping[str, Any]]
    ) -> list[tuple[Any, ...]]:
        """Insert rows; what RETURNING gave for them (in no promised order on PostgreSQL: return
        a key to match them by)."""
        if not rows:
            return []
        cursor: Any = connection.connection.cursor()
        returned: list[tuple[Any, ...]] = []
        try:
            if self._postgresql:
                cursor.execute(self._sql, self.columns(rows))
                if self._returning:
                    returned = [tuple(r) for r in cursor.fetchall()]
            elif self._returning:
                for row in rows:
                    cursor.execute(self._sql, self._values(row))
                    returned.append(tuple(cursor.fetchone()))
            else:
                cursor.executemany(self._sql, [self._values(r) for r in rows])
        finally:
            cursor.close()
        return returned
