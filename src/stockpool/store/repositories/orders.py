"""Orders, their lines and allocations (and the holdings those add up to), and conflicts."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    Connection,
    bindparam,
    delete,
    func,
    select,
    update,
)

from stockpool.domain.accepted_orders import (
    AllocationChange,
    LineChange,
    Order,
    OrderChange,
    accepted,
)
from stockpool.domain.bundles import Origin
from stockpool.domain.orders import LineState, NewOrder, OrderLine, OrderStatus, order_status
from stockpool.domain.routing import Allocation, RoutingDecision
from stockpool.store.repositories._dialect import epoch_hour
from stockpool.store.repositories.holdings import HeldKey, HoldingsRows, add_to, move_holdings
from stockpool.store.repositories.order_inserts import insert_orders
from stockpool.store.tables import (
    allocations,
    order_lines,
    orders,
)


class OrderRepository(HoldingsRows):
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

    def get(self, order_id: int) -> Order | None:
        row = self._connection.execute(select(orders).where(orders.c.id == order_id)).first()
        if row is None:
            return None
        lines = self._connection.execute(
            select(order_lines)
            .where(order_lines.c.order_id == order_id)
            .order_by(order_lines.c.line_no)
        ).all()
        placed = self._connection.execute(
            select(allocations, order_lines.c.sku)
            .join(
                order_lines,
                (order_lines.c.order_id == allocations.c.order_id)
                & (order_lines.c.line_no == allocations.c.line_no),
            )
            .where(allocations.c.order_id == order_id)
            .order_by(allocations.c.line_no, allocations.c.location)
        ).all()
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

    def change(self, change: OrderChange) -> None:
        """Write what the domain decided for one order: its lines' states and its allocations
        move by the change's deltas (increments, so two transactions changing one line at
        different locations both count), then its status follows."""
        if change.lines:
            self._connection.execute(
                _LINE_CHANGE,
                [
                    {"b_order": change.order_id, "b_line": line.line_no, **_deltas(line)}
                    for line in change.lines
                ],
            )
        for moved in change.allocations:
            where = _allocation(change.order_id, moved.line_no, moved.location)
            if moved.units > 0:
                self._add_to_allocation(where, change.order_id, moved)
            elif moved.units < 0:
                self._reduce_allocation(where, -moved.units)
        if change.allocations:
            self._move_holdings(change.order_id, change.allocations)
        self._refresh_status(change.order_id, confirmed=change.confirmed)

    def _move_holdings(self, order_id: int, moves: Iterable[AllocationChange]) -> None:
        """The order's channel's holdings move as its allocations did: its channel and its
        lines' SKUs read once for the change."""
        rows = self._connection.execute(
            select(orders.c.channel, order_lines.c.line_no, order_lines.c.sku)
            .join(order_lines, order_lines.c.order_id == orders.c.id)
            .where(orders.c.id == order_id)
        ).all()
        skus = {line_no: sku for _, line_no, sku in rows}
        held: dict[HeldKey, int] = {}
        for moved in moves:
            add_to(held, (skus[moved.line_no], moved.location, rows[0].channel), moved.units)
        move_holdings(self._connection, held)

    def _add_to_allocation(self, where: Any, order_id: int, moved: AllocationChange) -> None:
        added = self._connection.execute(
            update(allocations)
            .where(where)
            .values(units=allocations.c.units + moved.units)
            .returning(allocations.c.units)
        ).first()
        if added is None:
            self._connection.execute(
                allocations.insert().values(
                    order_id=order_id,
                    line_no=moved.line_no,
                    location=moved.location,
                    units=moved.units,
                )
            )

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

    def _reduce_allocation(self, where: Any, units: int) -> None:
        """Take units off an allocation; one that would reach 0 is removed (none is ever 0)."""
        reduced = self._connection.execute(
            update(allocations)
            .where(where, allocations.c.units > units)
            .values(units=allocations.c.units - units)
            .returning(allocations.c.units)
        ).first()
        if reduced is None:
            self._connection.execute(delete(allocations).where(where, allocations.c.units == units))

    def _refresh_status(self, order_id: int, *, confirmed: bool = False) -> None:
        current = self._connection.execute(
            select(orders.c.status).where(orders.c.id == order_id)
        ).scalar_one()
        committed, short, shipped, reserved = self._connection.execute(
            select(
                func.sum(order_lines.c.committed),
                func.sum(order_lines.c.short),
                func.sum(order_lines.c.shipped),
                func.sum(order_lines.c.reserved),
            ).where(order_lines.c.order_id == order_id)
        ).one()
        status = order_status(
            int(committed or 0),
            int(short or 0),
            int(shipped or 0),
            int(reserved or 0),
            pending=current == OrderStatus.PENDING.value and not confirmed,
        )
        self._connection.execute(
            update(orders).where(orders.c.id == order_id).values(status=status.value)
        )


_LINE_CHANGE = (
    update(order_lines)
    .where(
        order_lines.c.order_id == bindparam("b_order"),
        order_lines.c.line_no == bindparam("b_line"),
    )
    .values(
        {
            state: order_lines.c[state] + bindparam(f"d_{state}")
            for state in ("reserved", "committed", "short", "shipped", "cancelled")
        }
    )
)


def _deltas(line: LineChange) -> dict[str, int]:
    return {
        "d_reserved": line.reserved,
        "d_committed": line.committed,
        "d_short": line.short,
        "d_shipped": line.shipped,
        "d_cancelled": line.cancelled,
    }


def _allocation(order_id: int, line_no: int, location: str) -> Any:
    return (
        (allocations.c.order_id == order_id)
        & (allocations.c.line_no == line_no)
        & (allocations.c.location == location)
    )
