"""Reading SP-API query parameters: csv lists, ISO 8601 times, bounded integers, JSON bodies."""

from __future__ import annotations

import json
from collections.abc import Collection
from datetime import UTC, datetime
from typing import Any

from starlette.datastructures import QueryParams

from stockpool.sandbox.amazon.errors import BadInput


def csv_list(query: QueryParams, name: str, allowed: Collection[str] | None = None) -> list[str]:
    """`a,b` or repeated `name=a&name=b`: the values, each checked against `allowed`."""
    values = [part for raw in query.getlist(name) for part in raw.split(",") if part != ""]
    if allowed is not None:
        for value in values:
            if value not in allowed:
                raise BadInput(
                    f"Invalid value '{value}' for {name}; allowed: {', '.join(sorted(allowed))}."
                )
    return values


def timestamp(query: QueryParams, name: str) -> datetime | None:
    raw = query.get(name)
    if raw is None:
        return None
    try:
        parsed = datetime.fromisoformat(raw.replace("Z", "+00:00"))
    except ValueError:
        raise BadInput(f"{name} '{raw}' is not an ISO 8601 date-time.") from None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def integer(query: QueryParams, name: str, low: int, high: int, default: int) -> int:
    raw = query.get(name)
    if raw is None:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise BadInput(f"{name} '{raw}' is not an integer.") from None
    if not low <= value <= high:
        raise BadInput(f"{name} must be between {low} and {high}, not {value}.")
    return value


def json_body(raw: bytes, content_type: str) -> dict[str, Any]:
    """The request's JSON object, or the 415/400 SP-API answers for anything else."""
    if content_type and "json" not in content_type.lower():
        raise BadInput(
            f"Content-Type '{content_type}' is not supported; send application/json.",
            status=415,
            code="UnsupportedMediaType",
            message="Unsupported Media Type",
        )
    try:
        body = json.loads(raw)
    except (UnicodeDecodeError, ValueError, RecursionError) as error:
        raise BadInput(f"The request body is not valid JSON: {error}.") from None
    if not isinstance(body, dict):
        raise BadInput("The request body must be a JSON object.")
    return body


def iso(moment: datetime) -> str:
    """UTC, seconds precision, `Z`: how SP-API writes its times."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
