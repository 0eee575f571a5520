"""The one place that wires settings, the database and the services together."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import Engine

from stockpool.channels.connect import connector
from stockpool.config import Settings
from stockpool.domain.alerts import Thresholds
from stockpool.domain.channels import Platform
from stockpool.domain.count_sessions import ApprovalThresholds
from stockpool.domain.errors import NotConnected
from stockpool.domain.orders import NewOrder
from stockpool.services.alert_facts import AlertSettings
from stockpool.services.alerts import AlertService
from stockpool.services.availability import AvailabilityService
from stockpool.services.availability_setup import AvailabilitySettings
from stockpool.services.catalog import CatalogService
from stockpool.services.channels import ChannelService
from stockpool.services.confirmation import OrderConfirmation
from stockpool.services.conflicts import ConflictService
from stockpool.services.counts import CountService
from stockpool.services.csv_files import CsvService
from stockpool.services.forecast import ForecastService
from stockpool.services.fulfilled_stock import FulfilledStockFeed
from stockpool.services.fulfilment import Fulfilment
from stockpool.services.group_commit import GroupCommit
from stockpool.services.intake import Ingested, OrderIntake
from stockpool.services.keys import KeyService
from stockpool.services.ledger import LedgerService
from stockpool.services.listing_discovery import ListingDiscovery
from stockpool.services.listings import ListingService
from stockpool.services.order_queries import OrderQueries
from stockpool.services.platform_cancellations import PlatformCancellations
from stockpool.services.platform_orders import ConnectorFor, PlatformOrders
from stockpool.services.platform_returns import PlatformReturns
from stockpool.services.policies import PolicyService
from stockpool.services.ports import Clock, UnitOfWorkFactory
from stockpool.services.ports.connectors import Connector
from stockpool.services.ports.observer import Observer, Unwatched
from stockpool.services.reconciliation import Reconciliation
from stockpool.services.reservations import ReservationService
from stockpool.services.returns import ReturnService
from stockpool.services.snapshots import SnapshotService
from stockpool.services.stock import StockService
from stockpool.services.sync import SyncService
from stockpool.services.sync_worker import ChannelSync
from stockpool.services.webhook_sender import SenderSettings, WebhookSender
from stockpool.services.webhooks import WebhookService
from stockpool.store import migrate
from stockpool.store.engine import make_engine
from stockpool.store.secret_box import SecretBox
from stockpool.store.uow import UnitOfWork as StoreUnitOfWork


def utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True)
class Database:
    """The database itself, for the commands that look after it rather than use it: migrating
    it, and telling whether it is ready."""

    engine: Engine

    @property
    def kind(self) -> str:
        """sqlite or postgresql."""
        return self.engine.dialect.name

    def upgrade(self) -> None:
        """Apply every migration it does not have yet (creating a SQLite file)."""
        migrate.upgrade(self.engine)

    def current_revision(self) -> str | None:
        """The schema it is at (None: no stockpool tables); raises when it cannot be reached."""
        return migrate.current_revision(self.engine)

    def head_revision(self) -> str | None:
        """The newest schema this stockpool knows."""
        return migrate.head_revision(self.engine)

    def require_current(self) -> None:
        """Refuse (DatabaseNotReady) one that is missing, unreadable or not at the newest schema."""
        migrate.require_current(self.engine)


@dataclass(frozen=True)
class Alerting:
    """Alerts, the webhook subscribers told of them, the sender that delivers to them, and the
    demand forecast stockout alerts are decided with."""

    alerts: AlertService
    webhooks: WebhookService
    sender: WebhookSender
    forecast: ForecastService


@dataclass(frozen=True)
class Container:
    settings: Settings
    clock: Clock
    # Told the outcomes worth counting (the metrics of entrypoints/metrics.py, or nobody).
    observer: Observer
    database: Database
    engine: Engine  # for tests and benchmarks that read tables; entrypoints use database
    uow: UnitOfWorkFactory
    stock: StockService
    catalog: CatalogService
    ledger: LedgerService
    keys: KeyService
    csv: CsvService
    channels: ChannelService
    orders: OrderQueries
    intake: OrderIntake
    # In-process callers' orders arriving together share a transaction (threads wait for their
    # batch). POST /v1/orders does the same on the event loop (entrypoints/api/loop_group_commit).
    grouped_intake: GroupCommit[NewOrder, Ingested]
    confirmation: OrderConfirmation
    fulfilment: Fulfilment
    conflicts: ConflictService
    counts: CountService
    # Orders and returns the platforms report (webhooks, polling).
    platform_orders: PlatformOrders
    platform_returns: PlatformReturns
    # Stock the platforms' own fulfilment networks hold (FBA, WFS), applied as snapshots.
    fulfilled_stock: FulfilledStockFeed
    # Units stockpool cancelled that the platforms must cancel too (sent by the worker).
    cancellations: PlatformCancellations
    discovery: ListingDiscovery
    reservations: ReservationService
    # Returns received into quality_control, and their inspections (the QC queue).
    returns: ReturnService
    availability: AvailabilityService
    policies: PolicyService
    listings: ListingService
    sync: SyncService
    # The connector of a connected channel, built from its stored connection.
    connector_for: ConnectorFor
    reconciliation: Reconciliation
    snapshots: SnapshotService
    alerting: Alerting

    def channel_sync(self, worker: str) -> ChannelSync:
        """The sync rounds of the worker process named `worker` (unique per process)."""
        stuck_after = timedelta(seconds=self.settings.feed_stuck_seconds)
        return ChannelSync(
            self.uow,
            self.clock,
            self.sync,
            worker,
            stuck_after=stuck_after,
            observer=self.observer,
        )

    def close(self) -> None:
        self.engine.dispose()


def bootstrap(
    settings: Settings | None = None,
    *,
    clock: Clock = utc_now,
    engine: Engine | None = None,
    observer: Observer | None = None,
) -> Container:
    settings = settings or Settings()
    engine = engine or engine_of(settings)
    observer = observer or Unwatched()
    uow, availability = units_of_work(engine, settings, clock, observer)
    policy = settings.conflict_policy
    stock, catalog = StockService(uow, clock, policy), CatalogService(uow, clock)
    confirmation, intake = order_intake(uow, clock, settings, observer)
    channels, fulfilment = ChannelService(uow, clock), Fulfilment(uow, clock, policy)
    connector_for = connectors(channels, clock)
    returns = ReturnService(uow, clock, timedelta(hours=settings.returns_overdue_hours))
    platform_returns = PlatformReturns(uow, clock, returns, fulfilment)
    sync = SyncService(uow, clock, availability.settings, observer)
    hold = timedelta(seconds=settings.reservation_ttl_seconds)
    snapshots = SnapshotService(uow, clock, policy)
    return Container(
        settings=settings,
        clock=clock,
        observer=observer,
        database=Database(engine),
        engine=engine,
        uow=uow,
        stock=stock,
        catalog=catalog,
        ledger=LedgerService(uow),
        keys=KeyService(uow, clock, cache_seconds=settings.key_cache_seconds),
        csv=CsvService(uow, catalog, stock),
        channels=channels,
        orders=OrderQueries(uow),
        intake=intake,
        grouped_intake=grouped_intake(intake, settings),
        confirmation=confirmation,
        fulfilment=fulfilment,
        platform_orders=PlatformOrders(
            uow, clock, intake, fulfilment, connector_for, platform_returns
        ),
        platform_returns=platform_returns,
        fulfilled_stock=FulfilledStockFeed(uow, snapshots),
        cancellations=PlatformCancellations(uow, clock),
        discovery=ListingDiscovery(uow, clock, availability, connector_for),
        conflicts=ConflictService(uow, clock),
        counts=CountService(uow, clock, stock, count_thresholds(settings)),
        reservations=ReservationService(uow, clock, default_ttl=hold),
        returns=returns,
        availability=availability,
        policies=PolicyService(uow, clock),
        listings=ListingService(uow, clock, availability),
        sync=sync,
        connector_for=connector_for,
        reconciliation=Reconciliation(uow, clock, sync, availability, settings.reconcile_every),
        snapshots=snapshots,
        alerting=alerting(uow, clock, settings, availability.settings),
    )


def alerting(
    uow: UnitOfWorkFactory, clock: Clock, settings: Settings, decided: AvailabilitySettings
) -> Alerting:
    thresholds = Thresholds(
        stockout_days=settings.alert_stockout_days,
        oversell_risk=settings.alert_oversell_risk,
        conflicts_waiting=timedelta(minutes=settings.alert_conflicts_waiting_minutes),
        returns_overdue=timedelta(hours=settings.returns_overdue_hours),
    )
    alert_settings = AlertSettings(
        thresholds,
        half_life_hours=settings.demand_half_life_hours,
        stale_after=timedelta(seconds=settings.sync_stale_seconds),
        feed_stuck_after=timedelta(seconds=settings.feed_stuck_seconds),
    )
    sender = SenderSettings(
        timeout_seconds=settings.webhook_timeout_seconds,
        max_attempts=settings.webhook_max_attempts,
        backoff_base_seconds=settings.webhook_backoff_seconds,
        backoff_cap_seconds=settings.webhook_backoff_max_seconds,
    )
    return Alerting(
        AlertService(uow, clock, alert_settings, decided),
        WebhookService(uow, clock),
        WebhookSender(uow, clock, sender),
        ForecastService(
            uow, clock, settings.demand_half_life_hours, settings.demand_fast_half_life_hours
        ),
    )


def units_of_work(
    engine: Engine, settings: Settings, clock: Clock, observer: Observer
) -> tuple[UnitOfWorkFactory, AvailabilityService]:
    """Units of work on engine, and the availability service that follows what each one
    changed (in it, before it commits); the observer is told what each committed."""
    secrets = secret_box(settings)

    def store_unit(*, write: bool = True) -> StoreUnitOfWork:  # follow: see follow_changes
        return StoreUnitOfWork(
            engine,
            write=write,
            follow=availability.follow,
            secrets=secrets,
            committed=observer.committed,
        )

    uow: UnitOfWorkFactory = store_unit  # mypy checks here that the store fits services.ports
    availability = AvailabilityService(uow, clock, availability_settings(settings))
    return uow, availability


def engine_of(settings: Settings) -> Engine:
    return make_engine(
        settings.database_url,
        sqlite_synchronous=settings.sqlite_synchronous,
        pool_size=settings.db_pool_size,
    )


def grouped_intake(intake: OrderIntake, settings: Settings) -> GroupCommit[NewOrder, Ingested]:
    """Concurrent callers' orders decided together, a transaction per batch."""
    return GroupCommit(
        lambda batch, actor: intake.ingest_many(batch, actor=actor),
        max_batch=settings.group_commit_max,
    )


