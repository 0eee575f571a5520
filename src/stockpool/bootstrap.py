"""The one place that wires settings, the database and the services together."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import Engine

from stockpool.config import Settings
from stockpool.services.catalog import CatalogService
from stockpool.services.csv_files import CsvService
from stockpool.services.keys import KeyService
from stockpool.services.ledger import LedgerService
from stockpool.services.orders import OrderService
from stockpool.services.ports import Clock, UnitOfWorkFactory
from stockpool.services.stock import StockService
from stockpool.store.engine import make_engine
from stockpool.store.uow import UnitOfWork


def utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True)
class Container:
    settings: Settings
    engine: Engine
    uow: UnitOfWorkFactory
    stock: StockService
    catalog: CatalogService
    ledger: LedgerService
    keys: KeyService
    csv: CsvService
    orders: OrderService

    def close(self) -> None:
        self.engine.dispose()


def bootstrap(
    settings: Settings | None = None, *, clock: Clock = utc_now, engine: Engine | None = None
) -> Container:
    settings = settings or Settings()
    engine = engine or make_engine(
        settings.database_url,
        sqlite_synchronous=settings.sqlite_synchronous,
        pool_size=settings.db_pool_size,
    )

    def uow(*, write: bool = True) -> UnitOfWork:
        return UnitOfWork(engine, write=write)

    stock = StockService(uow, clock)
    catalog = CatalogService(uow, clock)
    return Container(
        settings=settings,
        engine=engine,
        uow=uow,
        stock=stock,
        catalog=catalog,
        ledger=LedgerService(uow),
        keys=KeyService(uow, clock),
        csv=CsvService(uow, catalog, stock),
        orders=OrderService(uow, clock, settings.conflict_policy),
    )
