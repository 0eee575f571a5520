"""Writing what the domain decided for orders already stored: their lines' states and their
allocations move by deltas, the channels' holdings follow, then each order's status."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import BigInteger, Connection, bindparam, delete, func, select, update

from stockpool.domain.accepted_orders import LineChange, OrderChange
from stockpool.domain.orders import OrderStatus, order_status
from stockpool.store.repositories._dialect import among, insert
from stockpool.store.repositories.holdings import HeldKey, add_to, move_holdings
from stockpool.store.tables import allocations, order_lines, orders

AllocationKey = tuple[int, int, str]  # order id, line number, location


class OrderChanges:
    _connection: Connection

    def change(self, change: OrderChange) -> None:
        """Write what the domain decided for one order (see change_many)."""
        self.change_many([change])

    def change_many(self, changes: Sequence[OrderChange]) -> None:
        """Write what the domain decided for orders, in the order given: their lines' states
        and allocations move by the changes' deltas (increments, so two transactions changing
        one line at different locations both count), then each order's status follows. A few
        statements, whatever the number of changes."""
        if not changes:
            return
        lines = [
            {"b_order": c.order_id, "b_line": line.line_no, **_deltas(line)}
            for c in changes
            for line in c.lines
        ]
        if lines:
            self._connection.execute(_LINE_CHANGE, lines)
        moved: dict[AllocationKey, int] = {}
        for c in changes:
            for allocation in c.allocations:
                key = (c.order_id, allocation.line_no, allocation.location)
                moved[key] = moved.get(key, 0) + allocation.units
        if any(moved.values()):
            self._move_allocations(moved)
            self._move_holdings(moved)
        confirmed = {c.order_id for c in changes if c.confirmed}
        self._refresh_statuses({c.order_id for c in changes}, confirmed)

    def _move_allocations(self, moved: dict[AllocationKey, int]) -> None:
        """Units gained are upserted (the row made if new); an allocation losing all it holds
        is removed (none is ever 0), one losing part of it shrinks."""
        gained, lost = [], []
        for (order_id, line_no, location), units in sorted(moved.items()):
            row = {"b_order": order_id, "b_line": line_no, "b_location": location}
            if units > 0:
                gained.append(
                    {"order_id": order_id, "line_no": line_no, "location": location, "units": units}
                )
            elif units < 0:
                lost.append({**row, "b_units": -units})
        if gained:
            statement = insert(self._connection, allocations)
            self._connection.execute(
                statement.on_conflict_do_update(
                    index_elements=[
                        allocations.c.order_id,
                        allocations.c.line_no,
                        allocations.c.location,
                    ],
                    set_={"units": allocations.c.units + statement.excluded.units},
                ),
                gained,
            )
        if lost:  # removed first: shrinking first could leave a row equal to what it loses
            self._connection.execute(_ALLOCATION_GONE, lost)
            self._connection.execute(_ALLOCATION_SHRINKS, lost)

    def _move_holdings(self, moved: dict[AllocationKey, int]) -> None:
        """The orders' channels' holdings move as their allocations did: channels and SKUs read
        once for all of them."""
        rows = self._connection.execute(
            select(orders.c.id, orders.c.channel, order_lines.c.line_no, order_lines.c.sku)
            .join(order_lines, order_lines.c.order_id == orders.c.id)
            .where(
                among(
                    self._connection.dialect.name,
                    orders.c.id,
                    {order_id for order_id, _, _ in moved},
                    BigInteger(),
                )
            )
        ).all()
        of_line = {(r.id, r.line_no): (r.sku, r.channel) for r in rows}
        held: dict[HeldKey, int] = {}
        for (order_id, line_no, location), units in moved.items():
            sku, channel = of_line[(order_id, line_no)]
            add_to(held, (sku, location, channel), units)
        move_holdings(self._connection, held)

    def _refresh_statuses(self, order_ids: set[int], confirmed: set[int]) -> None:
        """Each order's status as its lines now add up (pending stays pending unless the change
        confirmed it)."""
        rows = self._connection.execute(
            select(
                orders.c.id,
                orders.c.status,
                func.sum(order_lines.c.committed).label("committed"),
                func.sum(order_lines.c.short).label("short"),
                func.sum(order_lines.c.shipped).label("shipped"),
                func.sum(order_lines.c.reserved).label("reserved"),
            )
            .join(order_lines, order_lines.c.order_id == orders.c.id)
            .where(among(self._connection.dialect.name, orders.c.id, order_ids, BigInteger()))
            .group_by(orders.c.id, orders.c.status)
        ).all()
        changed = []
        for r in rows:
            status = order_status(
                int(r.committed or 0),
                int(r.short or 0),
                int(r.shipped or 0),
                int(r.reserved or 0),
                pending=r.status == OrderStatus.PENDING.value and r.id not in confirmed,
            )
            if status.value != r.status:
                changed.append({"b_order": r.id, "b_status": status.value})
        if changed:
            self._connection.execute(_STATUS, changed)


def _deltas(line: LineChange) -> dict[str, int]:
    return {
        "d_reserved": line.reserved,
        "d_committed": line.committed,
        "d_short": line.short,
        "d_shipped": line.shipped,
        "d_cancelled": line.cancelled,
    }


def _key(table: Any) -> Any:
    return (
        (table.c.order_id == bindparam("b_order"))
        & (table.c.line_no == bindparam("b_line"))
        & (table.c.location == bindparam("b_location"))
    )


# Built once: conflicts, shipments and cancellations run these on every transaction.
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
_ALLOCATION_GONE = delete(allocations).where(
    _key(allocations), allocations.c.units == bindparam("b_units")
)
_ALLOCATION_SHRINKS = (
    update(allocations)
    .where(_key(allocations), allocations.c.units > bindparam("b_units"))
    .values(units=allocations.c.units - bindparam("b_units"))
)
_STATUS = (
    update(orders).where(orders.c.id == bindparam("b_order")).values(status=bindparam("b_status"))
)
