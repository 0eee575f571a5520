"""Orders a platform reports (by webhook, or by polling), taken as stockpool takes any order: a
new one takes stock (held while the platform has not confirmed it), one cancelled on the
platform gives back what it holds, one shipped there ships what it holds. A webhook delivery is
taken once: the same event again is answered as a replay and changes nothing.

Polling reads a channel's orders from the cursor stored for it, a page at a time, each page
taken (its transaction committed), then acknowledged, then its cursor stored: a crash anywhere
in between reads the page again next time, and taking it again is a replay. An order refused for
good (an unmapped SKU, an id reused with other lines) is not acknowledged, so it stays waiting
on the platform for a person; the cursor moves past it all the same, or one bad order would stop
every order after it."""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

from stockpool.domain.accepted_orders import Order
from stockpool.domain.errors import Conflict, StockpoolError
from stockpool.domain.platforms import (
    PlatformOrder,
    PlatformOrderState,
    as_new_order,
)
from stockpool.services.fulfilment import Fulfilment
from stockpool.services.intake import Answer, Ingested, OrderIntake
from stockpool.services.platform_returns import PlatformReturns
from stockpool.services.ports import Clock, UnitOfWorkFactory
from stockpool.services.ports.connectors import Connector

log = logging.getLogger("stockpool.platform_orders")

# Pages one poll of a channel reads at most (each as large as its connector asks for), so that
# one channel's backlog cannot hold up the others the worker polls; the rest waits its next turn.
PAGES_PER_POLL = 20

# The connector of a connected channel (NotConnected when it has no connection).
ConnectorFor = Callable[[str], Connector]


@dataclass(frozen=True, slots=True)
class Delivery:
    """A webhook delivery taken: its event id, the orders (and returns) it carried, whether
    it was seen before (then nothing was done), and why any of them was refused."""

    event_id: str
    orders: int
    replayed: bool
    refused: tuple[str, ...] = ()
    returns: int = 0


@dataclass(frozen=True, slots=True)
class Polled:
    """One poll of a channel's orders: how many the platform reported (each once, however many
    pages it came on) and how many of those were new to stockpool, the pages read, the cursor
    the next poll starts from, whether it stopped at PAGES_PER_POLL (more may be waiting), and
    why any order was refused."""

    channel: str
    orders: int
    new: int
    pages: int
    cursor: str | None
    more: bool
    refused: tuple[str, ...] = ()


class PlatformOrders:
    def __init__(
        self,
        uow: UnitOfWorkFactory,
        clock: Clock,
        intake: OrderIntake,
        fulfilment: Fulfilment,
        connector_for: ConnectorFor,
        returns: PlatformReturns,
    ) -> None:
        self._uow = uow
        self._returns = returns
        self._clock = clock
        self._intake = intake
        self._fulfilment = fulfilment
        self._connector_for = connector_for

    def webhook(self, channel: str, headers: Mapping[str, str], body: bytes) -> Delivery:
        """Take a delivery the channel's platform sent: WebhookRefused unless the platform
        signed it; a delivery seen before is a no-op."""
        connector = self._connector_for(channel)
        try:
            delivered = connector.webhook(headers, body)
        finally:
            connector.close()
        event_id, orders = delivered.event_id, delivered.orders
        with self._uow(write=False) as uow:
            if uow.webhooks.seen(channel, event_id):
                return Delivery(
                    event_id, len(orders), replayed=True, returns=len(delivered.returns)
                )
        answers = self.take(channel, orders)
        returned = self._returns.take(channel, delivered.returns)
        # Recorded after the orders and returns are taken: a crash in between means Shopify's
        # retry is taken again, which ingest (and each return's platform id) answers as a replay.
        with self._uow() as uow:
            uow.webhooks.taken(channel, event_id, self._clock())
            uow.commit()
        # A refusal is for good (an unmapped SKU, which is reported as such; other lines under
        # the same order id): sending the delivery again would not change it. Said and logged.
        refused = _refused(orders, answers)
        for reason in refused:
            log.warning("%s webhook %s refused %s", channel, event_id, reason)
        return Delivery(
            event_id,
            len(orders),
            replayed=False,
            refused=refused + returned.refused,
            returns=len(delivered.returns),
        )

    def poll(self, channel: str, connector: Connector) -> Polled:
        """Take the orders the channel's platform reports since the stored cursor, page by page
        until a page is empty, the cursor stays put or PAGES_PER_POLL pages are read; each
        page is taken, acknowledged, then its cursor stored. PlatformUnavailable propagates:
        nothing of the page it interrupts is lost (it is read again next time)."""
        with self._uow(write=False) as uow:
            stored = uow.order_cursors.get(channel)
        cursor = stored.cursor if stored else None
        # What this poll took, by order: acknowledging an order changes it on some platforms
        # (Walmart), so it comes back on a later page as it was; it is not taken again.
        seen: dict[str, PlatformOrderState] = {}
        new = pages = 0
        refused: tuple[str, ...] = ()
        while pages < PAGES_PER_POLL:
            page = connector.orders_since(cursor)
            pages += 1
            fresh = [o for o in page.orders if seen.get(o.external_id) != o.state]
            seen |= {o.external_id: o.state for o in fresh}
            taken, refusals = self._take_page(channel, fresh, connector)
            new, refused = new + taken, refused + refusals
            if not self._advance(channel, cursor, page.cursor, len(fresh)):
                log.info("%s orders: another poll moved the cursor meanwhile; stopping", channel)
                return Polled(channel, len(seen), new, pages, page.cursor, False, refused)
            cursor, moved = page.cursor, page.cursor != cursor
            if not page.orders or not moved:
                return Polled(channel, len(seen), new, pages, cursor, False, refused)
        return Polled(channel, len(seen), new, pages, cursor, True, refused)

    def poll_connected(self, channel: str) -> Polled:
        """poll, through the connector of the channel's stored connection (NotConnected when it
        has none)."""
        connector = self._connector_for(channel)
        try:
            return self.poll(channel, connector)
        finally:
            connector.close()

    def _take_page(
        self, channel: str, orders: Sequence[PlatformOrder], connector: Connector
    ) -> tuple[int, tuple[str, ...]]:
        """Take a page's orders and acknowledge those stockpool holds (new or known before);
        how many were new, and why any was refused."""
        if not orders:
            return 0, ()
        answers = self.take(channel, orders)
        held = [o for o, a in zip(orders, answers, strict=True) if isinstance(a, Ingested)]
        if held:
            connector.acknowledge(held)
        refused = _refused(orders, answers)
        for reason in refused:
            log.warning("%s poll refused %s", channel, reason)
        new = sum(1 for a in answers if isinstance(a, Ingested) and not a.replayed)
        return new, refused

    def _advance(self, channel: str, since: str | None, to: str | None, orders: int) -> bool:
        """Store the cursor a page ended at, unless another poll moved it from `since`."""
        with self._uow() as uow:
            moved = uow.order_cursors.advance(channel, since, to, orders, self._clock())
            uow.commit()
        return moved

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


def _refused(orders: Sequence[PlatformOrder], answers: Sequence[Answer]) -> tuple[str, ...]:
    return tuple(
        f"order {order.external_id}: {answer.message}"
        for order, answer in zip(orders, answers, strict=True)
        if isinstance(answer, StockpoolError)
    )
