"""What services ask of orders, channels, conflicts and reservations."""

from __future__ import annotations

from collections.abc import Collection, Iterable, Sequence
from datetime import datetime
from typing import Any, Protocol

from stockpool.domain.accepted_orders import Order, OrderChange
from stockpool.domain.bundles import Origin
from stockpool.domain.channels import Channel
from stockpool.domain.conflicts import ConflictRecord, Holding, LineRef, NewConflict
from stockpool.domain.connections import Connection, ConnectionShown
from stockpool.domain.orders import IntakeView, NewOrder, OrderLine
from stockpool.domain.platform_cancellations import (
    CancellationState,
    PlatformCancellation,
    ToCancel,
)
from stockpool.domain.platforms import OrderCursor
from stockpool.domain.reservations import HeldAt, Hold, Reservation, ReservationStatus
from stockpool.domain.routing import RoutingDecision


class Reservations(Protocol):
    """Reservations and their holds. add raises WrittenMeanwhile, when the unit of work ends, if
    (channel, reference) was stored meanwhile; close closes only those still active."""

    def add(
        self,
        *,
        channel: str,
        reference: str | None,
        order_id: int | None,
        fingerprint: str,
        lines: dict[str, Any],
        holds: Sequence[Hold],
        expires_at: datetime,
        at: datetime,
    ) -> int: ...
    def id_of(self, channel: str, reference: str) -> int | None: ...
    def ids_of(self, names: Iterable[tuple[str, str]]) -> dict[tuple[str, str], int]: ...
    def of_order(self, order_id: int) -> Reservation | None: ...
    def get(self, reservation_id: int) -> Reservation | None: ...
    def get_many(self, reservation_ids: Iterable[int]) -> dict[int, Reservation]: ...
    def ids(
        self,
        *,
        channel: str | None,
        status: ReservationStatus | None,
        now: datetime,
        after: int | None,
        limit: int,
    ) -> list[int]: ...
    def holds(self, reservation_ids: Iterable[int]) -> dict[int, list[Hold]]: ...
    def expired(
        self,
        now: datetime,
        *,
        skus: Iterable[str] | None = None,
        after: int = 0,
        limit: int = 1000,
    ) -> dict[int, list[Hold]]: ...
    def close(
        self, reservation_ids: Iterable[int], status: ReservationStatus, at: datetime
    ) -> dict[int, int | None]: ...
    def holding(self, sku: str, location: str) -> list[HeldAt]: ...
    def shrink(self, reservation_id: int, line_no: int, location: str, units: int) -> None: ...
    def reserved_by_balance(self) -> dict[tuple[str, str], int]: ...
    def attach(self, reservation_id: int, order_id: int) -> None: ...


class Orders(Protocol):
    """Accepted orders: stored in bulk, read back, locked, and changed as the domain decides."""

    def add(
        self,
        order: NewOrder,
        lines: Sequence[OrderLine],
        decision: RoutingDecision,
        at: datetime,
        origin: Sequence[Origin] = (),
    ) -> int: ...
    def add_many(
        self,
        decided: Sequence[tuple[NewOrder, Sequence[OrderLine], RoutingDecision, Sequence[Origin]]],
        at: datetime,
    ) -> list[Order]: ...
    def name_of(self, order_id: int) -> tuple[str, str]: ...
    def id_of(self, channel: str, external_id: str) -> int | None: ...
    def get(self, order_id: int) -> Order | None: ...
    def get_many(self, order_ids: Collection[int]) -> dict[int, Order]: ...
    def change_many(self, changes: Sequence[OrderChange]) -> None: ...
    def per_hour(self, since: datetime) -> list[tuple[str, datetime, int]]: ...
    def ids(
        self, *, channel: str | None, status: str | None, after: int | None, limit: int
    ) -> list[int]: ...
    def committed_by_balance(self) -> dict[tuple[str, str], int]: ...
    def holdings(self) -> dict[tuple[str, str, str], int]: ...
    def held_by_orders(self) -> dict[tuple[str, str, str], int]: ...
    def change(self, change: OrderChange) -> None: ...
    def lock_all(self, order_ids: Iterable[int]) -> None: ...
    def lock(self, order_id: int) -> None: ...


