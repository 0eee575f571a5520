"""Reading orders: one, or a page of them by channel and status."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from stockpool.domain.accepted_orders import Order
from stockpool.domain.orders import OrderStatus
from stockpool.services.catalog import page_limit
from stockpool.services.lookups import channel_of, order_of
from stockpool.services.ports import UnitOfWorkFactory

HOUR = timedelta(hours=1)


@dataclass(frozen=True, slots=True)
class OrdersPerHour:
    """Orders taken per channel in each of the last hours (oldest first, the current hour
    last); complete False when more orders came in than were read (the newest are counted)."""

    since: datetime
    channels: dict[str, list[int]]
    complete: bool


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

    def per_hour(self, now: datetime, *, hours: int = 24, most: int = 20_000) -> OrdersPerHour:
        """Orders per channel per hour over the last hours, from at most `most` of the newest
        orders (read down the primary key: no scan of older orders)."""
        current = now.replace(minute=0, second=0, microsecond=0)
        since = current - (hours - 1) * HOUR
        with self._uow(write=False) as uow:
            newest = uow.orders.newest(most)
        counts: dict[str, list[int]] = {}
        for channel, at in newest:
            if at >= since:
                bucket = min(int((at - since) / HOUR), hours - 1)
                counts.setdefault(channel, [0] * hours)[bucket] += 1
        complete = len(newest) < most or newest[-1][1] < since
        return OrdersPerHour(since, dict(sorted(counts.items())), complete)
