"""Webhook subscribers (their secrets sealed at rest) and the outbox of deliveries to them."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Row, select, update

from stockpool.domain.alerts import Kind
from stockpool.domain.subscribers import Delivery, Due, NewSubscriber, Subscriber
from stockpool.store.secret_box import SecretBox
from stockpool.store.tables import webhook_deliveries, webhook_subscribers

ERROR_MAX = 500


class SubscriberRepository:
    def __init__(self, connection: Connection, secrets: SecretBox) -> None:
        self._connection = connection
        self._secrets = secrets

    def add(self, new: NewSubscriber, secret: str, at: datetime) -> Subscriber:
        kinds = [k.value for k in new.kinds] if new.kinds is not None else None
        new_id = self._connection.execute(
            webhook_subscribers.insert()
            .values(
                url=new.url,
                kinds=kinds,
                description=new.description,
                secret=self._secrets.seal({"secret": secret}),
                created_at=at,
            )
            .returning(webhook_subscribers.c.id)
        ).scalar_one()
        return Subscriber(new_id, new, at)

    def active(self) -> list[Subscriber]:
        rows = self._connection.execute(
            select(webhook_subscribers)
            .where(webhook_subscribers.c.deleted_at.is_(None))
            .order_by(webhook_subscribers.c.id)
        )
        return [_subscriber(r) for r in rows]

    def get(self, subscriber_id: int) -> Subscriber | None:
        row = self._connection.execute(
            select(webhook_subscribers).where(
                webhook_subscribers.c.id == subscriber_id,
                webhook_subscribers.c.deleted_at.is_(None),
            )
        ).first()
        return _subscriber(row) if row else None

    def known(self, subscriber_id: int) -> bool:
        """Whether it was ever registered (deleted ones included: their log stays)."""
        found = self._connection.execute(
            select(webhook_subscribers.c.id).where(webhook_subscribers.c.id == subscriber_id)
        ).first()
        return found is not None

    def delete(self, subscriber_id: int, at: datetime) -> bool:
        """Stop telling it anything; its pending deliveries fail, its log stays."""
        done = self._connection.execute(
            update(webhook_subscribers)
            .where(
                webhook_subscribers.c.id == subscriber_id,
                webhook_subscribers.c.deleted_at.is_(None),
            )
            .values(deleted_at=at)
        )
        self._connection.execute(
            update(webhook_deliveries)
            .where(
                webhook_deliveries.c.subscriber_id == subscriber_id,
                webhook_deliveries.c.status == "pending",
            )
            .values(status="failed", last_error="subscriber deleted", next_attempt_at=None)
        )
        return done.rowcount == 1

    def queue(self, entries: Sequence[tuple[int, str, int, str]], at: datetime) -> None:
        """Queue deliveries: (subscriber id, event, alert id, body), due at once."""
        if entries:
            self._connection.execute(
                webhook_deliveries.insert(),
                [
                    {
                        "subscriber_id": subscriber_id,
                        "event": event,
                        "alert_id": alert_id,
                        "body": body,
                        "status": "pending",
                        "attempts": 0,
                        "next_attempt_at": at,
                        "created_at": at,
                    }
                    for subscriber_id, event, alert_id, body in entries
                ],
            )

    def due(self, now: datetime, limit: int) -> list[Due]:
        """Pending deliveries due by now, the longest due first."""
        d, s = webhook_deliveries, webhook_subscribers
        rows = self._connection.execute(
            select(d.c.id, s.c.url, s.c.secret, d.c.event, d.c.body, d.c.attempts)
            .add_columns(d.c.next_attempt_at)
            .join(s, s.c.id == d.c.subscriber_id)
            .where(d.c.status == "pending", d.c.next_attempt_at <= now)
            .order_by(d.c.next_attempt_at, d.c.id)
            .limit(limit)
        )
        return [
            Due(
                r.id,
                r.url,
                self._secrets.open(r.secret)["secret"],
                r.event,
                r.body,
                r.attempts,
                r.next_attempt_at,
            )
            for r in rows
        ]

    def claim(self, delivery_id: int, due_at: datetime, until: datetime) -> bool:
        """Take a due delivery for sending, unless another sender took it since it was read
        (a conditional update: its next attempt moves to until, the claim's expiry)."""
        done = self._connection.execute(
            update(webhook_deliveries)
            .where(
                webhook_deliveries.c.id == delivery_id,
                webhook_deliveries.c.status == "pending",
                webhook_deliveries.c.next_attempt_at == due_at,
            )
            .values(next_attempt_at=until)
        )
        return done.rowcount == 1

    def attempted(
        self,
        delivery_id: int,
        *,
        status: str,
        status_code: int | None,
        error: str | None,
        next_attempt_at: datetime | None,
        delivered_at: datetime | None,
    ) -> None:
        d = webhook_deliveries
        self._connection.execute(
            update(d)
            .where(d.c.id == delivery_id)
            .values(
                status=status,
                attempts=d.c.attempts + 1,
                last_status_code=status_code,
                last_error=error[:ERROR_MAX] if error else None,
                next_attempt_at=next_attempt_at,
                delivered_at=delivered_at,
            )
        )

    def deliveries(self, subscriber_id: int, *, after: int | None, limit: int) -> list[Delivery]:
        d = webhook_deliveries
        query = select(d).where(d.c.subscriber_id == subscriber_id).order_by(d.c.id).limit(limit)
        if after is not None:
            query = query.where(d.c.id > after)
        return [_delivery(r) for r in self._connection.execute(query)]


def _subscriber(row: Row[Any]) -> Subscriber:
    kinds = tuple(Kind(k) for k in row.kinds) if row.kinds is not None else None
    return Subscriber(row.id, NewSubscriber(row.url, kinds, row.description), row.created_at)


def _delivery(row: Row[Any]) -> Delivery:
    return Delivery(
        id=row.id,
        subscriber_id=row.subscriber_id,
        event=row.event,
        alert_id=row.alert_id,
        status=row.status,
        attempts=row.attempts,
        last_status_code=row.last_status_code,
        last_error=row.last_error,
        next_attempt_at=row.next_attempt_at,
        delivered_at=row.delivered_at,
        created_at=row.created_at,
    )
