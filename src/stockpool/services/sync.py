"""What connectors report about the sync, and what they ask for: the numbers waiting in the
outbox, the outcome of each push, what the platform was read to show (which measures the
channel's lag), and bulk feeds in flight. Sync health is judged from these."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal

from stockpool.domain.errors import InvalidRequest, UnknownChannel
from stockpool.domain.sync import ChannelSyncRow, Pending
from stockpool.domain.sync_health import (
    Circuit,
    Health,
    LagPercentiles,
    SyncState,
    Vitals,
    health,
    lag_percentiles,
    next_lag,
)
from stockpool.domain.times import happened
from stockpool.services.availability_setup import AvailabilitySettings
from stockpool.services.catalog import page_limit
from stockpool.services.ports import Clock, UnitOfWork, UnitOfWorkFactory
from stockpool.services.ports.observer import Observer, Unwatched

LAG_MAX = 7 * 86400.0  # a measured lag above a week is a clock problem, not a lag
LAG_WINDOW = timedelta(hours=24)  # the lags kept for percentiles
LAG_PERCENTILE_SAMPLES = 5_000  # at most this many of the newest make the percentiles


@dataclass(frozen=True, slots=True)
class Push:
    """A connector pushed a listing's number: accepted by the platform, or refused."""

    channel_sku: str
    quantity: int
    version: int | None  # the outbox version it pushed (None: pushed outside the outbox)
    ok: bool
    at: datetime | None = None
    error: str | None = None


@dataclass(frozen=True, slots=True)
class Reading:
    """A connector read what the platform shows for a listing."""

    channel_sku: str
    quantity: int
    at: datetime | None = None


@dataclass(frozen=True, slots=True)
class FeedUpdate:
    feed_id: str
    status: Literal["processing", "done", "failed"]
    at: datetime | None = None


@dataclass(frozen=True, slots=True)
class ReportResult:
    pushes: int
    readings: int
    feeds: int
    unknown: tuple[str, ...]  # channel SKUs without a listing (ignored)
    lag_samples: tuple[float, ...]  # lags measured from readings that confirmed a push


@dataclass(frozen=True, slots=True)
class Backlog:
    channel: str
    waiting: int  # listings whose number waits in the outbox
    drifting: int  # listings showing another number than pushed, reading after reading
    circuit: Circuit = "closed"  # the connector's circuit breaker, as the worker last told
    throttled: int = 0  # "slow down" answers the platform gave, in all


@dataclass(frozen=True, slots=True)
class ChannelHealth:
    channel: str
    health: Health
    row: ChannelSyncRow | None
    lag: LagPercentiles | None = None  # of the lags measured over LAG_WINDOW


