"""Where polling each channel's orders stands: its cursor, moved only from the one it was read
at (a compare-and-set), so that two polls of one channel never move it backwards."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Connection, select, update

from stockpool.domain.platforms import OrderCursor
from stockpool.store.repositories._dialect import insert
from stockpool.store.tables import order_cursors


class OrderCursorRepository:
    def __init__(self, connection: Connection) -> None:
        self._connection = connection

    def get(self, channel: str) -> OrderCursor | None:
        row = self._connection.execute(
            select(order_cursors).where(order_cursors.c.channel == channel)
        ).first()
        if row is None:
            return None
        return OrderCursor(row.channel, row.cursor, row.polled_at, row.orders_seen)

    def advance(
        self, channel: str, since: str | None, to: str | None, orders: int, at: datetime
    ) -> bool:
        """Move the channel's cursor from `since` (as it was read) to `to`, counting `orders`
        more read; False, changing nothing, when it is no longer at `since` (another poll moved
        it meanwhile). The first cursor of a channel is stored from `since` None."""
        if since is None:
            created = self._connection.execute(
                insert(self._connection, order_cursors)
                .values(channel=channel, cursor=to, polled_at=at, orders_seen=orders)
                .on_conflict_do_nothing(index_elements=[order_cursors.c.channel])
                .returning(order_cursors.c.channel)
            ).first()
            if created is not None:
                return True
        # A conditional update: on PostgreSQL it waits for a concurrent poll's update of the
        # row to commit, then finds the cursor moved and changes nothing.
        moved = self._connection.execute(
            update(order_cursors)
            .where(
                order_cursors.c.channel == channel,
                order_cursors.c.cursor.is_not_distinct_from(since),
            )
            .values(
                cursor=to,
                polled_at=at,
                orders_seen=order_cursors.c.orders_seen + orders,
            )
        )
        return moved.rowcount == 1
