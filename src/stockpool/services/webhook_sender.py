"""Delivering the outbox of alert events: each due delivery claimed (a conditional update, so
two senders do not both take it), POSTed signed outside any transaction, and its outcome
recorded. A non-2xx answer or no answer is retried with exponential backoff and jitter up to
max_attempts, then marked failed. At least once: a sender that dies after POSTing and before
recording sends it again when its claim expires, with the same Stockpool-Delivery id."""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

from stockpool.domain.subscribers import Due
from stockpool.domain.webhook_signing import backoff_seconds, sign
from stockpool.services.ports import Clock, UnitOfWorkFactory
from stockpool.services.ports.alerts import Post, Posted


@dataclass(frozen=True, slots=True)
class SenderSettings:
    timeout_seconds: float = 10
    max_attempts: int = 8
    backoff_base_seconds: float = 30
    backoff_cap_seconds: float = 3600
    batch: int = 100


@dataclass(frozen=True, slots=True)
class Sent:
    delivered: int
    retrying: int
    failed: int


class WebhookSender:
    def __init__(
        self,
        uow: UnitOfWorkFactory,
        clock: Clock,
        settings: SenderSettings,
        jitter: Callable[[], float] = random.random,
    ) -> None:
        self._uow = uow
        self._clock = clock
        self._settings = settings
        self._jitter = jitter

    def send_due(self, post: Post) -> Sent:
        """Send every delivery due now (up to a batch) and record how each went."""
        claimed = self._claim()
        outcome = {"delivered": 0, "pending": 0, "failed": 0}
        for due in claimed:
            outcome[self._send(due, post)] += 1
        return Sent(outcome["delivered"], outcome["pending"], outcome["failed"])

    def _claim(self) -> list[Due]:
        # A claim holds a delivery for longer than one POST can take; if the sender dies, it is
        # due again after that.
        hold = timedelta(seconds=self._settings.timeout_seconds * 3 + 30)
        with self._uow() as uow:
            now = self._clock()
            due = uow.subscribers.due(now, self._settings.batch)
            claimed = [d for d in due if uow.subscribers.claim(d.id, d.next_attempt_at, now + hold)]
            uow.commit()
        return claimed

    def _send(self, due: Due, post: Post) -> str:
        timestamp = int(self._clock().timestamp())
        body = due.body.encode()
        headers = {
            "Content-Type": "application/json",
            "User-Agent": "stockpool-webhooks",
            "Stockpool-Event": due.event,
            "Stockpool-Delivery": str(due.id),
            "Stockpool-Timestamp": str(timestamp),
            "Stockpool-Signature": sign(due.secret, timestamp, body),
        }
        try:
            posted = post(due.url, headers, body, self._settings.timeout_seconds)
        except Exception as error:  # a broken subscriber is that delivery's failure, no more
            posted = Posted(None, f"{type(error).__name__}: {error}")
        return self._record(due, posted)

    def _record(self, due: Due, posted: Posted) -> str:
        now = self._clock()
        ok = posted.status_code is not None and 200 <= posted.status_code < 300
        attempts = due.attempts + 1
        error = posted.error
        if not ok and error is None:
            error = f"answered {posted.status_code}"
        status = "delivered" if ok else "pending"
        next_at = None
        if not ok and attempts >= self._settings.max_attempts:
            status = "failed"
        elif not ok:
            wait = backoff_seconds(
                attempts,
                base=self._settings.backoff_base_seconds,
                cap=self._settings.backoff_cap_seconds,
                jitter=self._jitter(),
            )
            next_at = now + timedelta(seconds=wait)
        with self._uow() as uow:
            uow.subscribers.attempted(
                due.id,
                status=status,
                status_code=posted.status_code,
                error=None if ok else error,
                next_attempt_at=next_at,
                delivered_at=now if ok else None,
            )
            uow.commit()
        return status
