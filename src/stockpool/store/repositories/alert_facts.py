"""What deciding alerts reads, each fact in one set-based query whatever the catalogue's size:
the SKUs that sell (their rates, available units and incoming lots), overdue returns per
location, conflicts waiting too long, and the locations that report snapshots."""

from __future__ import annotations

from collections import defaultdict
from datetime import UTC, datetime, timedelta

from sqlalchemy import Connection, func, select

from stockpool.domain.alerts import SnapshotAge, Waiting
from stockpool.domain.demand import Rate
from stockpool.domain.forecast import Lot
from stockpool.store.tables import (
    balances,
    conflicts,
    demand,
    inbound,
    locations,
    order_lines,
    orders,
    returns,
)


class AlertFactsRepository:
    def __init__(self, connection: Connection) -> None:
        self._connection = connection

    def selling(self) -> dict[str, dict[str, Rate]]:
        """The demand rates of every SKU that has sold, by SKU and channel."""
        found: dict[str, dict[str, Rate]] = defaultdict(dict)
        rows = self._connection.execute(
            select(demand.c.sku, demand.c.channel, demand.c.units_per_hour, demand.c.as_of).where(
                demand.c.units_per_hour > 0
            )
        )
        for r in rows:
            found[r.sku][r.channel] = Rate(float(r.units_per_hour), r.as_of)
        return dict(found)

    def available_of_selling(self) -> dict[str, int]:
        """Available units, all locations together, of every SKU that has sold."""
        selling = select(demand.c.sku).where(demand.c.units_per_hour > 0)
        rows = self._connection.execute(
            select(balances.c.sku, func.sum(balances.c.available))
            .where(balances.c.sku.in_(selling))
            .group_by(balances.c.sku)
        )
        return {sku: int(total or 0) for sku, total in rows}

    def lots_of_selling(self) -> dict[str, list[Lot]]:
        """Incoming lots of every SKU that has sold."""
        selling = select(demand.c.sku).where(demand.c.units_per_hour > 0)
        found: dict[str, list[Lot]] = defaultdict(list)
        rows = self._connection.execute(
            select(inbound.c.sku, inbound.c.units, inbound.c.eta).where(inbound.c.sku.in_(selling))
        )
        for r in rows:
            found[r.sku].append(Lot(int(r.units), r.eta))
        return dict(found)

    def overdue_returns(self, received_before: datetime) -> list[Waiting]:
        """Returns awaiting inspection received before a moment, per location."""
        rows = self._connection.execute(
            select(
                returns.c.location,
                func.count(),
                func.min(returns.c.id),
                func.min(returns.c.created_at),
            )
            .where(
                returns.c.status == "awaiting_inspection",
                returns.c.created_at < received_before,
            )
            .group_by(returns.c.location)
            .order_by(returns.c.location)
        )
        return [
            Waiting(int(count), int(oldest_id), _utc(oldest_at), location=location)
            for location, count, oldest_id, oldest_at in rows
        ]

    def waiting_conflicts(self, raised_before: datetime) -> Waiting | None:
        """Proposed conflicts raised before a moment, still waiting for a decision."""
        count, oldest_id, oldest_at = self._connection.execute(
            select(func.count(), func.min(conflicts.c.id), func.min(conflicts.c.created_at)).where(
                conflicts.c.status == "proposed", conflicts.c.created_at < raised_before
            )
        ).one()
        if not count:
            return None
        return Waiting(int(count), int(oldest_id), _utc(oldest_at))

    def snapshot_ages(self) -> list[SnapshotAge]:
        """The locations that report snapshots: when the last came, and how old it may get."""
        rows = self._connection.execute(
            select(locations.c.code, locations.c.snapshot_at, locations.c.snapshot_max_age_seconds)
            .where(locations.c.snapshot_max_age_seconds.is_not(None))
            .order_by(locations.c.code)
        )
        return [
            SnapshotAge(code, taken_at, timedelta(seconds=int(max_age)))
            for code, taken_at, max_age in rows
        ]


class SkuFactsRepository:
    """The same facts for one SKU (its forecast), and its sales since a moment."""

    def __init__(self, connection: Connection) -> None:
        self._connection = connection

    def rates_of(self, sku: str) -> dict[str, Rate]:
        rows = self._connection.execute(
            select(demand.c.channel, demand.c.units_per_hour, demand.c.as_of).where(
                demand.c.sku == sku
            )
        )
        return {r.channel: Rate(float(r.units_per_hour), r.as_of) for r in rows}

    def available_of(self, sku: str) -> int:
        total = self._connection.execute(
            select(func.sum(balances.c.available)).where(balances.c.sku == sku)
        ).scalar()
        return int(total or 0)

    def lots_of(self, sku: str) -> list[Lot]:
        rows = self._connection.execute(
            select(inbound.c.units, inbound.c.eta)
            .where(inbound.c.sku == sku)
            .order_by(inbound.c.id)
        )
        return [Lot(int(r.units), r.eta) for r in rows]

    def sales_of(self, sku: str, since: datetime) -> list[tuple[str, int, datetime]]:
        """(channel, units, placed_at) of its order lines placed since a moment."""
        rows = self._connection.execute(
            select(orders.c.channel, order_lines.c.quantity, orders.c.placed_at)
            .join(orders, orders.c.id == order_lines.c.order_id)
            .where(order_lines.c.sku == sku, orders.c.placed_at >= since)
        )
        return [(r.channel, int(r.quantity), r.placed_at) for r in rows]


def _utc(moment: object) -> datetime:
    """An aggregate (MIN) loses the column's type: SQLite hands back text, PostgreSQL a
    datetime; UtcDateTime's reading applied by hand."""
    if isinstance(moment, str):
        moment = datetime.fromisoformat(moment)
    if not isinstance(moment, datetime):
        raise TypeError(f"not a moment: {moment!r}")
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)
