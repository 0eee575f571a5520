"""Where polling each channel's orders (or returns) stands: its cursor, moved only from the one
it was read at (a compare-and-set), so that two polls of one channel never move it backwards."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Column, Connection, Table, select, update

from stockpool.domain.platforms import OrderCursor
from stockpool.store.repositories._dialect import insert
from stockpool.store.tables import order_cursors, return_cursors


class OrderCursorRepository:
    """Cursors of order polling; ReturnCursorRepository: the same for returns."""

    _table: Table = order_cursors
    _seen_column = "orders_seen"  # how many the polls have read

    def __init__(self, connection: Connection) -> None:
        self._connection = connection
        self._seen: Column[int] = self._table.c[self._seen_column]

    def get(self, channel: str) -> OrderCursor | None:
        table = self._table
        row = self._connection.execute(
            select(table.c.channel, table.c.cursor, table.c.polled_at, self._seen).where(
                table.c.channel == channel
            )
        ).first()
        if row is None:
            return None
        return OrderCursor(row[0], row[1], row[2], row[3])

    def advance(
        self, channel: str, since: str | None, to: str | None, orders: int, at: datetime
    ) -> bool:
        """Move the channel's cursor from `since` (as it was read) to `to`, counting `orders`
        more read; False, changing nothing, when it is no longer at `since` (another poll moved
        it meanwhile). The first cursor of a channel is stored from `since` None."""
        table, seen = self._table, self._seen.name
        if since is None:
            created = self._connection.execute(
                insert(self._connection, table)
                .values({"channel": channel, "cursor": to, "polled_at": at, seen: orders})
                .on_conflict_do_nothing(index_elements=[table.c.channel])
                .returning(table.c.channel)
            ).first()
            if created is not None:
                return True
        # A conditional update: on PostgreSQL it waits for a concurrent poll's update of the
        # row to commit, then finds the cursor moved and changes nothing.
        moved = self._connection.execute(
            update(table)
            .where(table.c.channel == channel, table.c.cursor.is_not_distinct_from(since))
            .values({"cursor": to, "polled_at": at, seen: self._seen + orders})
        )
        return moved.rowcount == 1


class ReturnCursorRepository(OrderCursorRepository):
    _table = return_cursors
    _seen_column = "returns_seen"