class SyncService:
    def __init__(
        self,
        uow: UnitOfWorkFactory,
        clock: Clock,
        settings: AvailabilitySettings,
        observer: Observer | None = None,
    ) -> None:
        self._uow = uow
        self._clock = clock
        self._settings = settings
        self._observer = observer or Unwatched()

    def pending(self, channel: str, *, after: str | None = None, limit: int = 100) -> list[Pending]:
        """Listings of channel whose number waits to be pushed: the latest number each."""
        with self._uow(write=False) as uow:
            self._check(uow, channel)
            return uow.sync.pending(channel, after=after, limit=page_limit(limit))

    def pending_of(self, channel: str, channel_skus: Sequence[str]) -> dict[str, Pending]:
        with self._uow(write=False) as uow:
            return uow.sync.pending_of(channel, channel_skus)

    def report(
        self,
        channel: str,
        *,
        pushes: Sequence[Push] = (),
        readings: Sequence[Reading] = (),
        feeds: Sequence[FeedUpdate] = (),
    ) -> ReportResult:
        """Record what a connector did, in one transaction. A push that succeeded clears its
        outbox entry if the number has not changed since; a reading that shows the number last
        pushed measures the lag from the change to the platform showing it."""
        if not (pushes or readings or feeds):
            raise InvalidRequest("Nothing to report: send pushes, readings or feeds.")
        with self._uow() as uow:
            self._check(uow, channel)
            now = self._clock()
            unknown: list[str] = []
            codes = [p.channel_sku for p in pushes]
            waiting = uow.sync.pending_of(channel, codes)
            # The SKUs' numbers first, as every writer takes them, then their outbox entries
            # and listings: taken the other way round, a writer queueing a new number (or an
            # order lowering what its listing shows) would deadlock with us.
            read = [r.channel_sku for r in readings]
            listed = uow.listings.map_channel_skus(channel, [*codes, *read])
            skus = {entry.sku for entry in waiting.values()} | set(listed.values())
            uow.availability.lock(sorted(skus), now)
            for push in sorted(pushes, key=lambda p: _when(p.at, now, "pushes[].at")):
                at = _when(push.at, now, "pushes[].at")
                uow.sync.push_result(channel, ok=push.ok, error=push.error, at=at)
                if not push.ok:
                    continue
                entry = waiting.get(push.channel_sku)
                changed_at = None
                if entry is not None and push.version == entry.version:
                    changed_at = entry.changed_at
                    uow.sync.done(channel, push.channel_sku, entry.version)
                sku = uow.listings.pushed(channel, push.channel_sku, push.quantity, at, changed_at)
                if sku is None:
                    unknown.append(push.channel_sku)
                else:
                    # What a stale channel still shows is what its rivals hold back.
                    uow.changes.skus.add(sku)
            samples = self._readings(uow, channel, readings, now, unknown)
            for feed in feeds:
                if not feed.feed_id.strip() or len(feed.feed_id) > 200:
                    raise InvalidRequest("feed_id must be 1-200 characters.")
                uow.sync.feed(channel, feed.feed_id, feed.status, _when(feed.at, now, "feeds[].at"))
            if samples or feeds:
                uow.changes.config = True  # lags and feeds feed the buffers
            uow.follow_changes()
            uow.commit()
        if samples:
            self._observer.lag_measured(channel, samples)
        return ReportResult(len(pushes), len(readings), len(feeds), tuple(unknown), tuple(samples))

    def _readings(
        self,
        uow: UnitOfWork,
        channel: str,
        readings: Sequence[Reading],
        now: datetime,
        unknown: list[str],
    ) -> list[float]:
        samples: list[float] = []
        measured_at: list[datetime] = []
        row = uow.sync.channels().get(channel)
        lag = row.lag_seconds if row else None
        count = row.lag_samples if row else 0
        for reading in readings:
            at = _when(reading.at, now, "readings[].at")
            before = uow.listings.get(channel, reading.channel_sku)
            if before is None:
                unknown.append(reading.channel_sku)
                continue
            first_sight = before.confirmed_at is None or (
                before.pushed_at is not None and before.confirmed_at < before.pushed_at
            )
            uow.listings.confirmed(channel, reading.channel_sku, reading.quantity, at)
            uow.changes.skus.add(before.listing.sku)
            if (
                first_sight
                and before.pushed_changed_at is not None
                and before.pushed_quantity == reading.quantity
            ):
                measured = (at - before.pushed_changed_at).total_seconds()
                if 0 <= measured <= LAG_MAX:
                    lag = next_lag(lag, count, measured)
                    count += 1
                    samples.append(measured)
                    measured_at.append(at)
        if samples and lag is not None:
            uow.sync.measured_lag(channel, lag, count)
            uow.sync.lags(channel, list(zip(measured_at, samples, strict=True)), now - LAG_WINDOW)
        return samples

    def health(self, channel: str) -> ChannelHealth:
        """The channel's sync health judged now (what the server records every refresh)."""
        with self._uow(write=False) as uow:
            self._check(uow, channel)
            row = uow.sync.channels().get(channel)
            now = self._clock()
            lags = uow.sync.recent_lags(channel, now - LAG_WINDOW, LAG_PERCENTILE_SAMPLES)
        if row is None:
            return ChannelHealth(channel, Health("ok", ()), None)
        verdict = health(
            row.state,
            now,
            stale_after=self._settings.stale_after,
            feed_stuck_after=self._settings.feed_stuck_after,
        )
        return ChannelHealth(channel, verdict, row, lag_percentiles(lags))

    def vitals(self, channel: str, vitals: Vitals, throttled_more: int = 0) -> None:
        """What the worker holding the channel's lease tells of its connector: the circuit
        breaker's state and throttled_more answers since it last told."""
        if throttled_more < 0:
            raise InvalidRequest("throttled_more must be 0 or more.")
        with self._uow() as uow:
            self._check(uow, channel)
            uow.sync.vitals(channel, vitals, throttled_more, self._clock())
            uow.commit()

    def backlog(self) -> list[Backlog]:
        """Every channel's numbers waiting in the outbox and listings drifting (for metrics):
        a few grouped counts, cheap enough for every scrape."""
        with self._uow(write=False) as uow:
            codes = [c.code for c in uow.channels.list()]
            waiting = uow.sync.waiting()
            rows = uow.sync.channels()
        return [
            Backlog(code, waiting.get(code, 0), state.drifting, state.circuit, state.throttled)
            for code in codes
            for state in [rows[code].state if code in rows else SyncState()]
        ]

    @staticmethod
    def _check(uow: UnitOfWork, channel: str) -> None:
        if uow.channels.get(channel) is None:
            raise UnknownChannel(channel)


def _when(moment: datetime | None, now: datetime, field: str) -> datetime:
    if moment is None:
        return now
    happened(moment, field, now)
    return min(moment, now)  # a connector's clock a little ahead of ours: its report is about now
