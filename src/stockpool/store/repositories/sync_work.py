"""What the sync worker keeps: a lease per channel (one process pushes to a channel at a time),
the outbox entries due to be pushed (a failed one waits out its backoff), the pushes each bulk
feed in flight carries, when each channel was last reconciled, and the drift reconciliation
finds."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta

from sqlalchemy import Connection, delete, or_, select, update

from stockpool.domain.listings import Listing
from stockpool.domain.platforms import Push
from stockpool.domain.sync import Drift, FeedInFlight
from stockpool.store.repositories._dialect import insert
from stockpool.store.repositories._paging import after_key
from stockpool.store.repositories.listings import IDENTITY, listing_of
from stockpool.store.repositories.sync import ensure_sync_row
from stockpool.store.tables import channel_sync, listing_drift, listings, sync_feeds, sync_outbox


class SyncWorkRepository:
    def __init__(self, connection: Connection) -> None:
        self._connection = connection

    def _ensure(self, channel: str) -> None:
        ensure_sync_row(self._connection, channel)

    # The lease

    def lease(self, channel: str, worker: str, now: datetime, until: datetime) -> bool:
        """Take or renew the channel's lease until `until`: True when worker holds it (free,
        lapsed, or its own already). One statement, so two processes cannot both win it."""
        self._connection.execute(
            insert(self._connection, channel_sync)
            .values(channel=channel, lag_samples=0, failures_in_row=0, status="ok")
            .on_conflict_do_nothing(index_elements=[channel_sync.c.channel])
        )
        taken = self._connection.execute(
            update(channel_sync)
            .where(
                channel_sync.c.channel == channel,
                or_(
                    channel_sync.c.leased_by.is_(None),
                    channel_sync.c.leased_by == worker,
                    channel_sync.c.lease_until < now,
                ),
            )
            .values(leased_by=worker, lease_until=until)
        )
        return bool(taken.rowcount)

    def let_go(self, channel: str, worker: str) -> None:
        self._connection.execute(
            update(channel_sync)
            .where(channel_sync.c.channel == channel, channel_sync.c.leased_by == worker)
            .values(leased_by=None, lease_until=None)
        )

    # The outbox

    def due(self, channel: str, now: datetime, limit: int) -> list[Push]:
        """Outbox entries of channel to push now, oldest first: not waiting out a backoff, and
        not carried by a feed still processing (a newer number goes after it, not past it)."""
        held = self.feed_held(channel)
        query = (
            select(sync_outbox, *(listings.c[name] for name in IDENTITY))
            .join(
                listings,
                (listings.c.channel == sync_outbox.c.channel)
                & (listings.c.channel_sku == sync_outbox.c.channel_sku),
            )
            .where(
                sync_outbox.c.channel == channel,
                or_(sync_outbox.c.next_attempt_at.is_(None), sync_outbox.c.next_attempt_at <= now),
            )
            .order_by(sync_outbox.c.queued_at, sync_outbox.c.channel_sku)
            .limit(limit + len(held))
        )
        due = [
            Push(listing_of(row), int(row.quantity), int(row.version))
            for row in self._connection.execute(query)
            if row.channel_sku not in held
        ]
        return due[:limit]

    def retry_at(self, channel: str, push: Push, at: datetime, error: str | None) -> None:
        """The push failed: its entry is tried again at `at`, unless a newer number replaces it
        meanwhile (that one goes at once)."""
        self._connection.execute(
            update(sync_outbox)
            .where(
                sync_outbox.c.channel == channel,
                sync_outbox.c.channel_sku == push.listing.channel_sku,
                sync_outbox.c.version == push.version,
            )
            .values(
                attempts=sync_outbox.c.attempts + 1,
                next_attempt_at=at,
                last_error=(error or "")[:500] or None,
            )
        )

    def attempts(self, channel: str, channel_skus: Iterable[str]) -> dict[str, int]:
        wanted = sorted(set(channel_skus))
        if not wanted:
            return {}
        rows = self._connection.execute(
            select(sync_outbox.c.channel_sku, sync_outbox.c.attempts).where(
                sync_outbox.c.channel == channel, sync_outbox.c.channel_sku.in_(wanted)
            )
        )
        return {code: int(n) for code, n in rows}

    # Bulk feeds

    def feed_carries(self, channel: str, feed_id: str, pushes: Sequence[Push]) -> None:
        """What a feed just recorded as processing carries: [channel_sku, quantity, version]."""
        carried = [[p.listing.channel_sku, p.quantity, p.version] for p in pushes]
        self._connection.execute(
            update(sync_feeds)
            .where(sync_feeds.c.channel == channel, sync_feeds.c.feed_id == feed_id)
            .values(pushes=carried)
        )

    def feeds_processing(self, channel: str) -> list[FeedInFlight]:
        """The channel's feeds still processing that carry pushes, oldest first, each push
        with its listing as it is now (a listing deleted since is left out)."""
        found: list[FeedInFlight] = []
        rows = self._connection.execute(
            select(sync_feeds)
            .where(
                sync_feeds.c.channel == channel,
                sync_feeds.c.status == "processing",
                sync_feeds.c.pushes.is_not(None),
            )
            .order_by(sync_feeds.c.submitted_at, sync_feeds.c.feed_id)
        ).all()
        for row in rows:
            carried = {
                code: (int(quantity), int(version)) for code, quantity, version in row.pushes
            }
            listed = self._listings(channel, carried)
            pushes = tuple(
                Push(listed[code], quantity, version)
                for code, (quantity, version) in sorted(carried.items())
                if code in listed
            )
            found.append(FeedInFlight(row.feed_id, pushes, row.submitted_at))
        return found

    def feed_held(self, channel: str) -> set[str]:
        """Channel SKUs carried by a feed still processing."""
        held: set[str] = set()
        for (carried,) in self._connection.execute(
            select(sync_feeds.c.pushes).where(
                sync_feeds.c.channel == channel,
                sync_feeds.c.status == "processing",
                sync_feeds.c.pushes.is_not(None),
            )
        ):
            held.update(code for code, _, _ in carried)
        return held

    def _listings(self, channel: str, codes: Iterable[str]) -> dict[str, Listing]:
        wanted = sorted(set(codes))
        found: dict[str, Listing] = {}
        for start in range(0, len(wanted), 500):
            rows = self._connection.execute(
                select(listings.c.channel_sku, listings.c.sku, *(listings.c[n] for n in IDENTITY))
                .where(listings.c.channel == channel)
                .where(listings.c.channel_sku.in_(wanted[start : start + 500]))
            )
            found.update((row.channel_sku, listing_of(row, channel)) for row in rows)
        return found

    # Reconciliation

    def reconcile_due(self, channel: str, now: datetime, every: timedelta) -> bool:
        """Start a reconciliation of channel if none started within `every`: True when this
        caller starts it (one statement: two callers cannot both)."""
        self._ensure(channel)
        started = self._connection.execute(
            update(channel_sync)
            .where(
                channel_sync.c.channel == channel,
                or_(
                    channel_sync.c.reconciled_at.is_(None),
                    channel_sync.c.reconciled_at <= now - every,
                ),
            )
            .values(reconciled_at=now)
        )
        return bool(started.rowcount)

    def drift_seen(
        self, channel: str, channel_sku: str, expected: int, shown: int | None, at: datetime
    ) -> None:
        statement = insert(self._connection, listing_drift).values(
            channel=channel,
            channel_sku=channel_sku,
            expected=expected,
            shown=shown,
            readings=1,
            first_seen_at=at,
            last_seen_at=at,
        )
        self._connection.execute(
            statement.on_conflict_do_update(
                index_elements=[listing_drift.c.channel, listing_drift.c.channel_sku],
                set_={
                    "expected": expected,
                    "shown": shown,
                    "readings": listing_drift.c.readings + 1,
                    "last_seen_at": at,
                },
            )
        )

    def drift_gone(self, channel: str, channel_skus: Iterable[str]) -> None:
        wanted = sorted(set(channel_skus))
        for start in range(0, len(wanted), 500):
            self._connection.execute(
                delete(listing_drift).where(
                    listing_drift.c.channel == channel,
                    listing_drift.c.channel_sku.in_(wanted[start : start + 500]),
                )
            )

    def drifting(self, channel: str, *, after: str | None, limit: int) -> list[Drift]:
        query = after_key(
            select(listing_drift).where(listing_drift.c.channel == channel),
            listing_drift.c.channel_sku,
            after,
            limit,
        )
        return [
            Drift(
                r.channel,
                r.channel_sku,
                int(r.expected),
                None if r.shown is None else int(r.shown),
                int(r.readings),
                r.first_seen_at,
                r.last_seen_at,
            )
            for r in self._connection.execute(query)
        ]
