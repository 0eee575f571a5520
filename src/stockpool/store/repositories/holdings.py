"""Holdings: the units each channel's open orders hold of a SKU at a location - committed in
their allocations, or reserved for a pending order by its active reservation. Every write to
those rows moves the counter by the same delta in the same transaction (the orders and
reservations repositories call move_holdings), so that deciding availability reads one row per
(sku, location, channel) instead of summing the orders; the ledger check compares it with
held_by_orders, the sum it stands for.

A row that reaches 0 is kept at 0, so a change is always one upsert. Writers hold the SKU's
balance locks already, and rows are upserted in key order besides.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import Connection, bindparam, func, select, union_all, update
from sqlalchemy.engine import Dialect

from stockpool.domain.errors import InvariantBroken
from stockpool.domain.reservations import ReservationStatus
from stockpool.store.repositories._dialect import dialect_insert
from stockpool.store.repositories._driver import DriverStatement, compiled_once
from stockpool.store.tables import (
    allocations,
    holdings,
    order_lines,
    orders,
    reservation_holds,
    reservations,
)

HeldKey = tuple[str, str, str]  # (sku, location, channel)


def move_holdings(connection: Connection, moved: Mapping[HeldKey, int]) -> None:
    """Add each delta to its (sku, location, channel) row: units gained are upserted (the row
    made if new), units lost taken off a row that must be there. (Both engines check a new
    row's CHECK before its conflict, so a negative delta cannot go through the upsert.)"""
    gained: list[dict[str, object]] = []
    lost: list[dict[str, object]] = []
    for (sku, location, channel), units in sorted(moved.items()):
        key = {"sku": sku, "location": location, "channel": channel}
        if units > 0:
            gained.append({**key, "units": units})
        elif units < 0:
            lost.append({**key, "delta": units})
    dialect = connection.dialect
    _upsert(dialect).many(connection, gained)
    if _take(dialect).many(connection, lost) != len(lost):
        raise InvariantBroken(f"holdings lost units they never held: {lost}")


def add_to(moved: dict[HeldKey, int], key: HeldKey, units: int) -> None:
    """Count units more (or fewer) against key in moved."""
    moved[key] = moved.get(key, 0) + units


class HoldingsRows:
    """The counter as stored and as the orders add it up (for the ledger check)."""

    _connection: Connection

    def holdings(self) -> dict[HeldKey, int]:
        """Every nonzero holdings row, by (sku, location, channel)."""
        rows = self._connection.execute(
            select(holdings.c.sku, holdings.c.location, holdings.c.channel, holdings.c.units).where(
                holdings.c.units != 0
            )
        )
        return {(sku, location, channel): int(units) for sku, location, channel, units in rows}

    def held_by_orders(self) -> dict[HeldKey, int]:
        """What holdings must be: the units open orders hold, summed from their allocations and
        their pending reservations' holds, by (sku, location, channel)."""
        held = _HELD_BY_ORDERS.subquery("held")
        rows = self._connection.execute(
            select(held.c.sku, held.c.location, held.c.channel, func.sum(held.c.units)).group_by(
                held.c.sku, held.c.location, held.c.channel
            )
        )
        return {
            (sku, location, channel): int(units) for sku, location, channel, units in rows if units
        }


def _upsert(dialect: Dialect) -> DriverStatement:
    def build() -> DriverStatement:
        statement: Any = dialect_insert(dialect.name, holdings).values(
            sku=bindparam("sku"),
            location=bindparam("location"),
            channel=bindparam("channel"),
            units=bindparam("units"),
        )
        statement = statement.on_conflict_do_update(
            index_elements=[holdings.c.sku, holdings.c.location, holdings.c.channel],
            set_={"units": holdings.c.units + statement.excluded.units},
        )
        return DriverStatement(statement, dialect)

    return compiled_once(dialect, ("holdings-upsert",), build)


def _take(dialect: Dialect) -> DriverStatement:
    return compiled_once(
        dialect,
        ("holdings-take",),
        lambda: DriverStatement(
            update(holdings)
            .where(
                holdings.c.sku == bindparam("sku"),
                holdings.c.location == bindparam("location"),
                holdings.c.channel == bindparam("channel"),
            )
            .values(units=holdings.c.units + bindparam("delta")),
            dialect,
        ),
    )


_HELD_BY_ORDERS = union_all(
    select(
        order_lines.c.sku.label("sku"),
        allocations.c.location.label("location"),
        orders.c.channel.label("channel"),
        allocations.c.units.label("units"),
    )
    .select_from(allocations)
    .join(
        order_lines,
        (order_lines.c.order_id == allocations.c.order_id)
        & (order_lines.c.line_no == allocations.c.line_no),
    )
    .join(orders, orders.c.id == allocations.c.order_id),
    select(
        reservation_holds.c.sku,
        reservation_holds.c.location,
        orders.c.channel,
        reservation_holds.c.units,
    )
    .select_from(reservation_holds)
    .join(reservations, reservations.c.id == reservation_holds.c.reservation_id)
    .join(orders, orders.c.id == reservations.c.order_id)
    .where(reservations.c.status == ReservationStatus.ACTIVE.value),
)
