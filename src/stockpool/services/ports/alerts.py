"""What services ask of alerts' records: the alerts raised and resolved, the facts they are
decided from (each one set-based read), and webhook subscribers with their delivery outbox."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from stockpool.domain.alerts import Alert, SnapshotAge, Waiting
from stockpool.domain.demand import Rate
from stockpool.domain.forecast import Lot
from stockpool.domain.subscribers import Delivery, Due, NewSubscriber, StoredAlert, Subscriber


class Alerts(Protocol):
    def open_alerts(self) -> dict[tuple[str, str], int]: ...
    def raise_alert(self, alert: Alert, at: datetime) -> StoredAlert: ...
    def resolve(self, alert_id: int, at: datetime) -> StoredAlert | None: ...
    def get(self, alert_id: int) -> StoredAlert | None: ...
    def page(
        self, *, kind: str | None, status: str | None, after: int | None, limit: int
    ) -> list[StoredAlert]: ...


class AlertFacts(Protocol):
    def selling(self) -> dict[str, dict[str, Rate]]: ...
    def available_of_selling(self) -> dict[str, int]: ...
    def lots_of_selling(self) -> dict[str, list[Lot]]: ...
    def overdue_returns(self, received_before: datetime) -> list[Waiting]: ...
    def waiting_conflicts(self, raised_before: datetime) -> Waiting | None: ...
    def snapshot_ages(self) -> list[SnapshotAge]: ...


class Subscribers(Protocol):
    def add(self, new: NewSubscriber, secret: str, at: datetime) -> Subscriber: ...
    def active(self) -> list[Subscriber]: ...
    def get(self, subscriber_id: int) -> Subscriber | None: ...
    def delete(self, subscriber_id: int, at: datetime) -> bool: ...
    def queue(self, entries: Sequence[tuple[int, str, int, str]], at: datetime) -> None: ...
    def due(self, now: datetime, limit: int) -> list[Due]: ...
    def claim(self, delivery_id: int, due_at: datetime, until: datetime) -> bool: ...
    def attempted(
        self,
        delivery_id: int,
        *,
        status: str,
        status_code: int | None,
        error: str | None,
        next_attempt_at: datetime | None,
        delivered_at: datetime | None,
    ) -> None: ...
    def deliveries(
        self, subscriber_id: int, *, after: int | None, limit: int
    ) -> list[Delivery]: ...


@dataclass(frozen=True, slots=True)
class Posted:
    """What an outbound POST came to: the status code, or the error that stopped it."""

    status_code: int | None
    error: str | None = None


class Post(Protocol):
    """POST body to url with headers, giving up after timeout seconds (entrypoints/outbound)."""

    def __call__(
        self, url: str, headers: Mapping[str, str], body: bytes, timeout: float
    ) -> Posted: ...