class IntakeViews(Protocol):
    def read(self, names: Iterable[tuple[str, str]], skus: Iterable[str]) -> IntakeView: ...


class Channels(Protocol):
    def put(self, channel: Channel, at: datetime) -> bool: ...
    def get(self, code: str) -> Channel | None: ...
    def list(self) -> list[Channel]: ...
    def connect(self, code: str, connection: Connection, at: datetime) -> None: ...
    def disconnect(self, code: str) -> None: ...
    def connection(self, code: str) -> Connection | None: ...
    def connection_shown(self, code: str) -> ConnectionShown | None: ...
    def connections_shown(self) -> dict[str, ConnectionShown]: ...


class Conflicts(Protocol):
    """Conflicts, and order lines as conflict resolution and backorders weigh them."""

    def page(
        self, *, status: str | None, after: int | None, limit: int
    ) -> list[ConflictRecord]: ...
    def get(self, conflict_id: int) -> ConflictRecord | None: ...
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
    ) -> int: ...
    def add_many(self, new: Sequence[NewConflict], at: datetime) -> None: ...
    def decide(
        self, conflict_id: int, resolution: dict[str, Any], decided_by: str, at: datetime
    ) -> None: ...
    def line(self, order_id: int, line_no: int) -> tuple[LineRef, str, int]: ...
    def lines(
        self, keys: Collection[tuple[int, int]]
    ) -> dict[tuple[int, int], tuple[LineRef, str, int]]: ...
    def holdings(
        self,
        sku: str,
        locations: Sequence[str],
        *,
        cost_at_most: int | None = None,
        cheapest: int | None = None,
    ) -> list[Holding]: ...
    def contested(
        self,
        sku: str,
        locations: Sequence[str],
        *,
        cheapest: int,
        ours: Collection[int],
        cost_at_most: int,
    ) -> list[Holding]: ...
    def backorders(self, sku: str) -> list[tuple[LineRef, int]]: ...
    def cancelling(self, order_id: int) -> set[int]: ...


class Webhooks(Protocol):
    """Webhook deliveries taken, by the platform's event id."""

    def seen(self, channel: str, event_id: str) -> bool: ...
    def taken(self, channel: str, event_id: str, at: datetime) -> None: ...


class OrderCursors(Protocol):
    """Where polling each channel's orders stands. advance moves a cursor only from the one
    it was read at: False (nothing changed) when another poll moved it meanwhile."""

    def get(self, channel: str) -> OrderCursor | None: ...
    def advance(
        self, channel: str, since: str | None, to: str | None, orders: int, at: datetime
    ) -> bool: ...


class PlatformCancellations(Protocol):
    """Cancellations queued for the platforms. add is None when the same units were queued
    already; claim is False when another sender took the cancellation since it was read."""

    def add(
        self,
        *,
        channel: str,
        external_id: str,
        order_id: int,
        to_cancel: ToCancel,
        reason: str,
        at: datetime,
    ) -> int | None: ...
    def units_of(self, channel: str, external_id: str) -> list[str]: ...
    def get(self, cancellation_id: int) -> PlatformCancellation | None: ...
    def page(
        self,
        *,
        channel: str | None,
        state: CancellationState | None,
        after: int | None,
        limit: int,
    ) -> list[PlatformCancellation]: ...
    def due(self, channel: str, now: datetime, limit: int) -> list[PlatformCancellation]: ...
    def claim(
        self, cancellation: PlatformCancellation, retry_at: datetime, at: datetime
    ) -> bool: ...
    def record(
        self, cancellation_id: int, state: CancellationState, detail: str, at: datetime
    ) -> None: ...
    def done_by_hand(self, cancellation_id: int, detail: str, at: datetime) -> None: ...
