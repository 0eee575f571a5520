"""Sync state per channel: the measured lag, how pushes fare, bulk feeds in flight, and the
outbox of numbers waiting to be pushed."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Row, case, delete, func, select, update

from stockpool.domain.sync import ChannelSyncRow, Pending
from stockpool.domain.sync_health import SyncState, Vitals
from stockpool.domain.sync_plan import PERSISTENT
from stockpool.store.repositories._dialect import insert
from stockpool.store.repositories._paging import after_key
from stockpool.store.tables import channel_sync, listing_drift, sync_feeds, sync_lags, sync_outbox


class SyncRepository:
    def __init__(self, connection: Connection) -> None:
        self._connection = connection

    def _ensure(self, channel: str) -> None:
        ensure_sync_row(self._connection, channel)

    def channels(self) -> dict[str, ChannelSyncRow]:
        """Every channel's sync row (channels never synced have none), with its oldest waiting
        change and oldest feed still processing."""
        waiting = dict(
            self._connection.execute(
                select(sync_outbox.c.channel, func.min(sync_outbox.c.queued_at)).group_by(
                    sync_outbox.c.channel
                )
            ).all()
        )
        feeds: dict[str, tuple[datetime, str]] = {}
        for channel, feed_id, submitted in self._connection.execute(
            select(sync_feeds.c.channel, sync_feeds.c.feed_id, sync_feeds.c.submitted_at)
            .where(sync_feeds.c.status == "processing")
            .order_by(sync_feeds.c.submitted_at)
        ):
            feeds.setdefault(channel, (submitted, feed_id))
        rows = {r.channel: r for r in self._connection.execute(select(channel_sync))}
        drifting: dict[str, int] = dict(
            self._connection.execute(
                select(listing_drift.c.channel, func.count())
                .where(listing_drift.c.readings >= PERSISTENT)
                .group_by(listing_drift.c.channel)
            ).all()
        )
        result = {}
        for channel in sorted(set(rows) | set(waiting) | set(feeds)):
            result[channel] = _row(
                channel,
                rows.get(channel),
                waiting.get(channel),
                feeds.get(channel),
                int(drifting.get(channel, 0)),
            )
        return result

    def measured_lag(self, channel: str, lag_seconds: float, samples: int) -> None:
        self._ensure(channel)
        self._connection.execute(
            update(channel_sync)
            .where(channel_sync.c.channel == channel)
            .values(lag_seconds=lag_seconds, lag_samples=samples)
        )

    def lags(
        self, channel: str, measured: Sequence[tuple[datetime, float]], keep: datetime
    ) -> None:
        """Lags measured now (when, seconds); those measured before keep are let go."""
        self._connection.execute(
            insert(self._connection, sync_lags),
            [{"channel": channel, "measured_at": at, "seconds": s} for at, s in measured],
        )
        self._connection.execute(
            delete(sync_lags).where(sync_lags.c.channel == channel, sync_lags.c.measured_at < keep)
        )

    def recent_lags(self, channel: str, since: datetime, limit: int) -> list[float]:
        """The newest lags measured since then, at most limit of them."""
        return list(
            self._connection.scalars(
                select(sync_lags.c.seconds)
                .where(sync_lags.c.channel == channel, sync_lags.c.measured_at >= since)
                .order_by(sync_lags.c.measured_at.desc())
                .limit(limit)
            )
        )

    def vitals(self, channel: str, vitals: Vitals, throttled_more: int, at: datetime) -> None:
        """The connector's circuit and throttling as the worker holding the lease tells them:
        circuit_since marks when the circuit left closed; throttled adds up."""
        self._ensure(channel)
        since = (
            None
            if vitals.circuit == "closed"
            else case((channel_sync.c.circuit == "closed", at), else_=channel_sync.c.circuit_since)
        )
        values: dict[str, Any] = {
            "circuit": vitals.circuit,
            "circuit_since": since,
            "vitals_at": at,
        }
        if throttled_more > 0:
            values |= {"throttled": channel_sync.c.throttled + throttled_more, "throttled_at": at}
        self._connection.execute(
            update(channel_sync).where(channel_sync.c.channel == channel).values(values)
        )

    def push_result(self, channel: str, *, ok: bool, error: str | None, at: datetime) -> None:
        self._ensure(channel)
        values: dict[str, Any]
        if ok:
            values = {"last_success_at": at, "failures_in_row": 0}
        else:
            values = {
                "last_failure_at": at,
                "last_error": (error or "")[:500] or None,
                "failures_in_row": channel_sync.c.failures_in_row + 1,
            }
        self._connection.execute(
            update(channel_sync).where(channel_sync.c.channel == channel).values(values)
        )

    def judged(self, channel: str, status: str, reasons: tuple[str, ...], at: datetime) -> None:
        self._ensure(channel)
        self._connection.execute(
            update(channel_sync)
            .where(channel_sync.c.channel == channel)
            .values(status=status, reasons=list(reasons), checked_at=at)
        )

    def feed(self, channel: str, feed_id: str, status: str, at: datetime) -> None:
        statement = insert(self._connection, sync_feeds).values(
            channel=channel, feed_id=feed_id, status=status, submitted_at=at, updated_at=at
        )
        self._connection.execute(
            statement.on_conflict_do_update(
                index_elements=[sync_feeds.c.channel, sync_feeds.c.feed_id],
                set_={"status": status, "updated_at": at},
            )
        )

    # The outbox

    def pending(self, channel: str, *, limit: int, after: str | None = None) -> list[Pending]:
        """Numbers waiting to be pushed to channel, by listing."""
        query = after_key(
            select(sync_outbox).where(sync_outbox.c.channel == channel),
            sync_outbox.c.channel_sku,
            after,
            limit,
        )
        return [_pending(r) for r in self._connection.execute(query)]

    def pending_of(self, channel: str, channel_skus: Iterable[str]) -> dict[str, Pending]:
        wanted = sorted(set(channel_skus))
        if not wanted:
            return {}
        rows = self._connection.execute(
            select(sync_outbox).where(
                sync_outbox.c.channel == channel, sync_outbox.c.channel_sku.in_(wanted)
            )
        )
        return {r.channel_sku: _pending(r) for r in rows}

    def waiting(self) -> dict[str, int]:
        """How many listings' numbers wait to be pushed, by channel (channels with none left
        out)."""
        rows = self._connection.execute(
            select(sync_outbox.c.channel, func.count()).group_by(sync_outbox.c.channel)
        )
        return {channel: int(count) for channel, count in rows}

    def done(self, channel: str, channel_sku: str, version: int) -> bool:
        """The number of version was pushed: the listing waits no more, unless it changed since
        (a newer version stays queued). Whether it was removed."""
        result = self._connection.execute(
            delete(sync_outbox).where(
                sync_outbox.c.channel == channel,
                sync_outbox.c.channel_sku == channel_sku,
                sync_outbox.c.version == version,
            )
        )
        return bool(result.rowcount)


def ensure_sync_row(connection: Connection, channel: str) -> None:
    """The channel's sync row, with the defaults when it has none yet."""
    connection.execute(
        insert(connection, channel_sync)
        .values(channel=channel, lag_samples=0, failures_in_row=0, status="ok")
        .on_conflict_do_nothing(index_elements=[channel_sync.c.channel])
    )


