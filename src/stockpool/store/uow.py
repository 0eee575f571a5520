"""The unit of work: one transaction, rolled back unless the use case commits it. What the
database refuses leaves it as a domain error, never as the driver's."""

from __future__ import annotations

from collections.abc import Callable
from types import TracebackType
from typing import Any, Self

from sqlalchemy import Connection, Engine, RootTransaction
from sqlalchemy.exc import DBAPIError

from stockpool.domain.changes import Changes
from stockpool.domain.errors import InvariantBroken, Unstorable, WrittenMeanwhile
from stockpool.domain.tally import Tally
from stockpool.store.engine import WRITE
from stockpool.store.repositories.alert_facts import AlertFactsRepository, SkuFactsRepository
from stockpool.store.repositories.alerts import AlertRepository
from stockpool.store.repositories.availability import AvailabilityRepository
from stockpool.store.repositories.cancellations import PlatformCancellationRepository
from stockpool.store.repositories.catalog import CatalogRepository
from stockpool.store.repositories.channels import ChannelRepository
from stockpool.store.repositories.conflicts import ConflictRepository
from stockpool.store.repositories.counts import CountSessionRepository
from stockpool.store.repositories.idempotency import IdempotencyRepository
from stockpool.store.repositories.inbound import InboundRepository
from stockpool.store.repositories.intake_view import IntakeViewRepository
from stockpool.store.repositories.keys import KeyRepository
from stockpool.store.repositories.ledger import LedgerRepository
from stockpool.store.repositories.listings import ListingRepository
from stockpool.store.repositories.order_cursors import (
    OrderCursorRepository,
    ReturnCursorRepository,
)
from stockpool.store.repositories.orders import OrderRepository
from stockpool.store.repositories.policies import PolicyRepository
from stockpool.store.repositories.reservations import ReservationRepository
from stockpool.store.repositories.returns import ReturnRepository
from stockpool.store.repositories.snapshots import SnapshotRepository
from stockpool.store.repositories.stock import StockRepository
from stockpool.store.repositories.subscribers import SubscriberRepository
from stockpool.store.repositories.sync import SyncRepository
from stockpool.store.repositories.sync_work import SyncWorkRepository
from stockpool.store.repositories.webhooks import WebhookRepository
from stockpool.store.secret_box import SecretBox

# Brings what each channel may show (and the outbox) up to date with what a transaction changed,
# in that transaction: the availability service's follow.
Follow = Callable[["UnitOfWork"], None]
# Told what a transaction wrote that metrics count, once it committed (never for a rollback).
Committed = Callable[[Tally], None]


