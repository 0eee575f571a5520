"""Alerts: decided every so often from the facts (domain.alerts), recorded as raised and
resolved, and each change queued to the subscribers that want its kind in the same transaction
(the outbox the webhook sender delivers from)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from stockpool.domain.alerts import Kind, changes, current
from stockpool.domain.errors import InvalidRequest
from stockpool.domain.subscribers import Event, StoredAlert, Subscriber, event_body
from stockpool.services.alert_facts import AlertSettings, gather
from stockpool.services.availability_setup import AvailabilitySettings, SetupCache
from stockpool.services.catalog import page_limit
from stockpool.services.ports import Clock, UnitOfWork, UnitOfWorkFactory


@dataclass(frozen=True, slots=True)
class Evaluated:
    raised: tuple[StoredAlert, ...]
    resolved: tuple[StoredAlert, ...]
    open: int


class AlertService:
    def __init__(
        self,
        uow: UnitOfWorkFactory,
        clock: Clock,
        settings: AlertSettings,
        availability: AvailabilitySettings,
    ) -> None:
        self._uow = uow
        self._clock = clock
        self.settings = settings
        self._setups = SetupCache(availability)

    def evaluate(self) -> Evaluated:
        """Decide which alerts hold now; raise the new ones, resolve those that stopped, and
        queue their events, in one transaction. Two evaluations at once cannot raise an alert
        twice: the second's insert hits the open alert's unique key and is refused as
        WrittenMeanwhile, and the next evaluation finds it open."""
        with self._uow() as uow:
            now = self._clock()
            opened = uow.alerts.open_alerts()
            facts = gather(uow, self.settings, self._setups, now)
            holding = current(facts, self.settings.thresholds, now, opened.keys())
            diff = changes(opened, holding)
            raised = [uow.alerts.raise_alert(alert, now) for alert in diff.raised]
            resolved = [
                done
                for key in diff.resolved
                if (done := uow.alerts.resolve(opened[key], now)) is not None
            ]
            subscribers = uow.subscribers.active()
            queue(uow, subscribers, "alert.raised", raised, now)
            queue(uow, subscribers, "alert.resolved", resolved, now)
            uow.commit()
        return Evaluated(tuple(raised), tuple(resolved), len(holding))

    def list(
        self,
        *,
        kind: str | None = None,
        status: str | None = None,
        after: int | None = None,
        limit: int = 100,
    ) -> list[StoredAlert]:
        """Alerts in the order raised (open, resolved or both), of one kind if given."""
        if kind is not None and kind not in {k.value for k in Kind}:
            raise InvalidRequest(
                f"Unknown alert kind {kind!r}: one of {', '.join(k.value for k in Kind)}."
            )
        if status not in (None, "open", "resolved"):
            raise InvalidRequest("status must be open or resolved.")
        with self._uow(write=False) as uow:
            return uow.alerts.page(kind=kind, status=status, after=after, limit=page_limit(limit))


def queue(
    uow: UnitOfWork,
    subscribers: Sequence[Subscriber],
    event: Event,
    alerts: Sequence[StoredAlert],
    at: datetime,
) -> None:
    """An event per alert for each subscriber that wants its kind, into the outbox."""
    uow.subscribers.queue(
        [
            (s.id, event, stored.id, event_body(event, stored, at))
            for stored in alerts
            for s in subscribers
            if s.wanted.wants(stored.alert.kind.value)
        ],
        at,
    )
