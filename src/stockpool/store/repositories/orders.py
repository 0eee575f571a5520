"""Channels, orders, their lines and allocations, and conflicts."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Row, select, update

from stockpool.domain.channels import Channel, Platform
from stockpool.domain.orders import NewOrder, OrderStatus
from stockpool.domain.routing import Allocation, RoutingDecision
from stockpool.store.repositories._dialect import insert
from stockpool.store.tables import allocations, channels, conflicts, order_lines, orders


@dataclass(frozen=True, slots=True)
class LineState:
    sku: str
    quantity: int
    committed: int
    short: int


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
    channel: str
    external_id: str
    sku: str
    short: int
    status: str
    resolution: dict[str, Any] | None
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
        created = (
            self._connection.execute(
                insert(self._connection, channels)
                .values(code=channel.code, created_at=at, **values)
                .on_conflict_do_nothing(index_elements=[channels.c.code])
                .returning(channels.c.code)
            ).first()
            is not None
        )
        if not created:
            self._connection.execute(
                update(channels).where(channels.c.code == channel.code).values(**values)
            )
        return created

    def get(self, code: str) -> Channel | None:
        row = self._connection.execute(select(channels).where(channels.c.code == code)).first()
        return _channel(row) if row else None

    def list(self) -> list[Channel]:
        return [
            _channel(r)
            for r in self._connection.execute(select(channels).order_by(channels.c.code))
        ]


class OrderRepository:
    def __init__(self, connection: Connection) -> None:
        self._connection = connection

    def add(self, order: NewOrder, decision: RoutingDecision, at: datetime) -> int:
        """Store an accepted order, its lines, allocations and conflicts; its id."""
        status = OrderStatus.CONFLICT if any(decision.short) else OrderStatus.COMMITTED
        order_id: int = self._connection.execute(
            orders.insert()
            .values(
                channel=order.channel,
                external_id=order.external_id,
                status=status.value,
                placed_at=order.placed_at,
                ship_by=order.ship_by,
                region=order.region,
                fingerprint=order.fingerprint(),
                routing=routing_record(decision),
                created_at=at,
            )
            .returning(orders.c.id)
        ).scalar_one()
        self._connection.execute(
            order_lines.insert(),
            [
                {
                    "order_id": order_id,
                    "line_no": n,
                    "sku": line.sku,
                    "quantity": line.quantity,
                    "committed": decision.committed(n),
                    "short": decision.short[n],
                }
                for n, line in enumerate(order.lines)
            ],
        )
        if decision.allocations:
            self._connection.execute(
                allocations.insert(),
                [
                    {
                        "order_id": order_id,
                        "line_no": a.line,
                        "location": a.location,
                        "units": a.units,
                    }
                    for a in decision.allocations
                ],
            )
        shortfalls = [
            {
                "order_id": order_id,
                "line_no": n,
                "sku": line.sku,
                "short": decision.short[n],
                "status": "open",
                "created_at": at,
            }
            for n, line in enumerate(order.lines)
            if decision.short[n] > 0
        ]
        if shortfalls:
            self._connection.execute(conflicts.insert(), shortfalls)
        return order_id

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
            lines=tuple(LineState(r.sku, r.quantity, r.committed, r.short) for r in lines),
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
        return [
            StoredConflict(
                r.id,
                r.order_id,
                r.channel,
                r.external_id,
                r.sku,
                r.short,
                r.status,
                r.resolution,
                r.created_at,
            )
            for r in self._connection.execute(query)
        ]


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


def _channel(row: Row[Any]) -> Channel:
    return Channel(
        code=row.code,
        platform=Platform(row.platform),
        name=row.name,
        cancellation_cost=row.cancellation_cost,
        split_allowed=bool(row.split_allowed),
    )