def _row(
    channel: str,
    row: Row[Any] | None,
    waiting: datetime | None,
    feed: tuple[datetime, str] | None,
    drifting: int,
) -> ChannelSyncRow:
    state = SyncState(
        last_success_at=row.last_success_at if row else None,
        last_failure_at=row.last_failure_at if row else None,
        last_error=row.last_error if row else None,
        failures_in_row=int(row.failures_in_row) if row else 0,
        oldest_waiting_at=waiting,
        oldest_feed_at=feed[0] if feed else None,
        oldest_feed_id=feed[1] if feed else None,
        drifting=drifting,
        circuit=row.circuit if row else "closed",
        circuit_since=row.circuit_since if row else None,
        throttled=int(row.throttled) if row else 0,
        throttled_at=row.throttled_at if row else None,
        vitals_at=row.vitals_at if row else None,
    )
    return ChannelSyncRow(
        channel=channel,
        lag_seconds=row.lag_seconds if row else None,
        lag_samples=int(row.lag_samples) if row else 0,
        status=row.status if row else "ok",
        reasons=tuple(row.reasons or ()) if row else (),
        checked_at=row.checked_at if row else None,
        state=state,
    )


def _pending(row: Row[Any]) -> Pending:
    return Pending(
        row.channel,
        row.channel_sku,
        row.sku,
        int(row.quantity),
        int(row.version),
        row.queued_at,
        row.changed_at,
    )
