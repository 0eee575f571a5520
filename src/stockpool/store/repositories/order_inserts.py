"""Storing accepted orders in bulk: the orders, their lines and allocations, and what those add
to the holdings counter.

PostgreSQL takes them in one statement: the orders are inserted in a data-modifying WITH whose
RETURNING gives their ids, and the lines and allocations, each a parameter per column (as
_driver.BulkInsert), find their order's id by joining it on (channel, external_id); the holdings
are upserted in the same statement. Four round trips a batch became one. SQLite writes a table
at a time (executemany, a loop in C).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Table
from sqlalchemy.engine import Dialect

from stockpool.domain.accepted_orders import Order
from stockpool.store.repositories._driver import BulkInsert, compiled_once
from stockpool.store.repositories.holdings import HeldKey, add_to, move_holdings
from stockpool.store.tables import NEVER, allocations, holdings, order_lines, orders

# A line's own columns; its order_id and channel come from its order (joined on the key).
_LINES = tuple(c.key for c in order_lines.columns if c.key not in ("order_id", "channel"))
_ALLOCATIONS = ("line_no", "location", "units")
_HOLDINGS = ("sku", "location", "channel", "units")


def insert_orders(connection: Connection, drafts: Sequence[Order], at: datetime) -> list[Order]:
    """Store orders as the domain decided them (their ids not yet known); each as stored, with
    its id, in order. (channel, external_id) is unique: an order stored meanwhile fails the
    statement."""
    dialect = connection.dialect
    rows = [_order_row(draft, at) for draft in drafts]
    if dialect.name == "postgresql":
        returned = _together(dialect).run(connection, rows, drafts)
    else:
        returned = _insert(dialect, "orders").rows(connection, rows)
    named = {(channel, external_id): order_id for order_id, channel, external_id in returned}
    added = [replace(d, id=named[(d.channel, d.external_id)]) for d in drafts]
    if dialect.name != "postgresql":
        _insert(dialect, "order_lines").rows(connection, _line_rows(added))
        _insert(dialect, "allocations").rows(connection, _allocation_rows(added))
        move_holdings(connection, _held(added))
    return added


class _Together:
    """PostgreSQL: the orders, their lines and allocations and the holdings, one statement."""

    def __init__(self, dialect: Dialect) -> None:
        self._orders = _insert(dialect, "orders")
        key = [("channel", orders), ("external_id", orders)]
        self._line_types = _types(dialect, [*key, *((c, order_lines) for c in _LINES)])
        self._allocation_types = _types(dialect, [*key, *((c, allocations) for c in _ALLOCATIONS)])
        self._held_types = _types(dialect, [(c, holdings) for c in _HOLDINGS])
        joined = "JOIN o ON o.channel = v.channel AND o.external_id = v.external_id"
        self._sql = (
            "WITH o AS ("
            + self._orders.sql
            + "), l AS (INSERT INTO order_lines (order_id, channel, "
            + ", ".join(_LINES)
            + ") SELECT o.id, o.channel, "
            + ", ".join(f"v.{c}" for c in _LINES)
            + f" FROM {_unnest(self._line_types)} {joined}"
            + "), a AS (INSERT INTO allocations (order_id, "
            + ", ".join(_ALLOCATIONS)
            + ") SELECT o.id, "
            + ", ".join(f"v.{c}" for c in _ALLOCATIONS)
            + f" FROM {_unnest(self._allocation_types)} {joined}"
            + "), h AS (INSERT INTO holdings ("
            + ", ".join(_HOLDINGS)
            + f") SELECT * FROM {_unnest(self._held_types)}"
            + " ON CONFLICT (sku, location, channel) DO UPDATE"
            + " SET units = holdings.units + excluded.units"
            + ") SELECT id, channel, external_id FROM o"
        )

    def run(
        self, connection: Connection, rows: Sequence[dict[str, Any]], drafts: Sequence[Order]
    ) -> list[tuple[Any, ...]]:
        held = [
            {"sku": s, "location": loc, "channel": c, "units": u}
            for (s, loc, c), u in _held(drafts).items()
        ]
        parameters = [
            *self._orders.columns(rows),
            *_columns(self._line_types, _line_rows(drafts)),
            *_columns(self._allocation_types, _allocation_rows(drafts)),
            *_columns(self._held_types, held),
        ]
        cursor: Any = connection.connection.cursor()
        try:
            cursor.execute(self._sql, parameters)
            return [tuple(row) for row in cursor.fetchall()]
        finally:
            cursor.close()


def _together(dialect: Dialect) -> _Together:
    return compiled_once(dialect, ("orders-together",), lambda: _Together(dialect))


def _types(dialect: Dialect, columns: Sequence[tuple[str, Table]]) -> dict[str, str]:
    return {name: table.c[name].type.compile(dialect) for name, table in columns}


def _unnest(types: dict[str, str]) -> str:
    arrays = ", ".join(f"%b::{sql_type}[]" for sql_type in types.values())
    return f"unnest({arrays}) AS v({', '.join(types)})"


def _columns(types: dict[str, str], rows: Sequence[dict[str, Any]]) -> list[list[Any]]:
    return [[row[name] for row in rows] for name in types]


def _held(added: Sequence[Order]) -> dict[HeldKey, int]:
    """What the orders' allocations add to holdings, in key order (as every writer upserts)."""
    held: dict[HeldKey, int] = {}
    for order in added:
        for a in order.allocations:
            add_to(held, (a.sku, a.location, order.channel), a.units)
    return dict(sorted(held.items()))


# Each table alone (SQLite), and the orders' own insert (both); see _driver.BulkInsert.
_INSERTS: dict[str, tuple[Table, tuple[str, ...]]] = {
    "orders": (orders, ("id", "channel", "external_id")),
    "order_lines": (order_lines, ()),
    "allocations": (allocations, ()),
}


def _insert(dialect: Dialect, table: str) -> BulkInsert:
    target, returning = _INSERTS[table]
    columns = [c.key for c in target.columns if c.key != "id"]
    return compiled_once(
        dialect,
        ("bulk-insert", table),
        lambda: BulkInsert(target, dialect, columns, returning),
    )


def _order_row(order: Order, at: datetime) -> dict[str, Any]:
    return {
        "channel": order.channel,
        "external_id": order.external_id,
        "status": order.status.value,
        "placed_at": order.placed_at,
        "ship_by": order.ship_by,
        "region": order.region,
        "fingerprint": order.fingerprint,
        "routing": order.routing,
        "created_at": at,
    }


def _line_rows(added: Sequence[Order]) -> list[dict[str, Any]]:
    """Each line's row, named by its order's id and by (channel, external_id), with its
    order's channel, placed_at and ship-by (NEVER for none) copied on (see tables/orders.py)."""
    return [
        {
            "order_id": order.id,
            "channel": order.channel,
            "external_id": order.external_id,
            "line_no": n,
            "sku": line.sku,
            "quantity": line.quantity,
            "reserved": line.reserved,
            "committed": line.committed,
            "short": line.short,
            "shipped": line.shipped,
            "cancelled": line.cancelled,
            "bundle": line.bundle,
            "bundle_line": line.bundle_line,
            "placed_at": order.placed_at,
            "ship_by_or_never": order.ship_by or NEVER,
        }
        for order in added
        for n, line in enumerate(order.lines)
    ]


def _allocation_rows(added: Sequence[Order]) -> list[dict[str, Any]]:
    return [
        {
            "order_id": o.id,
            "channel": o.channel,
            "external_id": o.external_id,
            "line_no": a.line,
            "location": a.location,
            "units": a.units,
        }
        for o in added
        for a in o.allocations
    ]
