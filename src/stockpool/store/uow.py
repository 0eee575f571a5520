"""The unit of work: one transaction, rolled back unless the use case commits it."""

from __future__ import annotations

from types import TracebackType
from typing import Self

from sqlalchemy import Connection, Engine, RootTransaction

from stockpool.store.engine import WRITE
from stockpool.store.repositories.catalog import CatalogRepository
from stockpool.store.repositories.idempotency import IdempotencyRepository
from stockpool.store.repositories.inbound import InboundRepository
from stockpool.store.repositories.keys import KeyRepository
from stockpool.store.repositories.orders import ChannelRepository, OrderRepository
from stockpool.store.repositories.reservations import ReservationRepository
from stockpool.store.repositories.stock import StockRepository


class UnitOfWork:
    catalog: CatalogRepository
    stock: StockRepository
    idempotency: IdempotencyRepository
    keys: KeyRepository
    channels: ChannelRepository
    orders: OrderRepository
    reservations: ReservationRepository
    inbound: InboundRepository

    def __init__(self, engine: Engine, *, write: bool = True) -> None:
        self._engine = engine
        self._write = write
        self._connection: Connection | None = None
        self._transaction: RootTransaction | None = None

    def __enter__(self) -> Self:
        connection = self._engine.connect()
        if self._write:
            connection.execution_options(**{WRITE: True})
        self._connection = connection
        self._transaction = connection.begin()
        self.catalog = CatalogRepository(connection)
        self.stock = StockRepository(connection)
        self.idempotency = IdempotencyRepository(connection)
        self.keys = KeyRepository(connection)
        self.channels = ChannelRepository(connection)
        self.orders = OrderRepository(connection)
        self.reservations = ReservationRepository(connection)
        self.inbound = InboundRepository(connection)
        return self

    def commit(self) -> None:
        assert self._transaction is not None, "commit outside of 'with uow:'"
        self._transaction.commit()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        assert self._connection is not None and self._transaction is not None
        try:
            if self._transaction.is_active:
                self._transaction.rollback()
        finally:
            self._connection.close()
            self._connection = None
            self._transaction = None
