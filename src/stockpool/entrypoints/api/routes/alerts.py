"""Alerts: what needs a person's attention now (and what did), decided every so often."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Query

from stockpool.domain.subscribers import StoredAlert
from stockpool.entrypoints.api.deps import ContainerDep, Cursor, Limit, Viewer, id_cursor
from stockpool.entrypoints.api.schemas.alerts import AlertKind, AlertPage, AlertPublic

router = APIRouter(tags=["alerts"])


def alert_public(stored: StoredAlert) -> AlertPublic:
    a = stored.alert
    return AlertPublic(
        id=stored.id,
        kind=a.kind.value,
        subject=a.subject,
        severity=a.severity,
        message=a.message,
        sku=a.sku,
        channel=a.channel,
        location=a.location,
        since=a.since,
        raised_at=stored.raised_at,
        resolved_at=stored.resolved_at,
        status=stored.status,
    )


@router.get("/alerts", response_model=AlertPage)
def list_alerts(
    key: Viewer,
    container: ContainerDep,
    kind: Annotated[AlertKind | None, Query()] = None,
    status: Annotated[Literal["open", "resolved"] | None, Query()] = None,
    limit: Limit = 100,
    cursor: Cursor = None,
) -> AlertPage:
    """Alerts in the order raised: stockout ahead, oversell risk, drift persisting, stale sync
    or snapshot, QC backlog, conflicts waiting. An alert stays one row from raised to
    resolved."""
    found = container.alerting.alerts.list(
        kind=kind, status=status, after=id_cursor(cursor), limit=limit
    )
    next_cursor = str(found[-1].id) if len(found) == limit else None
    return AlertPage(items=[alert_public(a) for a in found], next_cursor=next_cursor)
