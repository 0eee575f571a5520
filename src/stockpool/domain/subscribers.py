"""Webhook subscribers, the alerts as stored, and the deliveries of alert events to
subscribers: the records the store keeps and the routes show."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal
from urllib.parse import urlsplit

from stockpool.domain.alerts import Alert, Kind
from stockpool.domain.errors import InvalidRequest

Event = Literal["alert.raised", "alert.resolved"]
DeliveryStatus = Literal["pending", "delivered", "failed"]
URL_MAX = 2000
DESCRIPTION_MAX = 200


@dataclass(frozen=True, slots=True)
class StoredAlert:
    id: int
    alert: Alert
    raised_at: datetime
    resolved_at: datetime | None

    @property
    def status(self) -> Literal["open", "resolved"]:
        return "open" if self.resolved_at is None else "resolved"


@dataclass(frozen=True, slots=True)
class NewSubscriber:
    """What registering a subscriber asks for, checked: an http(s) URL, the kinds it wants
    (None: all), a description."""

    url: str
    kinds: tuple[Kind, ...] | None
    description: str = ""

    def __post_init__(self) -> None:
        parts = urlsplit(self.url)
        if len(self.url) > URL_MAX or parts.scheme not in ("http", "https") or not parts.netloc:
            raise InvalidRequest(
                f"url must be an http:// or https:// address of at most {URL_MAX} characters "
                f"(got {self.url[:100]!r})."
            )
        if self.kinds is not None and not self.kinds:
            raise InvalidRequest("kinds must name at least one alert kind, or be left out for all.")
        if len(self.description) > DESCRIPTION_MAX:
            raise InvalidRequest(f"description must be at most {DESCRIPTION_MAX} characters.")

    def wants(self, kind: str) -> bool:
        return self.kinds is None or kind in self.kinds


@dataclass(frozen=True, slots=True)
class Subscriber:
    id: int
    wanted: NewSubscriber
    created_at: datetime


@dataclass(frozen=True, slots=True)
class Delivery:
    """One event for one subscriber, as the delivery log shows it."""

    id: int
    subscriber_id: int
    event: str
    alert_id: int
    status: DeliveryStatus
    attempts: int
    last_status_code: int | None
    last_error: str | None
    next_attempt_at: datetime | None
    delivered_at: datetime | None
    created_at: datetime


@dataclass(frozen=True, slots=True)
class Due:
    """A delivery due now, with what sending it needs."""

    id: int
    url: str
    secret: str
    event: str
    body: str
    attempts: int
    next_attempt_at: datetime


def event_body(event: Event, stored: StoredAlert, at: datetime) -> str:
    """The JSON every attempt of this event sends (fixed when queued)."""
    a = stored.alert
    body: dict[str, Any] = {
        "event": event,
        "occurred_at": at.isoformat(),
        "alert": {
            "id": stored.id,
            "kind": a.kind.value,
            "subject": a.subject,
            "severity": a.severity,
            "message": a.message,
            "since": a.since.isoformat(),
            "sku": a.sku,
            "channel": a.channel,
            "location": a.location,
            "raised_at": stored.raised_at.isoformat(),
            "resolved_at": stored.resolved_at.isoformat() if stored.resolved_at else None,
        },
    }
    return json.dumps(body, sort_keys=True, separators=(",", ":"))
