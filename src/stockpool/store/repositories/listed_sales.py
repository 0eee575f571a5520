"""A channel's own sales, as its platform shows them: a platform lowers the number it shows by
what a buyer orders there, at once and on its own. pushed_quantity (what stockpool believes the
platform shows) is lowered the same, and the listings sold from are queued against that belief:
only when the channel's number differs from it. Not where the platform accepted the push it
holds after the buyer ordered: that push, an absolute number, landed after the sale and undid it.

Called in the transaction that ingests the orders, after the SKUs' availability rows are locked
(see availability.py): every writer of listings takes those rows first, then listings and the
outbox. Units a platform gives back itself (a cancellation or refund that restocks there) are
not followed here: reconciliation reads them and repairs the listing.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from stockpool.domain.changes import SoldFrom
from stockpool.store.repositories._cursor import CursorRepository
from stockpool.store.repositories.outbox import UPSERT

_CHUNK = 500

# Number = (sku, channel, number, changed): the channel's number for the SKU now, and whether
# this transaction changed it.
Number = tuple[str, str, int, bool]

# Lowered by the units, never below 0; NULL (nothing accepted yet) stays NULL. The number no
# longer is the one last pushed: its decision time goes, so that a reading showing it is not
# taken for that push landing (which would measure a lag that was never seen). Only where the
# platform accepted the push by the time the buyer ordered: one accepted later undid the sale.
# (Accepted but not yet showing is taken as showing: a unit shown too many, which reconciliation
# repairs, rather than an absolute push that would show again every unit sold while it lands.)
_LOWER_POSTGRESQL = (
    "UPDATE listings AS l SET pushed_quantity = l.pushed_quantity - LEAST(l.pushed_quantity, "
    "t.units), pushed_changed_at = NULL FROM (SELECT x.channel, x.channel_sku, SUM(v.units) "
    "AS units FROM listings AS x JOIN unnest(%b::text[], %b::text[], %b::text[], %b::bigint[], "
    "%b::timestamptz[]) AS v(channel, sku, channel_sku, units, placed_at) "
    "ON x.channel = v.channel AND x.sku = v.sku AND x.pushed_at <= v.placed_at "
    "AND (v.channel_sku IS NULL OR x.channel_sku = v.channel_sku) "
    "GROUP BY x.channel, x.channel_sku) AS t "
    "WHERE l.channel = t.channel AND l.channel_sku = t.channel_sku"
)
_LOWER_SQLITE = (
    "UPDATE listings SET pushed_quantity = pushed_quantity - MIN(pushed_quantity, ?), "
    "pushed_changed_at = NULL WHERE channel = ? AND sku = ? AND (? IS NULL OR channel_sku = ?) "
    "AND pushed_at <= ?"
)

# A listing a sale was made from is queued when a push is waiting for it (the push may be in
# flight: it is sent again with the number now) or when the channel's number is not what the
# platform is believed to show (nothing accepted yet: when the number changed, as any listing);
# any other listing when its channel's number changed.
_QUEUE = (
    "INSERT INTO sync_outbox (channel, channel_sku, sku, quantity, version, queued_at, "
    "changed_at) SELECT l.channel, l.channel_sku, l.sku, n.quantity, 1, {stamp}, {stamp} "
    "FROM listings AS l JOIN n ON l.sku = n.sku AND l.channel = n.channel "
    "LEFT JOIN sync_outbox AS o ON o.channel = l.channel AND o.channel_sku = l.channel_sku "
    "WHERE CASE WHEN EXISTS (SELECT 1 FROM s WHERE s.channel = l.channel AND s.sku = l.sku "
    "AND (s.channel_sku IS NULL OR s.channel_sku = l.channel_sku)) "
    "THEN o.channel IS NOT NULL OR COALESCE(l.pushed_quantity <> n.quantity, n.changed) "
    f"ELSE n.changed END ORDER BY l.channel, l.channel_sku {UPSERT}"
)


class ListedSales(CursorRepository):
    def lower_pushed(self, sales: Sequence[SoldFrom]) -> None:
        """Each sale's units off pushed_quantity of the listing it was made from (every listing
        of its SKU on its channel when the order named our SKU, not the channel's), where the
        push it holds was accepted by the time the buyer ordered."""
        if not sales:
            return
        ordered = sorted(sales, key=_key)
        placed = [self._moments.bind(sale[4]) for sale in ordered]
        cursor = self._cursor()
        try:
            if self._postgresql:  # a row per listing, its sales summed (UPDATE ... FROM
                # applies one match per row)
                columns = [list(c) for c in zip(*(sale[:4] for sale in ordered), strict=True)]
                cursor.execute(_LOWER_POSTGRESQL, [*columns, placed])
            else:  # one after the other, each on what the last left
                cursor.executemany(
                    _LOWER_SQLITE,
                    [
                        (units, channel, sku, code, code, at)
                        for (channel, sku, code, units, _), at in zip(ordered, placed, strict=True)
                    ],
                )
        finally:
            cursor.close()

    def queue_after_sales(
        self, numbers: Sequence[Number], sales: Sequence[SoldFrom], at: datetime
    ) -> None:
        """Queue the listings of numbers: those sales were made from against what their
        platform is believed to show (lower_pushed first), the others when their number
        changed - found and queued in one statement per 500 numbers."""
        sold = sorted({(ch, sku, code) for ch, sku, code, _, _ in sales}, key=_key)
        if not (numbers and sold):
            return
        stamp = self._moments.bind(at)
        cursor = self._cursor()
        try:
            for start in range(0, len(numbers), _CHUNK):
                chunk = sorted(numbers[start : start + _CHUNK])
                if self._postgresql:
                    cursor.execute(*_postgresql(chunk, sold, stamp))
                else:
                    cursor.execute(*_sqlite(chunk, sold, stamp))
        finally:
            cursor.close()


def _key(sale: tuple[str, str, str | None] | SoldFrom) -> tuple[str, str, str]:
    return sale[0], sale[1], sale[2] or ""


def _postgresql(
    numbers: Sequence[Number], sold: Sequence[tuple[str, str, str | None]], stamp: object
) -> tuple[str, tuple[object, ...]]:
    sql = (
        "WITH n AS (SELECT * FROM unnest(%b::text[], %b::text[], %b::bigint[], %b::boolean[]) "
        "AS n(sku, channel, quantity, changed)), s AS (SELECT * FROM unnest(%b::text[], "
        "%b::text[], %b::text[]) AS s(channel, sku, channel_sku)) "
    ) + _QUEUE.format(stamp="%b")
    columns = [list(c) for c in zip(*numbers, strict=True)]
    listed = [list(c) for c in zip(*sold, strict=True)]
    return sql, (*columns, *listed, stamp, stamp)


def _sqlite(
    numbers: Sequence[Number], sold: Sequence[tuple[str, str, str | None]], stamp: object
) -> tuple[str, tuple[object, ...]]:
    sql = (
        "WITH n(sku, channel, quantity, changed) AS (VALUES "
        + ", ".join(["(?, ?, ?, ?)"] * len(numbers))
        + "), s(channel, sku, channel_sku) AS (VALUES "
        + ", ".join(["(?, ?, ?)"] * len(sold))
        + ") "
        + _QUEUE.format(stamp="?")
    )
    flat = [value for row in (*numbers, *sold) for value in row]
    return sql, (*flat, stamp, stamp)
