"""Orders, their lines and allocations (and the holdings those add up to), and conflicts."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import UTC, datetime

from sqlalchemy import (
    Connection,
    func,
    select,
)

from stockpool.domain.accepted_orders import (
    Order,
    accepted,
)
from stockpool.domain.bundles import Origin
from stockpool.domain.orders import NewOrder, OrderLine
from stockpool.domain.routing import RoutingDecision
from stockpool.store.repositories._dialect import epoch_hour
from stockpool.store.repositories.holdings import HoldingsRows
from stockpool.store.repositories.order_changes import OrderChanges
from stockpool.store.repositories.order_inserts import insert_orders
from stockpool.store.repositories.order_reads import OrderReads
from stockpool.store.tables import (
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
        """add for many orders, in bulk (see order_inserts.py); each as stored, in order."""
        if not decided:
            return []
        drafts = [accepted(0, *item) for item in decided]  # as the domain decided them, but ids
        return insert_orders(self._connection, drafts, at)

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
