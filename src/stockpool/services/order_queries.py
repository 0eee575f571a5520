"""Reading orders: one, or a page of them by channel and status."""

from __future__ import annotations

from stockpool.domain.accepted_orders import Order
from stockpool.domain.orders import OrderStatus
from stockpool.services.catalog import page_limit
from stockpool.services.lookups import channel_of, order_of
from stockpool.services.ports import UnitOfWorkFactory


class OrderQueries:
    def __init__(self, uow: UnitOfWorkFactory) -> None:
        self._uow = uow

    def get(self, order_id: int) -> Order:
        with self._uow(write=False) as uow:
            return order_of(uow, order_id)

    def list(
        self,
        *,
        channel: str | None = None,
        status: OrderStatus | None = None,
        after: int | None = None,
        limit: int = 100,
    ) -> list[Order]:
        """Orders in id order, after the given id; an unknown channel is refused, not empty."""
        with self._uow(write=False) as uow:
            if channel is not None:
                channel_of(uow, channel)
            ids = uow.orders.ids(
                channel=channel,
                status=None if status is None else status.value,
                after=after,
                limit=page_limit(limit),
            )
            return [order for i in ids if (order := uow.orders.get(i)) is not None]
