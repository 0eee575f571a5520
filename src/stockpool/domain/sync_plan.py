"""How the sync worker carries numbers to a platform, decided without I/O: single calls or a bulk
feed by volume, how many per round, when a failed push is tried again, and what a reading of
the platform means (in sync, on its way, or drifted).

The outbox holds one entry per listing, its latest number (a newer number replaces the older
one before it is pushed): a hot SKU costs one push per round, however often it changes.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from stockpool.domain.channels import Platform

# From how many numbers waiting a round goes out as one bulk feed rather than single calls:
# Shopify's batched inventorySetQuantities pays off from two; Amazon's Listings PATCH allows 5 a
# second and Walmart's inventory PUT 10 a second, against a feed each per few minutes.
FEED_FROM: dict[Platform, int] = {
    Platform.SHOPIFY: 2,
    Platform.AMAZON: 25,
    Platform.WALMART: 100,
}
# The most numbers one round takes: a feed (Shopify: one mutation, at most 250 quantities), or
# single calls, few enough that a round ends in seconds and newer numbers are not starved.
FEED_MAX: dict[Platform, int] = {
    Platform.SHOPIFY: 100,
    Platform.AMAZON: 1_000,
    Platform.WALMART: 1_000,
}
SINGLE_MAX = 24

RETRY_BASE = timedelta(seconds=2)
RETRY_CAP = timedelta(minutes=5)
REFUSED_WAIT = timedelta(hours=1)  # a number the platform refused waits for a person, or a change
FEED_CHECK_EVERY = timedelta(seconds=5)

# Readings in a row showing another number before drift is alerted (it is repaired at once).
PERSISTENT = 3
GRACE_MIN = timedelta(seconds=30)


class Way(StrEnum):
    SINGLE = "single"
    FEED = "feed"


def how(platform: Platform, waiting: int) -> Way:
    """Single calls or one bulk feed, for this many numbers waiting."""
    threshold = FEED_FROM.get(platform)
    if threshold is None or waiting < threshold:
        return Way.SINGLE
    return Way.FEED


def round_size(platform: Platform) -> int:
    """The most outbox entries one round claims (then how() chooses by what it found)."""
    return FEED_MAX.get(platform, SINGLE_MAX)


def retry_after(attempts: int, jitter: float) -> timedelta:
    """Exponential backoff with full jitter: the n-th failed try waits a random time up to
    RETRY_BASE * 2**(n-1), at most RETRY_CAP. jitter is a number in [0, 1)."""
    doublings: int = max(0, min(attempts - 1, 20))
    ceiling: timedelta = min(RETRY_CAP, RETRY_BASE * (1 << doublings))
    return ceiling * jitter


def grace(lag_seconds: float | None) -> timedelta:
    """How long after a push the platform may still show the number before it: twice the
    channel's measured lag, at least GRACE_MIN."""
    measured = timedelta(seconds=2 * lag_seconds) if lag_seconds else timedelta(0)
    return max(GRACE_MIN, measured)


class Verdict(StrEnum):
    IN_SYNC = "in_sync"
    ON_ITS_WAY = "on_its_way"  # a push is waiting or recent: too early to tell
    DRIFT = "drift"  # shows another number: record it and push the repair


@dataclass(frozen=True, slots=True)
class Expected:
    """What a listing should show, as stockpool knows it when reading the platform."""

    channel_sku: str
    pushed: int | None  # the number last accepted by the platform (None: never pushed)
    pushed_at: datetime | None
    in_a_feed: bool  # a feed still processing carries a newer number: it may show already


def judge(
    expected: Expected,
    shown: int | None,
    now: datetime,
    within: timedelta,
    *,
    orders_read: bool = True,
) -> Verdict:
    """A reading of what the platform shows, against the number it last accepted (a newer
    one waiting in the outbox changes nothing: the platform should show the accepted one).

    A platform showing fewer has most likely sold them, its buyer's order not yet taken in:
    pushing the accepted number back would put the units sold on the shelf again. So fewer is
    drift only once the channel's orders were read after the reading (orders_read) and still
    leave it short."""
    if expected.in_a_feed:
        return Verdict.ON_ITS_WAY
    if expected.pushed is None:
        # Never pushed: whatever it shows, the number must be pushed (stockpool decides it).
        return Verdict.DRIFT
    if shown == expected.pushed:
        return Verdict.IN_SYNC
    if expected.pushed_at is not None and now - expected.pushed_at < within:
        return Verdict.ON_ITS_WAY
    if shown is not None and shown < expected.pushed and not orders_read:
        return Verdict.ON_ITS_WAY
    return Verdict.DRIFT
