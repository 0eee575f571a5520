"""Webhook subscribers, managed by admins: registering one (its signing secret shown once),
listing, deleting, and each one's delivery log."""

from __future__ import annotations

import secrets

from stockpool.domain.errors import NotFound
from stockpool.domain.subscribers import Delivery, NewSubscriber, Subscriber
from stockpool.services.catalog import page_limit
from stockpool.services.ports import Clock, UnitOfWorkFactory

SECRET_PREFIX = "whsec_"


class UnknownSubscriber(NotFound):
    def __init__(self, subscriber_id: int) -> None:
        super().__init__(
            f"Unknown webhook subscriber {subscriber_id} (GET /v1/webhooks lists them)."
        )


class WebhookService:
    def __init__(self, uow: UnitOfWorkFactory, clock: Clock) -> None:
        self._uow = uow
        self._clock = clock

    def register(self, new: NewSubscriber) -> tuple[Subscriber, str]:
        """A new subscriber and its signing secret (stored sealed; this is its only showing)."""
        secret = SECRET_PREFIX + secrets.token_hex(24)
        with self._uow() as uow:
            added = uow.subscribers.add(new, secret, self._clock())
            uow.commit()
        return added, secret

    def subscribers(self) -> list[Subscriber]:
        with self._uow(write=False) as uow:
            return uow.subscribers.active()

    def delete(self, subscriber_id: int) -> None:
        """Stop telling it: its pending deliveries are marked failed; its log stays."""
        with self._uow() as uow:
            if not uow.subscribers.delete(subscriber_id, self._clock()):
                raise UnknownSubscriber(subscriber_id)
            uow.commit()

    def deliveries(
        self, subscriber_id: int, *, after: int | None = None, limit: int = 100
    ) -> list[Delivery]:
        """Its deliveries in the order queued: attempts, last status, next attempt (a deleted
        subscriber's too)."""
        with self._uow(write=False) as uow:
            if not uow.subscribers.known(subscriber_id):
                raise UnknownSubscriber(subscriber_id)
            return uow.subscribers.deliveries(subscriber_id, after=after, limit=page_limit(limit))
