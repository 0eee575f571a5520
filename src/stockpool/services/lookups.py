"""Reading an order, a conflict or a channel inside a use case's transaction, or saying that it
does not exist."""

from __future__ import annotations

from stockpool.domain.accepted_orders import Order
from stockpool.domain.channels import Channel
from stockpool.domain.conflicts import ConflictRecord
from stockpool.domain.errors import NotFound, UnknownChannel
from stockpool.services.ports import UnitOfWork


def order_of(uow: UnitOfWork, order_id: int) -> Order:
    order = uow.orders.get(order_id)
    if order is None:
        raise NotFound(f"No order {order_id}.")
    return order


def channel_of(uow: UnitOfWork, code: str) -> Channel:
    channel = uow.channels.get(code)
    if channel is None:
        raise UnknownChannel(code)
    return channel


def conflict_of(uow: UnitOfWork, conflict_id: int) -> ConflictRecord:
    conflict = uow.conflicts.get(conflict_id)
    if conflict is None:
        raise NotFound(f"No conflict {conflict_id}.")
    return conflict
