"""What is known of each channel's sync (its measured lag, its last verdict, how its pushes
fare), and the listings' numbers waiting to be pushed to it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from stockpool.domain.platforms import Push
from stockpool.domain.sync_health import SyncState


@dataclass(frozen=True, slots=True)
class ChannelSyncRow:
    """A channel's sync record; a channel never synced has the defaults."""

    channel: str
    lag_seconds: float | None
    lag_samples: int
    status: str  # the last verdict of sync_health.health: ok, failing or stale
    reasons: tuple[str, ...]
    checked_at: datetime | None
    state: SyncState


@dataclass(frozen=True, slots=True)
class Pending:
    """A listing's number waiting to be pushed."""

    channel: str
    channel_sku: str
    sku: str
    quantity: int
    version: int  # a newer number for the listing bumps it: a push of an older one is not done
    queued_at: datetime
    changed_at: datetime


@dataclass(frozen=True, slots=True)
class FeedInFlight:
    """A bulk feed the platform is still processing, with the pushes it carries."""

    feed_id: str
    pushes: tuple[Push, ...]
    submitted_at: datetime


@dataclass(frozen=True, slots=True)
class Drift:
    """A listing reconciliation found showing another number than the one last pushed (shown
    None: the platform does not know it), for this many readings in a row."""

    channel: str
    channel_sku: str
    expected: int
    shown: int | None
    readings: int
    first_seen_at: datetime
    last_seen_at: datetime
