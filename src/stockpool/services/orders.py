"""Orders: every order takes stock from the one pool first, atomically, and what it cannot take
becomes a conflict on record."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy.exc import IntegrityError

from stockpool.domain.balance import apply_into
from stockpool.domain.channels import Channel
from stockpool.domain.errors import NotFound, OrderIdReused, UnknownChannel, UnknownSku
from stockpool.domain.movements import Movement, Reason
from stockpool.domain.orders import NewOrder
from stockpool.domain.routing import route
from stockpool.domain.states import State
from stockpool.services.catalog import page_limit
from stockpool.services.ports import Clock, UnitOfWorkFactory
from stockpool.store.repositories.orders import StoredConflict, StoredOrder
from stockpool.store.uow import UnitOfWork


@dataclass(frozen=True, slots=True)
class Ingested:
    order: StoredOrder
    replayed: bool  # the same order was received before; nothing was moved this time


class OrderService:
    def __init__(self, uow: UnitOfWorkFactory, clock: Clock) -> None:
        self._uow = uow
        self._clock = clock

    # Channels

    def put_channel(self, channel: Channel) -> bool:
        """Create or replace a channel; True when it is new."""
        with self._uow() as uow:
            created = uow.channels.put(channel, self._clock())
            uow.commit()
        return created

    def get_channel(self, code: str) -> Channel:
        with self._uow(write=False) as uow:
            channel = uow.channels.get(code)
        if channel is None:
            raise UnknownChannel(code)
        return channel

    def list_channels(self) -> list[Channel]:
        with self._uow(write=False) as uow:
            return uow.channels.list()

    # Orders

    def ingest(self, order: NewOrder, *, actor: str) -> Ingested:
        """Accept an order: commit what the pool holds for it, record the rest as conflicts.

        Idempotent on (channel, external_id): the same order again returns the first result and
        moves nothing; the same id with other lines is refused.
        """
        try:
            with self._uow() as uow:
                earlier = uow.orders.id_of(order.channel, order.external_id)
                if earlier is not None:
                    return _replay(uow, earlier, order)
                stored = self._accept(uow, order, actor)
                uow.commit()
                return Ingested(stored, replayed=False)
        except IntegrityError:
            # Another request stored the same order between our check and our insert.
            with self._uow(write=False) as uow:
                earlier = uow.orders.id_of(order.channel, order.external_id)
                if earlier is None:
                    raise
                return _replay(uow, earlier, order)

    def _accept(self, uow: UnitOfWork, order: NewOrder, actor: str) -> StoredOrder:
        channel = uow.channels.get(order.channel)
        if channel is None:
            raise UnknownChannel(order.channel)
        skus = {line.sku for line in order.lines}
        known = uow.catalog.known_skus(skus)
        unknown = sorted(skus - known)
        if unknown:
            raise UnknownSku(unknown[0])
        eligible = [loc for loc in uow.catalog.list_locations() if loc.serves(channel.code)]
        # Every balance the order could draw on, locked in key order: concurrent orders for the
        # same stock queue here, and each decides against numbers nobody else can change.
        current = uow.stock.lock_existing(skus, (loc.code for loc in eligible))
        available = {key: balance.available for key, balance in current.items()}
        decision = route(order.lines, channel, eligible, available, order.region)
        reference = f"order:{order.channel}:{order.external_id}"
        movements = [
            Movement(
                a.sku,
                a.location,
                a.units,
                State.AVAILABLE,
                State.COMMITTED,
                Reason.ORDER_COMMITTED,
                reference,
            )
            for a in decision.allocations
        ]
        balances = dict(current)
        apply_into(balances, movements)
        at = self._clock()
        order_id = uow.orders.add(order, decision, at)
        after = {(m.sku, m.location): balances[(m.sku, m.location)] for m in movements}
        uow.stock.record(movements, after, at=at, actor=actor, idempotency_key=f"order:{order_id}")
        stored = uow.orders.get(order_id)
        assert stored is not None
        return stored

    def get(self, order_id: int) -> StoredOrder:
        with self._uow(write=False) as uow:
            order = uow.orders.get(order_id)
        if order is None:
            raise NotFound(f"No order {order_id}.")
        return order

    def list(
        self,
        *,
        channel: str | None = None,
        status: str | None = None,
        after: int | None = None,
        limit: int = 100,
    ) -> list[StoredOrder]:
        with self._uow(write=False) as uow:
            ids = uow.orders.ids(
                channel=channel, status=status, after=after, limit=page_limit(limit)
            )
            return [order for i in ids if (order := uow.orders.get(i)) is not None]

    def conflicts(
        self, *, status: str | None = None, after: int | None = None, limit: int = 100
    ) -> Sequence[StoredConflict]:
        with self._uow(write=False) as uow:
            return uow.orders.conflicts(status=status, after=after, limit=page_limit(limit))


def _replay(uow: UnitOfWork, order_id: int, order: NewOrder) -> Ingested:
    stored = uow.orders.get(order_id)
    assert stored is not None
    if stored.fingerprint != order.fingerprint():
        raise OrderIdReused(order.channel, order.external_id)
    return Ingested(stored, replayed=True)
