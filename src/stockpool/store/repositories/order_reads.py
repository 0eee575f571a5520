"""Orders read back whole: the order, its lines, and where their units are committed."""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

from sqlalchemy import BigInteger, Connection, select

from stockpool.domain.accepted_orders import Order
from stockpool.domain.orders import LineState, OrderStatus
from stockpool.domain.routing import Allocation
from stockpool.store.repositories._dialect import among
from stockpool.store.tables import allocations, order_lines, orders


class OrderReads:
    _connection: Connection

    def get(self, order_id: int) -> Order | None:
        return self.get_many([order_id]).get(order_id)

    def get_many(self, order_ids: Collection[int]) -> dict[int, Order]:
        """The orders stored under these ids (ids not stored are left out), in three queries
        whatever their number."""
        ids = sorted(set(order_ids))
        if not ids:
            return {}
        dialect = self._connection.dialect.name
        heads = self._connection.execute(
            select(orders).where(among(dialect, orders.c.id, ids, BigInteger()))
        ).all()
        lines: dict[int, list[Any]] = {row.id: [] for row in heads}
        for line in self._connection.execute(
            select(order_lines)
            .where(among(dialect, order_lines.c.order_id, ids, BigInteger()))
            .order_by(order_lines.c.order_id, order_lines.c.line_no)
        ):
            lines[line.order_id].append(line)
        placed: dict[int, list[Any]] = {row.id: [] for row in heads}
        for allocation in self._connection.execute(
            select(allocations, order_lines.c.sku)
            .join(
                order_lines,
                (order_lines.c.order_id == allocations.c.order_id)
                & (order_lines.c.line_no == allocations.c.line_no),
            )
            .where(among(dialect, allocations.c.order_id, ids, BigInteger()))
            .order_by(allocations.c.order_id, allocations.c.line_no, allocations.c.location)
        ):
            placed[allocation.order_id].append(allocation)
        return {row.id: _order(row, lines[row.id], placed[row.id]) for row in heads}


def _order(row: Any, lines: list[Any], placed: list[Any]) -> Order:
    return Order(
        id=row.id,
        channel=row.channel,
        external_id=row.external_id,
        status=OrderStatus(row.status),
        placed_at=row.placed_at,
        ship_by=row.ship_by,
        region=row.region,
        fingerprint=row.fingerprint,
        lines=tuple(
            LineState(
                r.sku,
                r.quantity,
                r.committed,
                r.short,
                r.shipped,
                r.cancelled,
                r.reserved,
                r.bundle,
                r.bundle_line,
            )
            for r in lines
        ),
        allocations=tuple(Allocation(a.line_no, a.sku, a.location, a.units) for a in placed),
        routing=row.routing,
    )
