"""What services are handed: a way to open units of work, and the time.

A unit of work and its repositories are Protocols here, holding only what services call: the
store's classes (stockpool.store) satisfy them structurally, which bootstrap has mypy check, and
a test can hand a service a small working fake instead. Every read model they return is a domain
type. What the database refuses comes out as a domain error when the unit of work ends:
WrittenMeanwhile, Unstorable, InvariantBroken (stockpool.domain.errors).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from types import TracebackType
from typing import Protocol, Self

from stockpool.domain.changes import Changes
from stockpool.services.ports.alerts import AlertFacts, Alerts, SkuFacts, Subscribers
from stockpool.services.ports.availability import (
    Availability,
    AvailabilityInputs,
    Listings,
    Policies,
    Sync,
    SyncWork,
)
from stockpool.services.ports.counts import CountSessions
from stockpool.services.ports.orders import (
    Channels,
    Conflicts,
    IntakeViews,
    OrderCursors,
    Orders,
    PlatformCancellations,
    Reservations,
    Webhooks,
)
from stockpool.services.ports.returns import Returns
from stockpool.services.ports.stock import (
    Catalog,
    Idempotency,
    Inbound,
    Keys,
    Ledger,
    Snapshots,
    Stock,
)

__all__ = [
    "AlertFacts",
    "Alerts",
    "Availability",
    "AvailabilityInputs",
    "Catalog",
    "Changes",
    "Channels",
    "Clock",
    "Conflicts",
    "CountSessions",
    "Idempotency",
    "Inbound",
    "IntakeViews",
    "Keys",
    "Ledger",
    "Listings",
    "OrderCursors",
    "Orders",
    "PlatformCancellations",
    "Policies",
    "Progress",
    "Reservations",
    "Returns",
    "SkuFacts",
    "Snapshots",
    "Stock",
    "Subscribers",
    "Sync",
    "SyncWork",
    "UnitOfWork",
    "UnitOfWorkFactory",
    "Webhooks",
]

Clock = Callable[[], datetime]
Progress = Callable[[int], None]  # told how many items of a long operation are done


class UnitOfWork(Protocol):
    """One transaction: `with uow:` ... `uow.commit()`; leaving without commit rolls back.
    The repositories are read-only attributes: a unit of work sets them as it begins."""

    @property
    def catalog(self) -> Catalog: ...
    @property
    def stock(self) -> Stock: ...
    @property
    def ledger(self) -> Ledger: ...
    @property
    def idempotency(self) -> Idempotency: ...
    @property
    def keys(self) -> Keys: ...
    @property
    def reservations(self) -> Reservations: ...
    @property
    def inbound(self) -> Inbound: ...
    @property
    def availability(self) -> Availability: ...
    @property
    def policies(self) -> Policies: ...
    @property
    def listings(self) -> Listings: ...
    @property
    def sync(self) -> Sync: ...
    @property
    def sync_work(self) -> SyncWork: ...
    @property
    def orders(self) -> Orders: ...
    @property
    def intake_view(self) -> IntakeViews: ...
    @property
    def channels(self) -> Channels: ...
    @property
    def conflicts(self) -> Conflicts: ...
    @property
    def webhooks(self) -> Webhooks: ...
    @property
    def order_cursors(self) -> OrderCursors: ...
    @property
    def return_cursors(self) -> OrderCursors: ...
    @property
    def cancellations(self) -> PlatformCancellations: ...
    @property
    def returns(self) -> Returns: ...
    @property
    def count_sessions(self) -> CountSessions: ...
    @property
    def snapshots(self) -> Snapshots: ...
    @property
    def alerts(self) -> Alerts: ...
    @property
    def alert_facts(self) -> AlertFacts: ...
    @property
    def sku_facts(self) -> SkuFacts: ...
    @property
    def subscribers(self) -> Subscribers: ...
    @property
    def changes(self) -> Changes: ...

    def __enter__(self) -> Self: ...
    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None: ...
    def follow_changes(self) -> None: ...
    def commit(self) -> None: ...


class UnitOfWorkFactory(Protocol):
    def __call__(self, *, write: bool = True) -> UnitOfWork: ...
