"""Carrying the outbox to a platform: one round pushes what is due (single calls, or one bulk
feed when enough waits), follows the feeds in flight, and records every outcome through the sync
reports (SyncService.report), which clear what was pushed and keep what changed meanwhile.

One process pushes to a channel at a time: it holds the channel's lease (lease()), renewed each
round and let go when it stops; a process that dies loses it when it lapses, and another takes
over. Nothing is claimed row by row, and no transaction stays open across a platform call: an
entry leaves the outbox only when the platform took its number and no newer one replaced it, so
a process killed mid-push loses nothing (the number is pushed again, which sets the same value).
"""

from __future__ import annotations

import logging
import random
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal

from stockpool.domain.errors import CircuitOpen, PlatformUnavailable
from stockpool.domain.platforms import Feed, FeedState, Outcome, Push, Pushed
from stockpool.domain.sync_plan import (
    FEED_CHECK_EVERY,
    REFUSED_WAIT,
    SINGLE_MAX,
    Way,
    how,
    retry_after,
    round_size,
)
from stockpool.services.ports import Clock, UnitOfWorkFactory
from stockpool.services.ports.connectors import Connector
from stockpool.services.ports.observer import Observer, Unwatched
from stockpool.services.sync import FeedUpdate, SyncService
from stockpool.services.sync import Push as Reported

log = logging.getLogger("stockpool.sync")

FEEDS_PAUSE = timedelta(minutes=5)  # single calls only, after a feed could not be submitted


@dataclass(frozen=True, slots=True)
class Round:
    """What one round did: numbers sent (single calls or in a feed), taken by the platform,
    to be tried again, refused; feeds submitted and feeds finished."""

    sent: int = 0
    applied: int = 0
    failed: int = 0
    refused: int = 0
    feeds_submitted: int = 0
    feeds_finished: int = 0

    def __add__(self, other: Round) -> Round:
        return Round(
            self.sent + other.sent,
            self.applied + other.applied,
            self.failed + other.failed,
            self.refused + other.refused,
            self.feeds_submitted + other.feeds_submitted,
            self.feeds_finished + other.feeds_finished,
        )


