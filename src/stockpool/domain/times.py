"""Moments from outside: they must say their time zone and fit the calendar once in UTC."""

from __future__ import annotations

from datetime import UTC, datetime

from stockpool.domain.errors import InvalidRequest


def aware(moment: datetime, field: str) -> datetime:
    """moment, refused unless it carries a time zone and stays a real date in UTC."""
    if moment.tzinfo is None:
        raise InvalidRequest(f"{field} needs a time zone, e.g. 2026-11-28T10:00:00Z.")
    try:
        moment.astimezone(UTC)
    except OverflowError:
        raise InvalidRequest(f"{field} is outside the calendar once turned into UTC.") from None
    return moment
