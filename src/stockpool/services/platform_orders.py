"""Orders a platform reports (by webhook, or by polling), taken as stockpool takes any order: a
new one takes stock (held while the platform has not confirmed it), one cancelled on the
platform gives back what it holds, one shipped there ships what it holds. A webhook delivery is
taken once: the same event again is answered as a replay and changes nothing."""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

from stockpool.domain.accepted_orders import Order
from stockpool.domain.errors import Conflict, StockpoolError
from stockpool.domain.platforms import PlatformOrder, PlatformOrderState, as_new_order
from stockpool.services.fulfilment import Fulfilment
from stockpool.services.intake import Answer, Ingested, OrderIntake
from stockpool.services.ports import Clock, UnitOfWorkFactory
from stockpool.services.ports.connectors import Connector

log = logging.getLogger("stockpool.platform_orders")

# The connector of a connected channel (NotConnected when it has no connection).
ConnectorFor = Callable[[str], Connector]


@dataclass(frozen=True, slots=True)
class Delivery:
    """A webhook delivery taken: its event id, the orders it carried, whether it was seen
    before (then nothing was done), and why any of its orders was refused."""

    event_id: str
    orders: int
    replayed: bool
    refused: tuple[str, ...] = ()


class PlatformOrders:
    def __init__(
        self,
        uow: UnitOfWorkFactory,
        clock: Clock,
        intake: OrderIntake,
        fulfilment: Fulfilment,
        connector_for: ConnectorFor,
    ) -> None:
        self._uow = uow
        self._clock = clock
        self._intake = intake
        self._fulfilment = fulfilment
        self._connector_for = connector_for

    def webhook(self, channel: str, headers: Mapping[str, str], body: bytes) -> Delivery:
        """Take a delivery the channel's platform sent: WebhookRefused unless the platform
        signed it; a delivery seen before is a no-op."""
        connector = self._connector_for(channel)
        try:
            event_id, orders = connector.webhook(headers, body)
        finally:
            connector.close()
        with self._uow(write=False) as uow:
            if uow.webhooks.seen(channel, event_id):
                return Delivery(event_id, len(orders), replayed=True)
        answers = self.take(channel, orders)
        # Recorded after the orders are taken: a crash in between means Shopify's retry is
        # taken again, which ingest answers as a replay.
        with self._uow() as uow:
            uow.webhooks.taken(channel, event_id, self._clock())
            uow.commit()
        # A refusal is for good (an unmapped SKU, which is reported as such; other lines under
        # the same order id): sending the delivery again would not change it. Said and logged.
        refused = tuple(
            f"order {order.external_id}: {answer.message}"
            for order, answer in zip(orders, answers, strict=True)
            if isinstance(answer, StockpoolError)
        )
        for reason in refused:
            log.warning("%s webhook %s refused %s", channel, event_id, reason)
        return Delivery(event_id, len(orders), replayed=False, refused=refused)

    def take(self, channel: str, orders: Sequence[PlatformOrder]) -> list[Answer]:
        """Take the orders (one transaction for the new ones), then settle those the platform
        has cancelled or shipped; each order's answer."""
        actor = f"platform:{channel}"
        answers = self._intake.ingest_many([as_new_order(channel, o) for o in orders], actor=actor)
        for reported, answer in zip(orders, answers, strict=True):
            if isinstance(answer, Ingested):
                self._settle(answer.order, reported.state, actor)
        return answers

    def _settle(self, order: Order, state: PlatformOrderState, actor: str) -> None:
        """What the platform did with an order stockpool holds units for."""
        lines = order.lines
        try:
            if state == PlatformOrderState.CANCELLED and any(
                line.reserved or line.committed or line.short for line in lines
            ):
                # The platform cancelled it: nothing to send back.
                self._fulfilment.cancel(order.id, None, actor=actor, by_platform=True)
            elif state == PlatformOrderState.SHIPPED and any(line.committed for line in lines):
                self._fulfilment.ship(order.id, None, actor=actor)
        except Conflict:  # nothing left to cancel or ship: settled already
            return
