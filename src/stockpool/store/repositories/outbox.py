"""Queueing numbers for the sync outbox: each listing's new number waits in sync_outbox to be
pushed (the sync repository reads and clears it). A listing already waiting keeps its place
(queued_at) and takes the newer number."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from stockpool.store.repositories._cursor import CursorRepository, marks

_CHUNK = 500

# A listing already waiting keeps queued_at, takes the newer number, and counts a version more;
# a new number is tried at once, whatever became of the push of the old one.
UPSERT = (
    "ON CONFLICT (channel, channel_sku) DO UPDATE SET quantity = excluded.quantity, "
    "sku = excluded.sku, version = sync_outbox.version + 1, "
    "changed_at = excluded.changed_at, attempts = 0, next_attempt_at = NULL"
)


class OutboxQueue(CursorRepository):
    def queue(self, entries: Sequence[tuple[str, str, str, int]], at: datetime) -> None:
        """(channel, channel_sku, sku, quantity): each listing's new number waits to be pushed."""
        if not entries:
            return
        p = self._param
        stamp = self._moments.bind(at)
        cursor = self._cursor()
        try:
            cursor.executemany(
                "INSERT INTO sync_outbox (channel, channel_sku, sku, quantity, version, queued_at, "
                f"changed_at) VALUES ({p}, {p}, {p}, {p}, 1, {p}, {p}) {UPSERT}",
                [(c, code, sku, n, stamp, stamp) for c, code, sku, n in sorted(entries)],
            )
        finally:
            cursor.close()

    def queue_changed(self, changed: Sequence[tuple[str, str, int]], at: datetime) -> None:
        """(sku, channel, number): queue the number for every listing of the SKU on the
        channel - found and queued in one statement."""
        if not changed:
            return
        stamp = self._moments.bind(at)
        cursor = self._cursor()
        try:
            if self._postgresql:
                ordered = sorted(changed)
                cursor.execute(
                    "INSERT INTO sync_outbox (channel, channel_sku, sku, quantity, version, "
                    "queued_at, changed_at) SELECT l.channel, l.channel_sku, l.sku, v.quantity, "
                    "1, %b, %b FROM listings AS l JOIN unnest(%b::text[], %b::text[], "
                    "%b::bigint[]) AS v(sku, channel, quantity) "
                    "ON l.sku = v.sku AND l.channel = v.channel "
                    f"ORDER BY l.channel, l.channel_sku {UPSERT}",
                    (
                        stamp,
                        stamp,
                        [sku for sku, _, _ in ordered],
                        [channel for _, channel, _ in ordered],
                        [number for _, _, number in ordered],
                    ),
                )
            else:
                cursor.executemany(
                    "INSERT INTO sync_outbox (channel, channel_sku, sku, quantity, version, "
                    "queued_at, changed_at) SELECT channel, channel_sku, sku, ?, 1, ?, ? "
                    f"FROM listings WHERE sku = ? AND channel = ? {UPSERT}",
                    [(n, stamp, stamp, sku, ch) for sku, ch, n in sorted(changed)],
                )
        finally:
            cursor.close()

    def listings_of(self, codes: Sequence[str]) -> list[tuple[str, str, str]]:
        """(channel, channel_sku, sku) of every listing of these SKUs."""
        found: list[tuple[str, str, str]] = []
        for start in range(0, len(codes), _CHUNK):
            chunk = list(codes[start : start + _CHUNK])
            found += self._fetch(
                f"SELECT channel, channel_sku, sku FROM listings WHERE sku IN ({marks(chunk)})",
                chunk,
            )
        return found
