"""Moments from outside: they must say their time zone and fit the calendar once in UTC; those
stockpool keeps must also be times a channel could send, and what already happened cannot lie
more than a day ahead of now."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from stockpool.domain.errors import InvalidRequest

# No channel sends a time before 2000, nor one due after 2100: such a time is a default or a
# typo, and stored it would poison whatever is computed from it.
EARLIEST = datetime(2000, 1, 1, tzinfo=UTC)
LATEST = datetime(2100, 1, 1, tzinfo=UTC)
# Clocks disagree, by seconds or a time zone set wrong, never by more than a day.
AHEAD = timedelta(days=1)

_ACCEPTED = "send a time from 2000-01-01 up to 2100-01-01, with its time zone"


def aware(moment: datetime, field: str) -> datetime:
    """moment, refused unless it carries a time zone and stays a real date in UTC."""
    if moment.tzinfo is None:
        raise InvalidRequest(f"{field} needs a time zone, e.g. 2026-11-28T10:00:00Z.")
    try:
        moment.astimezone(UTC)
    except OverflowError:
        raise InvalidRequest(f"{field} is outside the calendar once turned into UTC.") from None
    return moment


def plausible(moment: datetime, field: str) -> datetime:
    """moment, refused unless aware and from 2000-01-01 up to (not including) 2100-01-01."""
    utc = aware(moment, field).astimezone(UTC)
    if utc < EARLIEST:
        raise InvalidRequest(f"{field} {shown(moment)} is before 2000-01-01: {_ACCEPTED}.")
    if utc >= LATEST:
        raise InvalidRequest(f"{field} {shown(moment)} is not before 2100-01-01: {_ACCEPTED}.")
    return moment


def happened(moment: datetime, field: str, now: datetime) -> datetime:
    """moment, a time something already happened at: plausible, and no more than a day ahead
    of now."""
    plausible(moment, field)
    if moment > now + AHEAD:
        raise InvalidRequest(
            f"{field} {shown(moment)} is more than a day ahead of now ({shown(now)}): send "
            "when it happened, with its time zone."
        )
    return moment


def shown(moment: datetime) -> str:
    """moment as ISO 8601, with its own offset (Z for UTC)."""
    return moment.isoformat().replace("+00:00", "Z")
