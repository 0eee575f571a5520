"""Conflicts, and order lines as conflict resolution and backorders weigh them: what a
cancellation costs on each line's channel (its SKU's own cost there, if it has one), its ship-by,
and how old its order is."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, Connection, Row, func, select, update

from stockpool.domain.conflicts import ConflictRecord, LineRef, NewConflict
from stockpool.domain.orders import OrderStatus
from stockpool.domain.tally import Tally
from stockpool.store.repositories._dialect import among
from stockpool.store.repositories.holding_reads import (
    LINE_REF_COLUMNS,
    OVERRIDE,
    HoldingReads,
    line_ref,
)
from stockpool.store.tables import (
    channels,
    conflicts,
    order_lines,
    orders,
    sku_policies,
)


class ConflictRepository(HoldingReads):
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
        dialect, ids = self._connection.dialect.name, {order_id for order_id, _ in keys}
        rows = self._connection.execute(
            select(order_lines.c.sku, order_lines.c.short, *LINE_REF_COLUMNS)
            .select_from(order_lines)
            .join(orders, orders.c.id == order_lines.c.order_id)
            .join(channels, channels.c.code == orders.c.channel)
            .outerjoin(sku_policies, OVERRIDE)
            .where(  # both ids named: PostgreSQL carries = ANY across no join
                among(dialect, orders.c.id, ids, BigInteger()),
                among(dialect, order_lines.c.order_id, ids, BigInteger()),
            )
        )
        found = {(r.order_id, r.line_no): (line_ref(r), r.sku, r.short) for r in rows}
        missing = [key for key in keys if key not in found]
        if missing:
            order_id, line_no = missing[0]
            raise LookupError(f"order {order_id} has no line {line_no}")
        return {key: found[key] for key in keys}

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
            select(order_lines.c.short, conflicts.c.resolution, *LINE_REF_COLUMNS)
            .select_from(order_lines)
            .join(orders, orders.c.id == order_lines.c.order_id)
            .join(channels, channels.c.code == orders.c.channel)
            .outerjoin(sku_policies, OVERRIDE)
            .outerjoin(conflicts, conflicts.c.id == latest)
            .where(
                order_lines.c.sku == sku,
                order_lines.c.short > 0,
                orders.c.status != OrderStatus.PENDING.value,
            )
        ).all()
        return [
            (line_ref(r), int(r.short))
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
