"""Webhook deliveries taken, by the platform's event id."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Connection, select

from stockpool.store.repositories._dialect import insert
from stockpool.store.tables import webhook_events


class WebhookRepository:
    def __init__(self, connection: Connection) -> None:
        self._connection = connection

    def seen(self, channel: str, event_id: str) -> bool:
        return (
            self._connection.execute(
                select(webhook_events.c.event_id).where(
                    webhook_events.c.channel == channel, webhook_events.c.event_id == event_id
                )
            ).first()
            is not None
        )

    def taken(self, channel: str, event_id: str, at: datetime) -> None:
        """Record the delivery as taken (once: a second record of it changes nothing)."""
        statement = insert(self._connection, webhook_events).values(
            channel=channel, event_id=event_id, received_at=at
        )
        self._connection.execute(statement.on_conflict_do_nothing())
