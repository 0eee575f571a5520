"""Reconciliation: read what a channel's listings show on the platform and compare it with what
stockpool last pushed. A reading that shows the number pushed measures the channel's lag (which
feeds the buffers, through the sync reports); one that shows another number, once the push had
time to show, is drift: recorded (readings in a row), and repaired at once by queueing the
listing's number again. Drift that outlives PERSISTENT readings turns the channel's health to
failing (domain/sync_health.py), so that a person looks. A listing showing fewer than accepted is
most likely a sale whose order has not come in yet: it is drift only once the channel's orders
were read after a reading that showed it fewer, and it still does (never push a buyer's units
back on the shelf).

A pass over a channel goes a page at a time, so that the worker goes on pushing between pages
(a platform that reads one listing per call, like Amazon, takes minutes over thousands).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from stockpool.domain.errors import UnknownChannel
from stockpool.domain.listings import StoredListing
from stockpool.domain.platforms import Shown
from stockpool.domain.sync import Drift
from stockpool.domain.sync_plan import Expected, Verdict, grace, judge
from stockpool.services.availability import AvailabilityService
from stockpool.services.catalog import page_limit
from stockpool.services.ports import Clock, UnitOfWork, UnitOfWorkFactory
from stockpool.services.ports.connectors import Connector
from stockpool.services.sync import Reading, SyncService

PAGE = 50


@dataclass(frozen=True, slots=True)
class Reconciled:
    """One page of a pass: listings read, in sync, not yet settled, drifted (a repair queued
    for each); the listing to go on after (None: the pass is over)."""

    read: int = 0
    in_sync: int = 0
    on_its_way: int = 0
    drift: int = 0
    after: str | None = None


class Reconciliation:
    def __init__(
        self,
        uow: UnitOfWorkFactory,
        clock: Clock,
        sync: SyncService,
        availability: AvailabilityService,
        every: timedelta,
    ) -> None:
        self._uow = uow
        self._clock = clock
        self._sync = sync
        self._availability = availability
        self.every = every

    def due(self, channel: str) -> bool:
        """Whether a pass over channel starts now (none started within `every`); starting one
        is recorded, so that processes share the work rather than repeat it."""
        with self._uow() as uow:
            started = uow.sync_work.reconcile_due(channel, self._clock(), self.every)
            uow.commit()
        return started

    def step(self, channel: str, connector: Connector, after: str | None = None) -> Reconciled:
        """Read one page of channel's listings (after the listing `after`) and judge each."""
        with self._uow(write=False) as uow:
            page = uow.listings.page(channel, sku=None, after=after, limit=PAGE)
        if not page:
            return Reconciled()
        shown = connector.shown([stored.listing for stored in page])
        readings = [
            Reading(s.channel_sku, s.quantity, s.at) for s in shown if s.quantity is not None
        ]
        if readings:
            self._sync.report(channel, readings=readings)  # measures the lag, notes what shows
        before = {stored.listing.channel_sku: stored for stored in page}
        with self._uow() as uow:
            verdicts = self._judge(uow, channel, shown, before)
            uow.follow_changes()
            uow.commit()
        count = {v: sum(1 for x in verdicts if x is v) for v in Verdict}
        return Reconciled(
            len(shown),
            count[Verdict.IN_SYNC],
            count[Verdict.ON_ITS_WAY],
            count[Verdict.DRIFT],
            page[-1].listing.channel_sku if len(page) == PAGE else None,
        )

    def _judge(
        self,
        uow: UnitOfWork,
        channel: str,
        shown: Sequence[Shown],
        before: Mapping[str, StoredListing],
    ) -> list[Verdict]:
        """Judged against what is stored now (a push may have finished while reading); before:
        the listings as the pass found them, with the reading before this one."""
        now = self._clock()
        cursor = uow.order_cursors.get(channel)
        polled_at = cursor.polled_at if cursor else None
        row = uow.sync.channels().get(channel)
        within = grace(row.lag_seconds if row else None)
        in_feeds = uow.sync_work.feed_held(channel)
        verdicts: list[Verdict] = []
        drifted: list[StoredListing] = []
        settled: list[str] = []
        for reading in shown:
            stored = uow.listings.get(channel, reading.channel_sku)
            if stored is None:  # deleted meanwhile
                continue
            read = _orders_read_since(before.get(reading.channel_sku), stored, polled_at)
            verdict = judge(
                _expected(stored, in_feeds), reading.quantity, now, within, orders_read=read
            )
            verdicts.append(verdict)
            if verdict is Verdict.IN_SYNC:
                settled.append(reading.channel_sku)
            elif verdict is Verdict.DRIFT:
                drifted.append(stored)
                expected = stored.pushed_quantity
                if expected is None:
                    expected = uow.availability.stored(stored.listing.sku)[0].get(channel, 0)
                uow.sync_work.drift_seen(
                    channel, reading.channel_sku, expected, reading.quantity, now
                )
        uow.sync_work.drift_gone(channel, settled)
        self._availability.queue_listings(uow, [stored.listing for stored in drifted])
        return verdicts

    def drifting(self, channel: str, *, after: str | None = None, limit: int = 100) -> list[Drift]:
        with self._uow(write=False) as uow:
            if uow.channels.get(channel) is None:
                raise UnknownChannel(channel)
            return uow.sync_work.drifting(channel, after=after, limit=page_limit(limit))


def _orders_read_since(
    previous: StoredListing | None, stored: StoredListing, polled_at: datetime | None
) -> bool:
    """Whether the channel's orders were read since the previous reading, which showed fewer
    than the number stockpool now believes the platform shows (and no push came since): a sale
    that explained it would be in by now, so fewer is drift."""
    if previous is None or previous.confirmed_at is None or polled_at is None:
        return False
    shown, at = previous.confirmed_quantity, previous.confirmed_at
    believed, pushed_at = stored.pushed_quantity, stored.pushed_at
    return (
        shown is not None
        and believed is not None
        and shown < believed
        and (pushed_at is None or pushed_at <= at)
        and polled_at > at
    )


def _expected(stored: StoredListing, in_feeds: set[str]) -> Expected:
    return Expected(
        stored.listing.channel_sku,
        stored.pushed_quantity,
        stored.pushed_at,
        stored.listing.channel_sku in in_feeds,
    )
