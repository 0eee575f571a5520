"""Reading orders: one, or a page of them by channel and status."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from stockpool.domain.accepted_orders import Order
from stockpool.domain.orders import OrderStatus
from stockpool.services.catalog import page_limit
from stockpool.services.lookups import channel_of, order_of
from stockpool.services.ports import UnitOfWorkFactory

HOUR = timedelta(hours=1)


@dataclass(frozen=True, slots=True)
class OrdersPerHour:
    """Orders taken per channel in each of the last hours (UTC hours, oldest first, the current
    hour last), every order of them counted."""

    since: datetime
    channels: dict[str, list[int]]


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

    def per_hour(self, now: datetime, *, hours: int = 24) -> OrdersPerHour:
        """Orders per channel per hour over the last hours, counted by the database (an index
        range of the orders created since the first hour began)."""
        current = now.astimezone(UTC).replace(minute=0, second=0, microsecond=0)
        since = current - (hours - 1) * HOUR
        with self._uow(write=False) as uow:
            counted = uow.orders.per_hour(since)
        counts: dict[str, list[int]] = {}
        for channel, hour, orders in counted:
            # An order stamped after now (a clock set back) counts in the current hour.
            bucket = min(int((hour - since) / HOUR), hours - 1)
            counts.setdefault(channel, [0] * hours)[bucket] += orders
        return OrdersPerHour(since, dict(sorted(counts.items())))
