"""Conflicts, and order lines as conflict resolution and backorders weigh them: what a
cancellation costs on each line's channel (its SKU's own cost there, if it has one), its ship-by,
and how old its order is."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, Connection, Row, Select, String, func, select, union_all, update

from stockpool.domain.conflicts import ConflictRecord, Holding, LineRef, NewConflict
from stockpool.domain.holding_pool import holding_key
from stockpool.domain.orders import OrderStatus
from stockpool.domain.tally import Tally
from stockpool.store.repositories._dialect import among, not_among
from stockpool.store.tables import (
    allocations,
    channels,
    conflicts,
    order_lines,
    orders,
    sku_policies,
)


class ConflictRepository:
    def __init__(self, connection: Connection, tally: Tally | None = None) -> None:
        self._connection = connection
        self._tally = Tally() if tally is None else tally  # conflicts recorded, for metrics

    def page(self, *, status: str | None, after: int | None, limit: int) -> list[ConflictRecord]:
        """Conflicts in id order, after the given id, with their order's channel and id."""
        query = (
            select(conflicts, orders.c.channel, orders.c.external_id)
            .join(orders, orders.c.id == conflicts.c.order_id)
            .order_by(conflicts.c.id)
            .limit(limit)
        )
        if status is not None:
            query = query.where(conflicts.c.status == status)
        if after is not None:
            query = query.where(conflicts.c.id > after)
        return [_conflict(r) for r in self._connection.execute(query)]

    def get(self, conflict_id: int) -> ConflictRecord | None:
        row = self._connection.execute(
            select(conflicts, orders.c.channel, orders.c.external_id)
            .join(orders, orders.c.id == conflicts.c.order_id)
            .where(conflicts.c.id == conflict_id)
        ).first()
        return _conflict(row) if row else None

    def add(
        self,
        line: LineRef,
        sku: str,
        short: int,
        *,
        status: str,
        resolution: dict[str, Any],
        decided_by: str | None,
        at: datetime,
    ) -> int:
        """Record a conflict on a short line: resolved (decided_by says who), or proposed."""
        conflict_id: int = self._connection.execute(
            conflicts.insert()
            .values(
                order_id=line.order_id,
                line_no=line.line_no,
                sku=sku,
                short=short,
                status=status,
                resolution=resolution,
                decided_by=decided_by,
                decided_at=at if decided_by else None,
                created_at=at,
            )
            .returning(conflicts.c.id)
        ).scalar_one()
        self._tally.conflict(line.channel)
        return conflict_id

    def add_many(self, new: Sequence[NewConflict], at: datetime) -> None:
        """add for many conflicts, in one statement, in the order given."""
        if not new:
            return
        self._connection.execute(
            conflicts.insert(),
            [
                {
                    "order_id": c.line.order_id,
                    "line_no": c.line.line_no,
                    "sku": c.sku,
                    "short": c.short,
                    "status": c.status,
                    "resolution": c.resolution,
                    "decided_by": c.decided_by,
                    "decided_at": at if c.decided_by else None,
                    "created_at": at,
                }
                for c in new
            ],
        )
        for c in new:
            self._tally.conflict(c.line.channel)

    def decide(
        self, conflict_id: int, resolution: dict[str, Any], decided_by: str, at: datetime
    ) -> None:
        """A proposed conflict is resolved: by whom, and how."""
        self._connection.execute(
            update(conflicts)
            .where(conflicts.c.id == conflict_id)
            .values(status="resolved", resolution=resolution, decided_by=decided_by, decided_at=at)
        )

    def line(self, order_id: int, line_no: int) -> tuple[LineRef, str, int]:
        """The line as conflict resolution weighs it, its SKU, and how many units it is short."""
        return self.lines([(order_id, line_no)])[(order_id, line_no)]

    def lines(
        self, keys: Collection[tuple[int, int]]
    ) -> dict[tuple[int, int], tuple[LineRef, str, int]]:
        """line for each (order id, line number), read together."""
        rows = self._connection.execute(
            select(order_lines.c.sku, order_lines.c.short, *_LINE_REF_COLUMNS)
            .select_from(order_lines)
            .join(orders, orders.c.id == order_lines.c.order_id)
            .join(channels, channels.c.code == orders.c.channel)
            .outerjoin(sku_policies, _OVERRIDE)
            .where(
                among(
                    self._connection.dialect.name,
                    order_lines.c.order_id,
                    {order_id for order_id, _ in keys},
                    BigInteger(),
                )
            )
        )
        found = {(r.order_id, r.line_no): (_line_ref(r), r.sku, r.short) for r in rows}
        missing = [key for key in keys if key not in found]
        if missing:
            order_id, line_no = missing[0]
            raise LookupError(f"order {order_id} has no line {line_no}")
        return {key: found[key] for key in keys}

    def holdings(
        self,
        sku: str,
        locations: Sequence[str],
        *,
        excluding: Collection[int] = (),
        only: Collection[int] | None = None,
        cost_at_most: int | None = None,
        cheapest: int | None = None,
    ) -> list[Holding]:
        """Units of sku committed to orders' lines at these locations: all of them, or those of
        orders other than the excluding ones (or of the only ones) on channels whose
        cancellation costs no more than cost_at_most (the only ones that could give them up to
        it). With cheapest, only that many holdings, the cheapest to cancel first
        (domain.conflicts.cancellation_rank, then order, line and location): every holding holds
        a unit at least, so asking for as many as the units wanted reads all a resolution can
        take, not every line holding the SKU."""
        dialect = self._connection.dialect.name
        if cheapest is not None:
            return self._cheapest(sku, locations, excluding, only, cost_at_most, cheapest)
        query = (
            select(allocations.c.location, allocations.c.units, *_LINE_REF_COLUMNS)
            .select_from(order_lines)
            .join(allocations, _LINE_ALLOCATIONS)
            .join(orders, orders.c.id == order_lines.c.order_id)
            .join(channels, channels.c.code == orders.c.channel)
            .outerjoin(sku_policies, _OVERRIDE)
            .where(
                order_lines.c.sku == sku,
                order_lines.c.committed > 0,
                among(dialect, allocations.c.location, locations, String()),
            )
        )
        if excluding:
            query = query.where(not_among(dialect, order_lines.c.order_id, excluding, BigInteger()))
        if only is not None:
            query = query.where(among(dialect, order_lines.c.order_id, only, BigInteger()))
        if cost_at_most is not None:
            query = query.where(cost_at_most >= _COST)
        return [Holding(_line_ref(r), r.location, r.units) for r in self._connection.execute(query)]

    def costs(self, sku: str, at_most: int | None = None) -> dict[str, int]:
        """What cancelling a line of sku costs on each channel (no more than at_most)."""
        cost = func.coalesce(sku_policies.c.cancellation_cost, channels.c.cancellation_cost)
        query = select(channels.c.code, cost).outerjoin(
            sku_policies, (sku_policies.c.sku == sku) & (sku_policies.c.channel == channels.c.code)
        )
        if at_most is not None:
            query = query.where(cost <= at_most)
        return {code: int(units) for code, units in self._connection.execute(query)}

    def _cheapest(
        self,
        sku: str,
        locations: Sequence[str],
        excluding: Collection[int],
        only: Collection[int] | None,
        cost_at_most: int | None,
        cheapest: int,
    ) -> list[Holding]:
        """holdings with cheapest: the first ones of each channel (its lines all cost the same
        to cancel), each channel's read down ix_order_lines_holding_rank, then merged."""
        costs = self.costs(sku, cost_at_most)
        parts = [
            self._first_on(sku, locations, channel, excluding, only, cheapest).subquery()
            for channel in sorted(costs)
        ]
        if not parts:
            return []
        rows = self._connection.execute(union_all(*(select(part) for part in parts)))
        held = [
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
        ]
        return sorted(held, key=holding_key)[:cheapest]

    def _first_on(
        self,
        sku: str,
        locations: Sequence[str],
        channel: str,
        excluding: Collection[int],
        only: Collection[int] | None,
        first: int,
    ) -> Select[Any]:
        """The first holdings of sku on one channel, cheapest to cancel first."""
        dialect = self._connection.dialect.name
        query = (
            select(
                allocations.c.location,
                allocations.c.units,
                order_lines.c.order_id,
                order_lines.c.line_no,
                order_lines.c.channel,
                orders.c.external_id,
                orders.c.placed_at,
                orders.c.ship_by,
            )
            .select_from(order_lines)
            .join(allocations, _LINE_ALLOCATIONS)
            .join(orders, orders.c.id == order_lines.c.order_id)
            .where(
                order_lines.c.sku == sku,
                order_lines.c.channel == channel,
                order_lines.c.committed > 0,
                among(dialect, allocations.c.location, locations, String()),
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
        if only is not None:
            query = query.where(among(dialect, order_lines.c.order_id, only, BigInteger()))
        return query

    def backorders(self, sku: str) -> list[tuple[LineRef, int]]:
        """Lines of confirmed orders short of sku that still want it - not those whose latest
        conflict says to cancel them - and how many units each is short."""
        earlier = conflicts.alias("earlier")
        latest = (
            select(func.max(earlier.c.id))
            .where(
                earlier.c.order_id == order_lines.c.order_id,
                earlier.c.line_no == order_lines.c.line_no,
            )
            .correlate(order_lines)
            .scalar_subquery()
        )
        rows = self._connection.execute(
            select(order_lines.c.short, conflicts.c.resolution, *_LINE_REF_COLUMNS)
            .select_from(order_lines)
            .join(orders, orders.c.id == order_lines.c.order_id)
            .join(channels, channels.c.code == orders.c.channel)
            .outerjoin(sku_policies, _OVERRIDE)
            .outerjoin(conflicts, conflicts.c.id == latest)
            .where(
                order_lines.c.sku == sku,
                order_lines.c.short > 0,
                orders.c.status != OrderStatus.PENDING.value,
            )
        ).all()
        return [
            (_line_ref(r), int(r.short))
            for r in rows
            if not (r.resolution and r.resolution.get("action") == "cancel")
        ]

    def cancelling(self, order_id: int) -> set[int]:
        """The order's lines whose latest conflict says to cancel their short units."""
        latest = (
            select(conflicts.c.line_no, func.max(conflicts.c.id).label("id"))
            .where(conflicts.c.order_id == order_id)
            .group_by(conflicts.c.line_no)
            .subquery()
        )
        rows = self._connection.execute(
            select(conflicts.c.line_no, conflicts.c.resolution).join(
                latest, latest.c.id == conflicts.c.id
            )
        )
        return {r.line_no for r in rows if r.resolution and r.resolution.get("action") == "cancel"}


# What cancelling a line costs: its SKU's own cost on the channel, if it has one, else the
# channel's.
_OVERRIDE = (sku_policies.c.sku == order_lines.c.sku) & (sku_policies.c.channel == orders.c.channel)
_LINE_ALLOCATIONS = (allocations.c.order_id == order_lines.c.order_id) & (
    allocations.c.line_no == order_lines.c.line_no
)
_COST = func.coalesce(sku_policies.c.cancellation_cost, channels.c.cancellation_cost)
_LINE_REF_COLUMNS = (
    order_lines.c.order_id,
    order_lines.c.line_no,
    orders.c.channel,
    orders.c.external_id,
    _COST.label("cancellation_cost"),
    orders.c.placed_at,
    orders.c.ship_by,
)


def _line_ref(row: Any) -> LineRef:  # any row carrying _LINE_REF_COLUMNS
    return LineRef(
        order_id=row.order_id,
        line_no=row.line_no,
        channel=row.channel,
        external_id=row.external_id,
        cost=row.cancellation_cost,
        placed_at=row.placed_at,
        ship_by=row.ship_by,
    )


def _conflict(row: Row[Any]) -> ConflictRecord:
    return ConflictRecord(
        id=row.id,
        order_id=row.order_id,
        line_no=row.line_no,
        channel=row.channel,
        external_id=row.external_id,
        sku=row.sku,
        short=row.short,
        status=row.status,
        resolution=row.resolution,
        decided_by=row.decided_by,
        decided_at=row.decided_at,
        created_at=row.created_at,
    )
