"""Alerts as raised and resolved: one open row per kind and subject (ux_alerts_open_key)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Row, select, update

from stockpool.domain.alerts import Alert, Kind
from stockpool.domain.subscribers import StoredAlert
from stockpool.store.tables import alerts


def _open_key(kind: str, subject: str) -> str:
    return f"{kind} {subject}"


class AlertRepository:
    def __init__(self, connection: Connection) -> None:
        self._connection = connection

    def open_alerts(self) -> dict[tuple[str, str], int]:
        """The open alerts' ids by (kind, subject)."""
        rows = self._connection.execute(
            select(alerts.c.id, alerts.c.kind, alerts.c.subject).where(
                alerts.c.resolved_at.is_(None)
            )
        )
        return {(r.kind, r.subject): r.id for r in rows}

    def raise_alert(self, alert: Alert, at: datetime) -> StoredAlert:
        """Record alert as open from at (refused, as WrittenMeanwhile, if it is open already)."""
        values = {
            "kind": alert.kind.value,
            "subject": alert.subject,
            "severity": alert.severity,
            "message": alert.message,
            "sku": alert.sku,
            "channel": alert.channel,
            "location": alert.location,
            "since": min(alert.since, at),
            "raised_at": at,
            "open_key": _open_key(alert.kind.value, alert.subject),
        }
        new_id = self._connection.execute(
            alerts.insert().values(**values).returning(alerts.c.id)
        ).scalar_one()
        return StoredAlert(new_id, alert, at, None)

    def resolve(self, alert_id: int, at: datetime) -> StoredAlert | None:
        """Mark an open alert resolved; None when it was not open (resolved meanwhile)."""
        done = self._connection.execute(
            update(alerts)
            .where(alerts.c.id == alert_id, alerts.c.resolved_at.is_(None))
            .values(resolved_at=at, open_key=None)
        )
        return self.get(alert_id) if done.rowcount == 1 else None

    def get(self, alert_id: int) -> StoredAlert | None:
        row = self._connection.execute(select(alerts).where(alerts.c.id == alert_id)).first()
        return _stored(row) if row else None

    def page(
        self, *, kind: str | None, status: str | None, after: int | None, limit: int
    ) -> list[StoredAlert]:
        """Alerts in id order after an id, of a kind and status (open or resolved) if given."""
        query = select(alerts).order_by(alerts.c.id).limit(limit)
        if kind is not None:
            query = query.where(alerts.c.kind == kind)
        if status == "open":
            query = query.where(alerts.c.resolved_at.is_(None))
        elif status == "resolved":
            query = query.where(alerts.c.resolved_at.is_not(None))
        if after is not None:
            query = query.where(alerts.c.id > after)
        return [_stored(r) for r in self._connection.execute(query)]


def _stored(row: Row[Any]) -> StoredAlert:
    alert = Alert(
        Kind(row.kind),
        row.subject,
        row.severity,
        row.message,
        row.since,
        sku=row.sku,
        channel=row.channel,
        location=row.location,
    )
    return StoredAlert(row.id, alert, row.raised_at, row.resolved_at)