def order_intake(
    uow: UnitOfWorkFactory, clock: Clock, settings: Settings, observer: Observer
) -> tuple[OrderConfirmation, OrderIntake]:
    confirmation = OrderConfirmation(uow, clock, settings.conflict_policy)
    intake = OrderIntake(
        uow,
        clock,
        confirmation.confirm_named,
        conflict_policy=settings.conflict_policy,
        pending_hold=timedelta(seconds=settings.pending_order_hold_seconds),
        observer=observer,
    )
    return confirmation, intake


def connectors(channels: ChannelService, clock: Clock) -> ConnectorFor:
    """The connector of a connected channel, built from its stored connection."""

    def connector_for(code: str) -> Connector:
        platform = channels.get(code).platform
        connection = channels.connection(code)
        if connection is None:
            raise NotConnected(code)
        return connector(platform, connection, now=clock)

    return connector_for


def secret_box(settings: Settings) -> SecretBox:
    """What channel credentials are sealed with at rest (see store/secret_box.py)."""
    key = settings.secret_key.get_secret_value() if settings.secret_key else None
    return SecretBox(key, settings.database_url)


def count_thresholds(settings: Settings) -> ApprovalThresholds:
    by_location = tuple(sorted(settings.count_approval_units_by_location.items()))
    value_by_location = tuple(sorted(settings.count_approval_value_by_location.items()))
    return ApprovalThresholds(
        settings.count_approval_units,
        by_location,
        value=settings.count_approval_value,
        value_by_location=value_by_location,
    )


def availability_settings(settings: Settings) -> AvailabilitySettings:
    return AvailabilitySettings(
        demand_half_life_hours=settings.demand_half_life_hours,
        demand_floor_per_hour=settings.demand_floor_per_day / 24,
        default_lags={
            Platform.SHOPIFY: settings.lag_shopify_seconds,
            Platform.AMAZON: settings.lag_amazon_seconds,
            Platform.WALMART: settings.lag_walmart_seconds,
            Platform.MANUAL: settings.lag_manual_seconds,
        },
        holdback_percent=settings.stale_snapshot_holdback_percent,
        stale_after=timedelta(seconds=settings.sync_stale_seconds),
        feed_stuck_after=timedelta(seconds=settings.feed_stuck_seconds),
    )
