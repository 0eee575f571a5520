"""The base of repositories that run SQL text on the driver's own cursor, inside the
transaction: on the hot path SQLAlchemy's per-statement bookkeeping costs more than the
statement (see _driver)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Connection

from stockpool.store.repositories._driver import moments


class CursorRepository:
    def __init__(self, connection: Connection) -> None:
        self._connection = connection
        self._postgresql = connection.dialect.name == "postgresql"
        self._moments = moments(connection.dialect)

    @property
    def _param(self) -> str:
        """The driver's parameter mark."""
        return "%s" if self._postgresql else "?"

    def _cursor(self) -> Any:
        """A cursor of the driver's own, in this transaction; the caller closes it."""
        return self._connection.connection.cursor()

    def _fetch(self, sql: str, parameters: Sequence[object]) -> list[tuple[Any, ...]]:
        """sql (with ? marks) run on the driver's own cursor, inside the transaction."""
        if self._postgresql:
            sql = sql.replace("?", "%s")
        cursor = self._cursor()
        try:
            cursor.execute(sql, parameters)
            return list(cursor.fetchall())
        finally:
            cursor.close()


def marks(codes: Sequence[object]) -> str:
    """One ? per value, for an IN list."""
    return ", ".join("?" * len(codes))
