"""Order lines as conflict resolution weighs them, and the units they hold: what a cancellation
costs on each line's channel (its SKU's own cost there, if it has one), its ship-by, and how old
its order is."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from typing import Any

from sqlalchemy import BigInteger, Connection, Select, String, func, select, union_all

from stockpool.domain.conflicts import Holding, LineRef
from stockpool.domain.holding_pool import holding_key
from stockpool.store.repositories._dialect import among, not_among
from stockpool.store.tables import allocations, channels, order_lines, orders, sku_policies


class HoldingReads:
    _connection: Connection

    def holdings(
        self,
        sku: str,
        locations: Sequence[str],
        *,
        cost_at_most: int | None = None,
        cheapest: int | None = None,
    ) -> list[Holding]:
        """Units of sku committed to orders' lines at these locations: all of them, or those on
        channels whose cancellation costs no more than cost_at_most (the only ones that could
        give them up to a line costing that much). With cheapest, only that many holdings, the cheapest to cancel first
        (domain.conflicts.cancellation_rank, then order, line and location): every holding holds
        a unit at least, so asking for as many as the units wanted reads all a resolution can
        take, not every line holding the SKU."""
        dialect = self._connection.dialect.name
        if cheapest is not None:
            found = self._cheapest(sku, locations, (), cost_at_most, cheapest)
            return sorted(found, key=holding_key)[:cheapest]
        query = (
            select(allocations.c.location, allocations.c.units, *LINE_REF_COLUMNS)
            .select_from(order_lines)
            .join(allocations, _LINE_ALLOCATIONS)
            .join(orders, orders.c.id == order_lines.c.order_id)
            .join(channels, channels.c.code == orders.c.channel)
            .outerjoin(sku_policies, OVERRIDE)
            .where(
                order_lines.c.sku == sku,
                order_lines.c.committed > 0,
                among(dialect, allocations.c.location, locations, String()),
            )
        )
        if cost_at_most is not None:
            query = query.where(cost_at_most >= _COST)
        return [Holding(line_ref(r), r.location, r.units) for r in self._connection.execute(query)]

    def costs(self, sku: str, at_most: int | None = None) -> dict[str, int]:
        """What cancelling a line of sku costs on each channel (no more than at_most)."""
        cost = func.coalesce(sku_policies.c.cancellation_cost, channels.c.cancellation_cost)
        query = select(channels.c.code, cost).outerjoin(
            sku_policies, (sku_policies.c.sku == sku) & (sku_policies.c.channel == channels.c.code)
        )
        if at_most is not None:
            query = query.where(cost <= at_most)
        return {code: int(units) for code, units in self._connection.execute(query)}

    def contested(
        self,
        sku: str,
        locations: Sequence[str],
        *,
        cheapest: int,
        ours: Collection[int],
        cost_at_most: int,
    ) -> list[Holding]:
        """What the short lines of the orders ours could take of sku, read in one statement:
        the cheapest holdings of other orders on each channel (as holdings(cheapest=) finds
        them, but not merged and cut to cheapest) and every holding of ours."""
        return self._cheapest(sku, locations, ours, cost_at_most, cheapest, also=ours)

    def _cheapest(
        self,
        sku: str,
        locations: Sequence[str],
        excluding: Collection[int],
        cost_at_most: int | None,
        cheapest: int,
        *,
        also: Collection[int] = (),
    ) -> list[Holding]:
        """The first holdings of each channel (its lines all cost the same to cancel), each
        channel's read down ix_order_lines_holding_rank; with also, every holding of those
        orders too."""
        costs = self.costs(sku, cost_at_most)
        parts = [
            self._first_on(sku, locations, channel, excluding, cheapest).subquery()
            for channel in sorted(costs)
        ]
        if also and costs:
            parts.append(self._of_orders(sku, locations, also).subquery())
        if not parts:
            return []
        rows = self._connection.execute(union_all(*(select(part) for part in parts)))
        return [
            Holding(
                LineRef(
                    r.order_id,
                    r.line_no,
                    r.channel,
                    r.external_id,
                    costs[r.channel],
                    r.placed_at,
                    r.ship_by,
                ),
                r.location,
                r.units,
            )
            for r in rows
            if r.channel in costs
        ]

    def _of_orders(self, sku: str, locations: Sequence[str], order_ids: Collection[int]) -> Any:
        """Every holding of sku at these locations by the lines of these orders."""
        dialect = self._connection.dialect.name
        return self._held(sku, locations).where(
            among(dialect, order_lines.c.order_id, order_ids, BigInteger())
        )

    def _first_on(
        self,
        sku: str,
        locations: Sequence[str],
        channel: str,
        excluding: Collection[int],
        first: int,
    ) -> Select[Any]:
        """The first holdings of sku on one channel, cheapest to cancel first."""
        dialect = self._connection.dialect.name
        return (
            self._held(sku, locations)
            .where(
                order_lines.c.channel == channel,
                not_among(dialect, order_lines.c.order_id, excluding, BigInteger()),
            )
            .order_by(
                order_lines.c.ship_by_or_never.desc(),
                order_lines.c.placed_at.desc(),
                order_lines.c.order_id,
                order_lines.c.line_no,
                allocations.c.location,
            )
            .limit(first)
        )

    def _held(self, sku: str, locations: Sequence[str]) -> Select[Any]:
        """Holdings of sku at these locations, as _HOLDING_COLUMNS."""
        return (
            select(*_HOLDING_COLUMNS)
            .select_from(order_lines)
            .join(allocations, _LINE_ALLOCATIONS)
            .join(orders, orders.c.id == order_lines.c.order_id)
            .where(
                order_lines.c.sku == sku,
                order_lines.c.committed > 0,
                among(self._connection.dialect.name, allocations.c.location, locations, String()),
            )
        )


# What cancelling a line costs: its SKU's own cost on the channel, if it has one, else the
# channel's.
OVERRIDE = (sku_policies.c.sku == order_lines.c.sku) & (sku_policies.c.channel == orders.c.channel)
# A holding as the conflicts index reads it (the cost comes from the channel's).
_HOLDING_COLUMNS = (
    allocations.c.location,
    allocations.c.units,
    order_lines.c.order_id,
    order_lines.c.line_no,
    order_lines.c.channel,
    orders.c.external_id,
    orders.c.placed_at,
    orders.c.ship_by,
)
_LINE_ALLOCATIONS = (allocations.c.order_id == order_lines.c.order_id) & (
    allocations.c.line_no == order_lines.c.line_no
)
_COST = func.coalesce(sku_policies.c.cancellation_cost, channels.c.cancellation_cost)
LINE_REF_COLUMNS = (
    order_lines.c.order_id,
    order_lines.c.line_no,
    orders.c.channel,
    orders.c.external_id,
    _COST.label("cancellation_cost"),
    orders.c.placed_at,
    orders.c.ship_by,
)


def line_ref(row: Any) -> LineRef:  # any row carrying LINE_REF_COLUMNS
    return LineRef(
        order_id=row.order_id,
        line_no=row.line_no,
        channel=row.channel,
        external_id=row.external_id,
        cost=row.cancellation_cost,
        placed_at=row.placed_at,
        ship_by=row.ship_by,
    )
