"""Orders, their lines and allocations (and the holdings those add up to), and conflicts."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    Connection,
    String,
    Table,
    any_,
    bindparam,
    func,
    select,
)
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.engine import Dialect

from stockpool.domain.accepted_orders import (
    Order,
    accepted,
)
from stockpool.domain.bundles import Origin
from stockpool.domain.orders import NewOrder, OrderLine
from stockpool.domain.routing import RoutingDecision
from stockpool.store.repositories._dialect import epoch_hour
from stockpool.store.repositories._driver import BulkInsert, compiled_once
from stockpool.store.repositories.holdings import HeldKey, HoldingsRows, add_to, move_holdings
from stockpool.store.repositories.order_changes import OrderChanges
from stockpool.store.repositories.order_reads import OrderReads
from stockpool.store.tables import (
    NEVER,
    allocations,
    order_lines,
    orders,
)


class OrderRepository(HoldingsRows, OrderReads, OrderChanges):
    def __init__(self, connection: Connection) -> None:
        self._connection = connection

    def add(
        self,
        order: NewOrder,
        lines: Sequence[OrderLine],
        decision: RoutingDecision,
        at: datetime,
        origin: Sequence[Origin] = (),
    ) -> int:
        """Store an accepted order, its lines (bundles expanded into their components; origin
        names each component line's bundle and line as received), and where their units are
        committed - or, for a pending order, how many are reserved. Its id."""
        return self.add_many([(order, lines, decision, origin)], at)[0].id

    def add_many(
        self,
        decided: Sequence[tuple[NewOrder, Sequence[OrderLine], RoutingDecision, Sequence[Origin]]],
        at: datetime,
    ) -> list[Order]:
        """add for many orders, each table written in one driver call; each as stored, in order.
        (Batched ingest runs here: statements compiled once, rows handed straight to the
        driver - see _driver.py.)"""
        if not decided:
            return []
        dialect = self._connection.dialect
        drafts = [accepted(0, *item) for item in decided]  # as the domain decided them, but ids
        rows = [_order_row(draft, at) for draft in drafts]
        # (channel, external_id) is unique: an order stored meanwhile leaves the unit of work as
        # WrittenMeanwhile, and intake tries again.
        returned = _insert(dialect, "orders").rows(self._connection, rows)
        named = {(channel, external_id): order_id for order_id, channel, external_id in returned}
        added = [replace(d, id=named[(d.channel, d.external_id)]) for d in drafts]
        _insert(dialect, "order_lines").rows(self._connection, _line_rows(added))
        _insert(dialect, "allocations").rows(
            self._connection,
            [
                {"order_id": o.id, "line_no": a.line, "location": a.location, "units": a.units}
                for o in added
                for a in o.allocations
            ],
        )
        held: dict[HeldKey, int] = {}
        for o in added:
            for a in o.allocations:
                add_to(held, (a.sku, a.location, o.channel), a.units)
        move_holdings(self._connection, held)
        return added

    def ids_of(self, names: Iterable[tuple[str, str]]) -> dict[tuple[str, str], int]:
        """The ids of those (channel, external_id) orders already stored. Asked per channel, so
        the unique index on (channel, external_id) serves both columns."""
        by_channel: dict[str, list[str]] = {}
        for channel, external_id in sorted(set(names)):
            by_channel.setdefault(channel, []).append(external_id)
        found: dict[tuple[str, str], int] = {}
        postgresql = self._connection.dialect.name == "postgresql"
        for channel, external_ids in by_channel.items():
            for start in range(0, len(external_ids), 500):
                chunk = external_ids[start : start + 500]
                query = _IDS_OF_ANY if postgresql else _IDS_OF_IN
                rows = self._connection.execute(query, {"channel": channel, "ids": chunk})
                found.update(((channel, r.external_id), r.id) for r in rows)
        return found

    def name_of(self, order_id: int) -> tuple[str, str]:
        """An order's (channel, external_id)."""
        channel, external_id = self._connection.execute(
            select(orders.c.channel, orders.c.external_id).where(orders.c.id == order_id)
        ).one()
        return channel, external_id

    def id_of(self, channel: str, external_id: str) -> int | None:
        return self._connection.execute(
            select(orders.c.id).where(
                orders.c.channel == channel, orders.c.external_id == external_id
            )
        ).scalar_one_or_none()

    def per_hour(self, since: datetime) -> list[tuple[str, datetime, int]]:
        """Orders taken (created) since a time, counted per channel and UTC hour: (channel, the
        hour's start, orders). A range of ix_orders_created_at_channel, grouped by the database."""
        hour = epoch_hour(self._connection.dialect.name, orders.c.created_at).label("hour")
        query = (
            select(orders.c.channel, hour, func.count())
            .where(orders.c.created_at >= since)
            .group_by(hour, orders.c.channel)  # hour first: SQLite then takes the time range
        )
        rows = self._connection.execute(query)
        return [(c, datetime.fromtimestamp(int(h) * 3600, UTC), int(n)) for c, h, n in rows]

    def ids(
        self, *, channel: str | None, status: str | None, after: int | None, limit: int
    ) -> list[int]:
        query = select(orders.c.id).order_by(orders.c.id).limit(limit)
        if channel is not None:
            query = query.where(orders.c.channel == channel)
        if status is not None:
            query = query.where(orders.c.status == status)
        if after is not None:
            query = query.where(orders.c.id > after)
        return list(self._connection.execute(query).scalars())

    def committed_by_balance(self) -> dict[tuple[str, str], int]:
        """Units the orders' allocations hold, per (sku, location): what committed must be."""
        rows = self._connection.execute(
            select(order_lines.c.sku, allocations.c.location, func.sum(allocations.c.units))
            .select_from(allocations)
            .join(
                order_lines,
                (order_lines.c.order_id == allocations.c.order_id)
                & (order_lines.c.line_no == allocations.c.line_no),
            )
            .group_by(order_lines.c.sku, allocations.c.location)
        )
        return {(sku, location): int(units) for sku, location, units in rows}

    def lock_all(self, order_ids: Iterable[int]) -> None:
        """lock for several orders, in id order."""
        for order_id in sorted(set(order_ids)):
            self.lock(order_id)

    def lock(self, order_id: int) -> None:
        """Hold the order row until commit: one cancellation or shipment at a time per order.
        Callers lock the order's balances first, as every stock writer does."""
        self._connection.execute(
            select(orders.c.id).where(orders.c.id == order_id).with_for_update()
        ).first()


# Batched ingest writes these three tables in bulk; see _driver.BulkInsert.
_INSERTS: dict[str, tuple[Table, tuple[str, ...]]] = {
    "orders": (orders, ("id", "channel", "external_id")),
    "order_lines": (order_lines, ()),
    "allocations": (allocations, ()),
}


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
    return [
        {
            "order_id": order.id,
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
            "channel": order.channel,
            "placed_at": order.placed_at,
            "ship_by_or_never": order.ship_by or NEVER,
        }
        for order in added
        for n, line in enumerate(order.lines)
    ]


def _insert(dialect: Dialect, table: str) -> BulkInsert:
    target, returning = _INSERTS[table]
    columns = [c.key for c in target.columns if c.key != "id"]
    return compiled_once(
        dialect,
        ("bulk-insert", table),
        lambda: BulkInsert(target, dialect, columns, returning),
    )


# Built once: order ingest runs these on every transaction.
_IDS_OF = select(orders.c.id, orders.c.external_id).where(orders.c.channel == bindparam("channel"))
_IDS_OF_IN = _IDS_OF.where(orders.c.external_id.in_(bindparam("ids", expanding=True)))
# PostgreSQL: one array parameter, not one per id (a statement psycopg would parse every time).
_IDS_OF_ANY = _IDS_OF.where(orders.c.external_id == any_(bindparam("ids", type_=ARRAY(String))))
