"""Returns a platform reports (by webhook, or by polling its returns), received as any return:
into quality_control, against their order, named by the platform's id for them so that each is
taken once however often it is reported. Nothing a platform returns is sellable before it is
inspected (unless its SKU restocks on receipt).

Where it is received: the location the order's units shipped from (by its ledger; the one that
shipped most of the returned SKUs when several did). A platform reports a return only of units
that left: when stockpool still holds some of them as committed (the platform's shipment not yet
read), they are shipped first, as the order poll does for an order the platform says shipped.

A return refused for good (an unknown order, an unmapped SKU, more back than shipped) is logged
and skipped: the poll's cursor moves past it, or one bad return would stop every later one.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Sequence
from dataclasses import dataclass

from stockpool.domain.accepted_orders import Order
from stockpool.domain.errors import Conflict, NotFound, StockpoolError, UnmappedChannelSku
from stockpool.domain.platforms import PlatformReturn
from stockpool.domain.returns import NewReturn
from stockpool.services.fulfilment import Fulfilment
from stockpool.services.lookups import order_of
from stockpool.services.ports import Clock, UnitOfWorkFactory
from stockpool.services.ports.connectors import Connector
from stockpool.services.returns import ReturnService

log = logging.getLogger("stockpool.platform_returns")

# Pages one poll of a channel's returns reads at most; the rest waits its next turn.
PAGES_PER_POLL = 10


@dataclass(frozen=True, slots=True)
class ReturnsTaken:
    """What taking reported returns did: how many were new to stockpool, and why any was
    refused."""

    new: int = 0
    refused: tuple[str, ...] = ()

    def __add__(self, other: ReturnsTaken) -> ReturnsTaken:
        return ReturnsTaken(self.new + other.new, self.refused + other.refused)


@dataclass(frozen=True, slots=True)
class ReturnsPolled:
    """One poll of a channel's returns: returns reported, new to stockpool, pages read, the
    cursor the next poll starts from, whether it stopped at PAGES_PER_POLL, refusals."""

    channel: str
    returns: int
    taken: ReturnsTaken
    pages: int
    cursor: str | None
    more: bool


class PlatformReturns:
    def __init__(
        self,
        uow: UnitOfWorkFactory,
        clock: Clock,
        returns: ReturnService,
        fulfilment: Fulfilment,
    ) -> None:
        self._uow = uow
        self._clock = clock
        self._returns = returns
        self._fulfilment = fulfilment

    def take(self, channel: str, reported: Sequence[PlatformReturn]) -> ReturnsTaken:
        """Receive each reported return (each in its own transaction); one seen before is a
        replay and changes nothing."""
        taken = ReturnsTaken()
        for found in reported:
            try:
                new = self._new_return(channel, found)
                opened = self._returns.open(new, actor=f"platform:{channel}")
            except StockpoolError as refused:
                reason = f"return {found.return_id} of order {found.order_external_id}: {refused}"
                log.warning("%s: %s", channel, reason)
                taken += ReturnsTaken(refused=(reason,))
                continue
            taken += ReturnsTaken(new=0 if opened.replayed else 1)
        return taken

    def poll(self, channel: str, connector: Connector) -> ReturnsPolled:
        """Take the returns the channel's platform reports since the stored cursor, page by
        page, each page taken before its cursor is stored: a crash in between reads the page
        again, and taking it again is a replay. PlatformUnavailable propagates."""
        with self._uow(write=False) as uow:
            stored = uow.return_cursors.get(channel)
        cursor = stored.cursor if stored else None
        seen: set[str] = set()
        taken, pages = ReturnsTaken(), 0
        while pages < PAGES_PER_POLL:
            page = connector.returns_since(cursor)
            pages += 1
            fresh = [r for r in page.returns if r.return_id not in seen]
            seen |= {r.return_id for r in fresh}
            taken += self.take(channel, fresh)
            if not self._advance(channel, cursor, page.cursor, len(fresh)):
                log.info("%s returns: another poll moved the cursor meanwhile; stopping", channel)
                return ReturnsPolled(channel, len(seen), taken, pages, page.cursor, False)
            moved, cursor = page.cursor != cursor, page.cursor
            if not page.returns or not moved:
                return ReturnsPolled(channel, len(seen), taken, pages, cursor, False)
        return ReturnsPolled(channel, len(seen), taken, pages, cursor, True)

    def _advance(self, channel: str, since: str | None, to: str | None, returns: int) -> bool:
        with self._uow() as uow:
            moved = uow.return_cursors.advance(channel, since, to, returns, self._clock())
            uow.commit()
        return moved

    def _new_return(self, channel: str, found: PlatformReturn) -> NewReturn:
        """The return as stockpool receives it: our SKUs, at the location the order shipped
        from; the units the platform says came back shipped first if stockpool still holds
        them as committed."""
        with self._uow(write=False) as uow:
            wanted = {line.channel_sku for line in found.lines}
            mapping = uow.listings.map_channel_skus(channel, wanted)
            missing = sorted(wanted - mapping.keys())
            if missing:
                raise UnmappedChannelSku(channel, missing)
            order_id = uow.orders.id_of(channel, found.order_external_id)
            if order_id is None:
                raise NotFound(f"No order {found.order_external_id} from {channel}.")
            order = order_of(uow, order_id)
        units: dict[str, int] = {}
        for line in found.lines:
            sku = mapping[line.channel_sku]
            units[sku] = units.get(sku, 0) + line.quantity
        self._ship_first(order, units, channel, found.return_id)
        with self._uow(write=False) as uow:
            shipped = uow.returns.shipped_from(channel, found.order_external_id)
        location = _received_at(units, shipped, found.order_external_id)
        reason = found.reason.strip() or "returned on the platform"
        return NewReturn(
            channel,
            found.order_external_id,
            location,
            tuple(sorted(units.items())),
            reason[:200],
            platform_return_id=found.return_id,
        )

    def _ship_first(
        self, order: Order, units: dict[str, int], channel: str, return_id: str
    ) -> None:
        """Ship the committed units a reported return says left already: once, keyed by the
        platform's return (its webhook and its poll taken at once ship them once)."""
        wanted: dict[str, int] = {}
        for sku, quantity in units.items():
            lines = [line for line in order.lines if line.sku == sku]
            gone = sum(line.shipped for line in lines)
            committed = sum(line.committed for line in lines)
            if gone < quantity and committed:
                wanted[sku] = min(quantity - gone, committed)
        if not wanted:
            return
        named = f"{channel}\n{return_id}".encode()
        key = f"ship-for-return:{hashlib.sha256(named).hexdigest()[:40]}"
        try:
            self._fulfilment.ship(
                order.id, wanted, actor=f"platform:{channel}", idempotency_key=key
            )
        except Conflict:  # shipped meanwhile (its order poll): nothing left to do
            return


def _received_at(
    units: dict[str, int], shipped: dict[str, dict[str, int]], external_id: str
) -> str:
    """The location that shipped most of the returned SKUs' units."""
    by_location: dict[str, int] = {}
    for sku in units:
        for location, count in shipped.get(sku, {}).items():
            by_location[location] = by_location.get(location, 0) + count
    if not by_location:
        raise Conflict(
            f"Order {external_id} shipped none of {', '.join(sorted(units))}: nothing of it "
            "can have come back. Ship the order in stockpool first, or open the return by hand."
        )
    return min(by_location, key=lambda location: (-by_location[location], location))
