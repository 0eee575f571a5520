"""Channels, orders, their lines and allocations, and conflicts."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import (
    Connection,
    Row,
    String,
    Table,
    any_,
    bindparam,
    delete,
    func,
    select,
    update,
)
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.engine import Dialect

from stockpool.domain.bundles import Origin
from stockpool.domain.channels import Channel, Platform
from stockpool.domain.conflicts import Holding, LineRef, Take
from stockpool.domain.fulfilment import LinePlan
from stockpool.domain.orders import LineState, NewOrder, OrderLine, OrderStatus, order_status
from stockpool.domain.reservations import Hold
from stockpool.domain.routing import Allocation, RoutingDecision
from stockpool.store.changes import Changes
from stockpool.store.repositories._dialect import put
from stockpool.store.repositories._driver import BulkInsert, compiled_once
from stockpool.store.tables import (
    allocations,
    channels,
    conflicts,
    order_lines,
    orders,
    sku_policies,
)


@dataclass(frozen=True, slots=True)
class StoredOrder:
    id: int
    channel: str
    external_id: str
    status: OrderStatus
    placed_at: datetime
    ship_by: datetime | None
    region: str | None
    fingerprint: str
    lines: tuple[LineState, ...]
    allocations: tuple[Allocation, ...]
    routing: dict[str, Any]


@dataclass(frozen=True, slots=True)
class StoredConflict:
    id: int
    order_id: int
    line_no: int
    channel: str
    external_id: str
    sku: str
    short: int
    status: str
    resolution: dict[str, Any] | None
    decided_by: str | None
    decided_at: datetime | None
    created_at: datetime


class ChannelRepository:
    def __init__(self, connection: Connection) -> None:
        self._connection = connection

    def put(self, channel: Channel, at: datetime) -> bool:
        """Create or replace a channel; True when it is new."""
        values = {
            "platform": channel.platform.value,
            "name": channel.name,
            "cancellation_cost": channel.cost,
            "split_allowed": channel.split_allowed,
            "updated_at": at,
        }
        return put(self._connection, channels, "code", channel.code, values, at)

    def get(self, code: str) -> Channel | None:
        row = self._connection.execute(select(channels).where(channels.c.code == code)).first()
        return _channel(row) if row else None

    def list(self) -> list[Channel]:
        return [_channel(r) for r in self._connection.execute(_ALL_CHANNELS)]


class OrderRepository:
    def __init__(self, connection: Connection, changes: Changes | None = None) -> None:
        self._connection = connection
        self._changes = changes if changes is not None else Changes()

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
        accepted: Sequence[tuple[NewOrder, Sequence[OrderLine], RoutingDecision, Sequence[Origin]]],
        at: datetime,
    ) -> list[StoredOrder]:
        """add for many orders, each table written in one driver call; each as stored, in order.
        (Batched ingest runs here: statements compiled once, rows handed straight to the
        driver - see _driver.py.)"""
        if not accepted:
            return []
        dialect = self._connection.dialect
        fingerprints = [order.fingerprint() for order, _, _, _ in accepted]
        rows = [
            {
                "channel": order.channel,
                "external_id": order.external_id,
                "status": _status(order, decision).value,
                "placed_at": order.placed_at,
                "ship_by": order.ship_by,
                "region": order.region,
                "fingerprint": fingerprint,
                "routing": routing_record(decision),
                "created_at": at,
            }
            for (order, _, decision, _), fingerprint in zip(accepted, fingerprints, strict=True)
        ]
        named = {
            (channel, external_id): order_id
            for order_id, channel, external_id in _insert(dialect, "orders").rows(
                self._connection, rows
            )
        }
        ids = [named[(order.channel, order.external_id)] for order, _, _, _ in accepted]
        for order, lines, _, _ in accepted:  # demand, as ordered (bundles as their components)
            for line in lines:
                self._changes.sold(line.sku, order.channel, line.quantity, order.placed_at)
        added = [
            as_stored(order_id, *item, fingerprint=fingerprint)
            for order_id, item, fingerprint in zip(ids, accepted, fingerprints, strict=True)
        ]
        _insert(dialect, "order_lines").rows(
            self._connection,
            [
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
                }
                for order in added
                for n, line in enumerate(order.lines)
            ],
        )
        _insert(dialect, "allocations").rows(
            self._connection,
            [
                {"order_id": o.id, "line_no": a.line, "location": a.location, "units": a.units}
                for o in added
                for a in o.allocations
            ],
        )
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

    def get(self, order_id: int) -> StoredOrder | None:
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
        return StoredOrder(
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

    def conflicts(
        self, *, status: str | None, after: int | None, limit: int
    ) -> list[StoredConflict]:
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

    def conflict(self, conflict_id: int) -> StoredConflict | None:
        row = self._connection.execute(
            select(conflicts, orders.c.channel, orders.c.external_id)
            .join(orders, orders.c.id == conflicts.c.order_id)
            .where(conflicts.c.id == conflict_id)
        ).first()
        return _conflict(row) if row else None

    def add_conflict(
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
        return conflict_id

    def decide(
        self, conflict_id: int, resolution: dict[str, Any], decided_by: str, at: datetime
    ) -> None:
        self._connection.execute(
            update(conflicts)
            .where(conflicts.c.id == conflict_id)
            .values(status="resolved", resolution=resolution, decided_by=decided_by, decided_at=at)
        )

    def line(self, order_id: int, line_no: int) -> tuple[LineRef, str, int]:
        """The line as conflict resolution weighs it, its SKU, and how many units it is short."""
        row = self._connection.execute(
            select(order_lines.c.sku, order_lines.c.short, *_LINE_REF_COLUMNS)
            .select_from(order_lines)
            .join(orders, orders.c.id == order_lines.c.order_id)
            .join(channels, channels.c.code == orders.c.channel)
            .outerjoin(sku_policies, _OVERRIDE)
            .where(order_lines.c.order_id == order_id, order_lines.c.line_no == line_no)
        ).one()
        return _line_ref(row), row.sku, row.short

    def holdings(
        self,
        sku: str,
        locations: Sequence[str],
        *,
        excluding_order: int | None = None,
        cost_at_most: int | None = None,
    ) -> list[Holding]:
        """Units of sku committed to orders' lines at these locations: all of them, or those of
        other orders than excluding_order on channels whose cancellation costs no more than
        cost_at_most (the only ones that could give them up to it)."""
        query = (
            select(allocations.c.location, allocations.c.units, *_LINE_REF_COLUMNS)
            .select_from(allocations)
            .join(
                order_lines,
                (order_lines.c.order_id == allocations.c.order_id)
                & (order_lines.c.line_no == allocations.c.line_no),
            )
            .join(orders, orders.c.id == order_lines.c.order_id)
            .join(channels, channels.c.code == orders.c.channel)
            .outerjoin(sku_policies, _OVERRIDE)
            .where(order_lines.c.sku == sku, allocations.c.location.in_(list(locations)))
        )
        if excluding_order is not None:
            query = query.where(orders.c.id != excluding_order)
        if cost_at_most is not None:
            query = query.where(cost_at_most >= _COST)
        return [Holding(_line_ref(r), r.location, r.units) for r in self._connection.execute(query)]

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

    def reassign(self, take: Take, to_order: int, to_line: int) -> None:
        """Move take.units committed at take.location from take.line to (to_order, to_line):
        the stock stays committed where it is; which order it is promised to changes."""
        source = take.line
        self.uncommit(source.order_id, source.line_no, take.location, take.units)
        self.commit_more(to_order, to_line, take.location, take.units)

    def uncommit(self, order_id: int, line_no: int, location: str, units: int) -> None:
        """The line loses units committed at location: they become short."""
        self._reduce_allocation(_allocation(order_id, line_no, location), units)
        self._shift(order_id, line_no, -units)

    def commit_more(self, order_id: int, line_no: int, location: str, units: int) -> None:
        """Short units of the line become committed at location."""
        added = self._connection.execute(
            update(allocations)
            .where(_allocation(order_id, line_no, location))
            .values(units=allocations.c.units + units)
            .returning(allocations.c.units)
        ).first()
        if added is None:
            self._connection.execute(
                allocations.insert().values(
                    order_id=order_id, line_no=line_no, location=location, units=units
                )
            )
        self._shift(order_id, line_no, units)

    def _shift(self, order_id: int, line_no: int, change: int) -> None:
        self._connection.execute(
            update(order_lines)
            .where(order_lines.c.order_id == order_id, order_lines.c.line_no == line_no)
            .values(committed=order_lines.c.committed + change, short=order_lines.c.short - change)
        )
        self._refresh_status(order_id)

    def unreserve(self, order_id: int, holds: Sequence[Hold]) -> None:
        """A pending order's hold ended without it being confirmed: its reserved units are
        short again (nothing holds them), and the order stays pending."""
        self._move_reserved(order_id, holds, "short")

    def confirm(self, order_id: int, holds: Sequence[Hold]) -> None:
        """A pending order is confirmed: held units become committed where they are held, and
        the order is pending no more."""
        self._move_reserved(order_id, holds, "committed")
        if holds:
            self._connection.execute(
                allocations.insert(),
                [
                    {
                        "order_id": order_id,
                        "line_no": h.line_no,
                        "location": h.location,
                        "units": h.units,
                    }
                    for h in holds
                ],
            )
        self._refresh_status(order_id, confirmed=True)

    def _move_reserved(self, order_id: int, holds: Sequence[Hold], to: str) -> None:
        per_line: dict[int, int] = {}
        for hold in holds:
            per_line[hold.line_no] = per_line.get(hold.line_no, 0) + hold.units
        for line_no, units in sorted(per_line.items()):
            self._connection.execute(
                update(order_lines)
                .where(order_lines.c.order_id == order_id, order_lines.c.line_no == line_no)
                .values({"reserved": order_lines.c.reserved - units, to: order_lines.c[to] + units})
            )
        self._refresh_status(order_id)

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

    def apply_plan(self, order_id: int, plans: Sequence[LinePlan], outcome: str) -> None:
        """Record cancelled or shipped units (outcome) on the lines and their allocations."""
        for plan in plans:
            released = sum(r.units for r in plan.releases)
            self._connection.execute(
                update(order_lines)
                .where(order_lines.c.order_id == order_id, order_lines.c.line_no == plan.line_no)
                .values(
                    {
                        "short": order_lines.c.short - plan.from_short,
                        "committed": order_lines.c.committed - released,
                        outcome: order_lines.c[outcome] + plan.from_short + released,
                    }
                )
            )
            for release in plan.releases:
                self._reduce_allocation(
                    _allocation(order_id, plan.line_no, release.location), release.units
                )
        self._refresh_status(order_id)

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


def _status(order: NewOrder, decision: RoutingDecision) -> OrderStatus:
    """The status of an order as first stored."""
    routed = sum(a.units for a in decision.allocations)
    pending = not order.confirmed
    return order_status(
        0 if pending else routed,
        sum(decision.short),
        0,
        routed if pending else 0,
        pending=pending,
    )


# Batched ingest writes these three tables in bulk; see _driver.BulkInsert.
_INSERTS: dict[str, tuple[Table, tuple[str, ...]]] = {
    "orders": (orders, ("id", "channel", "external_id")),
    "order_lines": (order_lines, ()),
    "allocations": (allocations, ()),
}


def _insert(dialect: Dialect, table: str) -> BulkInsert:
    target, returning = _INSERTS[table]
    columns = [c.key for c in target.columns if c.key != "id"]
    return compiled_once(
        dialect,
        ("bulk-insert", table),
        lambda: BulkInsert(target, dialect, columns, returning),
    )


def as_stored(
    order_id: int,
    order: NewOrder,
    lines: Sequence[OrderLine],
    decision: RoutingDecision,
    origin: Sequence[Origin],
    *,
    fingerprint: str | None = None,
) -> StoredOrder:
    """An order as add stores it: a pending one holds its routed units as reserved (its
    reservation says where), a confirmed one has them committed at their locations."""
    pending = not order.confirmed
    states = []
    for n, line in enumerate(lines):
        source = origin[n] if n < len(origin) else None
        bundle, bundle_line = source if source is not None else (None, None)
        routed = decision.committed(n)
        states.append(
            LineState(
                line.sku,
                line.quantity,
                committed=0 if pending else routed,
                short=decision.short[n],
                reserved=routed if pending else 0,
                bundle=bundle,
                bundle_line=bundle_line,
            )
        )
    return StoredOrder(
        id=order_id,
        channel=order.channel,
        external_id=order.external_id,
        status=_status(order, decision),
        placed_at=order.placed_at,
        ship_by=order.ship_by,
        region=order.region,
        fingerprint=fingerprint or order.fingerprint(),
        lines=tuple(states),
        allocations=() if pending else tuple(sorted(decision.allocations, key=_allocation_order)),
        routing=routing_record(decision),
    )


def _allocation_order(a: Allocation) -> tuple[int, str]:
    return (a.line, a.location)  # as get reads them back


def routing_record(decision: RoutingDecision) -> dict[str, Any]:
    """The decision as stored and shown: why, and every candidate considered."""
    return {
        "reason": decision.reason,
        "candidates": [
            {
                "location": c.location,
                "priority": c.priority,
                "region_match": c.region_match,
                "can_ship_all": c.can_ship_all,
                "units": c.units,
            }
            for c in decision.candidates
        ],
    }


def _allocation(order_id: int, line_no: int, location: str) -> Any:
    return (
        (allocations.c.order_id == order_id)
        & (allocations.c.line_no == line_no)
        & (allocations.c.location == location)
    )


# What cancelling a line costs: its SKU's own cost on the channel, if it has one, else the
# channel's.
_OVERRIDE = (sku_policies.c.sku == order_lines.c.sku) & (sku_policies.c.channel == orders.c.channel)
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


def _conflict(row: Row[Any]) -> StoredConflict:
    return StoredConflict(
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


def _channel(row: Row[Any]) -> Channel:
    return Channel(
        code=row.code,
        platform=Platform(row.platform),
        name=row.name,
        cancellation_cost=row.cancellation_cost,
        split_allowed=bool(row.split_allowed),
    )


# Built once: order ingest runs these on every transaction.
_ALL_CHANNELS = select(channels).order_by(channels.c.code)
_IDS_OF = select(orders.c.id, orders.c.external_id).where(orders.c.channel == bindparam("channel"))
_IDS_OF_IN = _IDS_OF.where(orders.c.external_id.in_(bindparam("ids", expanding=True)))
# PostgreSQL: one array parameter, not one per id (a statement psycopg would parse every time).
_IDS_OF_ANY = _IDS_OF.where(orders.c.external_id == any_(bindparam("ids", type_=ARRAY(String))))