class UnitOfWork:
    catalog: CatalogRepository
    stock: StockRepository
    ledger: LedgerRepository
    idempotency: IdempotencyRepository
    keys: KeyRepository
    channels: ChannelRepository
    orders: OrderRepository
    intake_view: IntakeViewRepository
    conflicts: ConflictRepository
    reservations: ReservationRepository
    inbound: InboundRepository
    availability: AvailabilityRepository
    policies: PolicyRepository
    listings: ListingRepository
    sync: SyncRepository
    sync_work: SyncWorkRepository
    webhooks: WebhookRepository
    order_cursors: OrderCursorRepository
    return_cursors: ReturnCursorRepository
    cancellations: PlatformCancellationRepository
    returns: ReturnRepository
    count_sessions: CountSessionRepository
    snapshots: SnapshotRepository
    alerts: AlertRepository
    alert_facts: AlertFactsRepository
    sku_facts: SkuFactsRepository
    subscribers: SubscriberRepository

    def __init__(
        self,
        engine: Engine,
        *,
        write: bool = True,
        follow: Follow | None = None,
        secrets: SecretBox | None = None,
        committed: Committed | None = None,
    ) -> None:
        self._engine = engine
        self._secrets = secrets or SecretBox(None, engine.url.render_as_string())
        self._write = write
        self._follow = follow
        self._committed = committed
        self.tally = Tally()
        # What this transaction changed that the advertised numbers follow: noted by the use
        # case as it goes, followed by follow_changes before it commits.
        self.changes = Changes()
        self._connection: Connection | None = None
        self._transaction: RootTransaction | None = None

    def __enter__(self) -> Self:
        connection = self._engine.connect()
        if self._write:
            connection.execution_options(**{WRITE: True})
        self._connection = connection
        self._transaction = connection.begin()
        self.changes.clear()
        self.tally.clear()
        self.catalog = CatalogRepository(connection)
        self.stock = StockRepository(connection, self.tally)
        self.ledger = LedgerRepository(connection)
        self.idempotency = IdempotencyRepository(connection)
        self.keys = KeyRepository(connection)
        self.channels = ChannelRepository(connection, self._secrets)
        self.orders = OrderRepository(connection)
        self.intake_view = IntakeViewRepository(connection)
        self.conflicts = ConflictRepository(connection, self.tally)
        self.reservations = ReservationRepository(connection)
        self.inbound = InboundRepository(connection)
        self.availability = AvailabilityRepository(connection)
        self.policies = PolicyRepository(connection)
        self.listings = ListingRepository(connection)
        self.sync = SyncRepository(connection)
        self.sync_work = SyncWorkRepository(connection)
        self.webhooks = WebhookRepository(connection)
        self.order_cursors = OrderCursorRepository(connection)
        self.return_cursors = ReturnCursorRepository(connection)
        self.cancellations = PlatformCancellationRepository(connection)
        self.returns = ReturnRepository(connection)
        self.count_sessions = CountSessionRepository(connection)
        self.snapshots = SnapshotRepository(connection)
        self.alerts = AlertRepository(connection)
        self.alert_facts = AlertFactsRepository(connection)
        self.sku_facts = SkuFactsRepository(connection)
        self.subscribers = SubscriberRepository(connection, self._secrets)
        return self

    def follow_changes(self) -> None:
        """Bring what each channel may show, and the outbox, up to date with what this
        transaction changed (self.changes), in this transaction."""
        if self.changes and self._follow is not None:
            self._follow(self)
        self.changes.clear()

    def commit(self) -> None:
        """Commit. A change noted and not followed is refused: the numbers each channel is
        shown would no longer match the stock."""
        if self._transaction is None:
            raise InvariantBroken("commit() outside of 'with uow:': there is no transaction.")
        if self.changes:
            raise InvariantBroken(
                f"a use case changed what channels are shown ({self.changes}) and committed "
                "without uow.follow_changes()"
            )
        self._transaction.commit()
        if self.tally and self._committed is not None:
            self._committed(self.tally)
        self.tally.clear()  # a use case may go on in a new transaction with the same uow

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self._connection is None or self._transaction is None:
            raise InvariantBroken("Leaving a unit of work that was never entered.")
        try:
            if self._transaction.is_active:
                self._transaction.rollback()
        finally:
            self._connection.close()
            self._connection = None
            self._transaction = None
        refused = domain_error(exc, self._engine.dialect.loaded_dbapi) if exc is not None else None
        if refused is not None:
            raise refused from exc


# A unique constraint broken: PostgreSQL's SQLSTATE, SQLite's extended result codes.
_UNIQUE = frozenset({"23505", "SQLITE_CONSTRAINT_UNIQUE", "SQLITE_CONSTRAINT_PRIMARYKEY"})


def domain_error(error: BaseException, dbapi: Any) -> Exception | None:
    """The domain error for what the database refused, or None for an error that is not a
    refusal (it leaves as it is). The hot path runs statements on the driver's own cursor, so
    the driver's errors (dbapi's) come as they are, not only wrapped by SQLAlchemy."""
    driver = error.orig if isinstance(error, DBAPIError) else error
    if isinstance(driver, dbapi.DataError):
        return Unstorable()
    if not isinstance(driver, dbapi.IntegrityError):
        return None
    code = getattr(driver, "sqlstate", None) or getattr(driver, "sqlite_errorname", None)
    if code in _UNIQUE:
        # Services check a unique name before inserting it; only a transaction that stored the
        # same name after that check and before this insert gets here.
        return WrittenMeanwhile()
    reason = (str(driver).strip().splitlines() or [type(driver).__name__])[0]
    return InvariantBroken(
        f"The database refused a write that breaks one of its rules ({reason}): a stockpool bug, "
        "or a database changed by hand; `stockpool check` compares balances with the ledger."
    )
