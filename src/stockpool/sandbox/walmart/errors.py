"""Walmart's error bodies.

The gateway (auth, headers, quotas, outages) answers `{"error":[…]}`, as Walmart's gateway does;
an API rejecting a call answers `{"errors":[…]}`, the wrapper the inventory, feeds and orders
models give their `Error`/`GatewayError` items. Connectors must accept both.
"""

from __future__ import annotations

import math
from datetime import UTC, datetime
from typing import Any, Literal

from starlette.responses import JSONResponse

Category = Literal["APPLICATION", "SYSTEM", "REQUEST", "DATA"]

INVALID_REQUEST_PARAM = "INVALID_REQUEST_PARAM"
CONTENT_NOT_FOUND = "CONTENT_NOT_FOUND"
MISSING_REQUEST_HEADER = "MISSING_REQUEST_HEADER"
UNAUTHORIZED = "UNAUTHORIZED.GMP_GATEWAY_API"
THROTTLED = "REQUEST_THRESHOLD_VIOLATED.GMP_GATEWAY_API"
SYSTEM_ERROR = "SYSTEM_ERROR"


def error_item(
    code: str, field: str, description: str, info: str = "", category: Category = "DATA"
) -> dict[str, Any]:
    return {
        "code": code,
        "field": field,
        "description": description,
        "info": info or description,
        "severity": "ERROR",
        "category": category,
        "causes": [],
        "errorIdentifiers": {},
    }


def api_error(status: int, code: str, field: str, description: str) -> JSONResponse:
    """An API's refusal of a call: `{"errors":[…]}`."""
    return JSONResponse({"errors": [error_item(code, field, description)]}, status_code=status)


def invalid(field: str, description: str) -> JSONResponse:
    return api_error(400, INVALID_REQUEST_PARAM, field, description)


def not_found(field: str, description: str) -> JSONResponse:
    return api_error(404, CONTENT_NOT_FOUND, field, description)


def gateway_error(
    status: int,
    code: str,
    field: str,
    description: str,
    info: str = "",
    category: Category = "DATA",
    headers: dict[str, str] | None = None,
) -> JSONResponse:
    """The gateway's refusal, before any API sees the call: `{"error":[…]}`."""
    body = {"error": [error_item(code, field, description, info, category)]}
    return JSONResponse(body, status_code=status, headers=headers)


def missing_header(name: str) -> JSONResponse:
    return gateway_error(
        400,
        MISSING_REQUEST_HEADER,
        name,
        f"Missing required request header: {name}",
        "One or more request headers are missing or invalid.",
        "REQUEST",
    )


def unauthorized(info: str) -> JSONResponse:
    return gateway_error(401, UNAUTHORIZED, "UNAUTHORIZED", "Unauthorized", info)


def quota_headers(tokens_left: float, seconds_to_next: float) -> dict[str, str]:
    """What Walmart says about a quota: tokens left now and when the next one arrives."""
    next_at = datetime.now(UTC).timestamp() + max(seconds_to_next, 0.0)
    return {
        "X-Current-Token-Count": str(max(math.floor(tokens_left), 0)),
        "X-Next-Replenishment-Time": str(int(next_at * 1000)),
    }


def throttled(tokens_left: float, seconds_to_next: float) -> JSONResponse:
    headers = quota_headers(tokens_left, seconds_to_next)
    headers["Retry-After"] = str(max(math.ceil(seconds_to_next), 1))
    return gateway_error(
        429,
        THROTTLED,
        "REQUEST_THRESHOLD_VIOLATED",
        "Request Threshold Violated",
        "Too many requests: wait for the time in Retry-After, then retry.",
        headers=headers,
    )


def system_error(status: int) -> JSONResponse:
    return gateway_error(
        status,
        SYSTEM_ERROR,
        "SYSTEM",
        "Internal Server Error" if status < 504 else "Gateway Timeout",
        "The system could not handle the request; retry later.",
        "SYSTEM",
    )