class ChannelSync:
    """The sync rounds of worker process `worker` (a name unique to the process)."""

    def __init__(
        self,
        uow: UnitOfWorkFactory,
        clock: Clock,
        sync: SyncService,
        worker: str,
        *,
        stuck_after: timedelta,
        jitter: Callable[[], float] = random.random,
        observer: Observer | None = None,
    ) -> None:
        self._uow = uow
        self._observer = observer or Unwatched()
        self._clock = clock
        self._sync = sync
        self.worker = worker
        self._jitter = jitter
        self._stuck_after = stuck_after  # a feed processing longer is given up on
        self._feeds_paused: dict[str, datetime] = {}  # channel -> single calls until then
        # When each feed in flight was last asked about, by (channel, feed id).
        self._feed_checked: dict[tuple[str, str], datetime] = {}

    def lease(self, channel: str, seconds: float) -> bool:
        """Take or renew the channel's lease for `seconds`: whether this worker holds it."""
        now = self._clock()
        with self._uow() as uow:
            held = uow.sync_work.lease(channel, self.worker, now, now + timedelta(seconds=seconds))
            uow.commit()
        return held

    def let_go(self, channel: str) -> None:
        with self._uow() as uow:
            uow.sync_work.let_go(channel, self.worker)
            uow.commit()

    def run(self, channel: str, connector: Connector) -> Round:
        """One round (call it while holding the lease): follow the feeds, then push what is due.
        PlatformUnavailable leaves: what it was pushing is backed off first."""
        return self.follow_feeds(channel, connector) + self.push_due(channel, connector)

    def push_due(self, channel: str, connector: Connector) -> Round:
        platform = connector.platform
        with self._uow(write=False) as uow:
            due = uow.sync_work.due(channel, self._clock(), round_size(platform))
        if not due:
            return Round()
        feeds_paused = self._feeds_paused.get(channel)
        single = feeds_paused is not None and self._clock() < feeds_paused
        if single or how(platform, len(due)) is Way.SINGLE:
            due = due[:SINGLE_MAX]
            try:
                results = connector.push(due)  # those without a result were not sent: still due
            except CircuitOpen:
                raise  # nothing was tried: no attempt counts against these
            except PlatformUnavailable as error:
                self._none_taken(channel, due, error)
                raise
            return self.settle(channel, results)
        return self._submit(channel, connector, due)

    def _none_taken(self, channel: str, due: Sequence[Push], error: PlatformUnavailable) -> None:
        """The platform could not be reached for any of these: each is backed off."""
        self.settle(channel, [Pushed(p, Outcome.FAILED, str(error)) for p in due])

    def _submit(self, channel: str, connector: Connector, due: Sequence[Push]) -> Round:
        try:
            feed = connector.push_feed(due)
        except CircuitOpen:
            raise
        except PlatformUnavailable as error:
            # Feeds have quotas of their own (Walmart: 10 an hour): single calls meanwhile.
            self._feeds_paused[channel] = self._clock() + FEEDS_PAUSE
            log.warning(
                "%s: a feed could not be submitted (%s); single calls for %s",
                channel,
                error,
                FEEDS_PAUSE,
            )
            self._none_taken(channel, due, error)
            raise
        if feed.state is not FeedState.PROCESSING:  # Shopify's batch answers at once
            return self.settle(channel, feed.results, sent=len(due))
        now = self._clock()
        with self._uow() as uow:
            uow.sync.feed(channel, feed.feed_id, "processing", now)
            uow.sync_work.feed_carries(channel, feed.feed_id, feed.pushes)
            uow.changes.config = True  # a feed in flight is judged by sync health
            uow.follow_changes()
            uow.commit()
        log.info("%s: feed %s submitted with %d numbers", channel, feed.feed_id, len(due))
        return Round(sent=len(due), feeds_submitted=1)

    def follow_feeds(self, channel: str, connector: Connector) -> Round:
        """Ask the platform about each feed in flight (each at most every FEED_CHECK_EVERY);
        record the results of those finished."""
        with self._uow(write=False) as uow:
            in_flight = uow.sync_work.feeds_processing(channel)
        done = Round()
        now = self._clock()
        for feed in in_flight:
            key = (channel, feed.feed_id)
            checked = self._feed_checked.get(key)
            if checked is not None and now - checked < FEED_CHECK_EVERY:
                continue
            self._feed_checked[key] = now
            answer = connector.feed(Feed(feed.feed_id, feed.pushes))
            if answer.state is FeedState.PROCESSING:
                if now - feed.submitted_at <= self._stuck_after:
                    continue
                # Stuck: given up on, its numbers pushed again (once processed, it can only set
                # numbers as old as these or older; reconciliation repairs what it set meanwhile).
                log.warning(
                    "%s: feed %s stuck since %s; pushing again",
                    channel,
                    feed.feed_id,
                    feed.submitted_at,
                )
                answer = Feed(feed.feed_id, feed.pushes, FeedState.FAILED)
            state: Literal["done", "failed"] = (
                "done" if answer.state is FeedState.DONE else "failed"
            )
            results = _complete(feed.pushes, answer.results)
            done += self.settle(channel, results, feed=FeedUpdate(feed.feed_id, state))
            done += Round(feeds_finished=1)
            self._feed_checked.pop(key, None)
        return done

    def settle(
        self,
        channel: str,
        results: Sequence[Pushed],
        *,
        feed: FeedUpdate | None = None,
        sent: int | None = None,
    ) -> Round:
        """Record what became of pushes: reported (clearing what the platform took), and those
        not taken backed off - a refused number waits REFUSED_WAIT or a change."""
        reported = [
            Reported(
                r.push.listing.channel_sku,
                r.push.quantity,
                r.push.version,
                ok=r.outcome is Outcome.APPLIED,
                error=None if r.outcome is Outcome.APPLIED else (r.detail or r.outcome.value),
            )
            for r in results
        ]
        if reported or feed is not None:
            self._sync.report(channel, pushes=reported, feeds=[feed] if feed else [])
        failed = [r for r in results if r.outcome is Outcome.FAILED]
        refused = [r for r in results if r.outcome is Outcome.REFUSED]
        if failed or refused:
            self._back_off(channel, failed, refused)
        if results:
            self._observer.pushed(channel, Counter(r.outcome.value for r in results))
        applied = len(results) - len(failed) - len(refused)
        if sent is None:
            sent = 0 if feed is not None else len(results)  # a feed's were counted at submission
        return Round(sent, applied, len(failed), len(refused))

    def _back_off(self, channel: str, failed: list[Pushed], refused: list[Pushed]) -> None:
        now = self._clock()
        with self._uow() as uow:
            # The SKUs first, as writers queueing new numbers take them (no deadlock with them).
            uow.availability.lock(sorted({r.push.listing.sku for r in failed + refused}), now)
            tried = uow.sync_work.attempts(channel, [r.push.listing.channel_sku for r in failed])
            for r in failed:
                n = tried.get(r.push.listing.channel_sku, 0) + 1
                wait = retry_after(n, self._jitter())
                uow.sync_work.retry_at(channel, r.push, now + wait, r.detail)
            for r in refused:
                uow.sync_work.retry_at(channel, r.push, now + REFUSED_WAIT, r.detail)
                log.warning(
                    "%s refused %s = %d: %s",
                    channel,
                    r.push.listing.channel_sku,
                    r.push.quantity,
                    r.detail,
                )
            uow.commit()


def _complete(pushes: Sequence[Push], results: Sequence[Pushed]) -> list[Pushed]:
    """One result per push a feed carried: a push the platform said nothing of failed (it is
    pushed again)."""
    told = {r.push.listing.channel_sku: r for r in results}
    return [
        told.get(p.listing.channel_sku) or Pushed(p, Outcome.FAILED, "not in the feed's report")
        for p in pushes
    ]
