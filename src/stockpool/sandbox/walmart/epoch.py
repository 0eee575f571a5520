"""Walmart's dates: epoch milliseconds in bodies, ISO 8601 or epoch ms in queries."""

from __future__ import annotations

from datetime import UTC, datetime


def now_ms() -> int:
    return int(datetime.now(UTC).timestamp() * 1000)


def iso(ms: int) -> str:
    """`2026-12-02T03:50:22.289Z`: how a cursor carries a date."""
    moment = datetime.fromtimestamp(ms / 1000, UTC)
    return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")


def parse_ms(text: str) -> int | None:
    """Epoch ms, or an ISO 8601 date or datetime (UTC when no offset is given); None if neither."""
    if text.isascii() and text.isdigit():  # isdigit() alone lets '²' through
        return int(text)
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return int(parsed.timestamp() * 1000)
