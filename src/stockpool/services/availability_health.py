"""Judging each channel's sync health. A change of status changes the configuration (a stale
channel's rivals hold back what it still shows), so it moves every number."""

from __future__ import annotations

from datetime import datetime

from stockpool.domain.sync_health import Health, health
from stockpool.services.availability_setup import AvailabilitySettings
from stockpool.services.ports import UnitOfWork


def judge(uow: UnitOfWork, at: datetime, settings: AvailabilitySettings) -> dict[str, Health]:
    """Every channel's sync health at at, recorded where it changed; a change of status noted
    as a change of configuration (the caller follows it)."""
    rows = uow.sync.channels()
    judged: dict[str, Health] = {}
    for channel in uow.channels.list():
        row = rows.get(channel.code)
        if row is None:
            judged[channel.code] = Health("ok", ())
            continue
        verdict = health(
            row.state,
            at,
            stale_after=settings.stale_after,
            feed_stuck_after=settings.feed_stuck_after,
        )
        judged[channel.code] = verdict
        if verdict.status != row.status or verdict.reasons != row.reasons:
            uow.sync.judged(channel.code, verdict.status, verdict.reasons, at)
        if verdict.status != row.status:
            uow.changes.config = True
    return judged
