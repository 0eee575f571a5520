"""SP-API's error answers: `{"errors":[{code,message,details}]}` with its request-id headers."""

from __future__ import annotations

import uuid
from typing import Any

from starlette.responses import JSONResponse

# What SP-API's gateway names in `x-amzn-ErrorType`; the exact strings are UNCONFIRMED.
ERROR_TYPES = {
    400: "InvalidInputException",
    403: "AccessDeniedException",
    404: "NotFoundException",
    413: "RequestEntityTooLargeException",
    415: "UnsupportedMediaTypeException",
    429: "QuotaExceededException",
    500: "InternalFailureException",
    503: "ServiceUnavailableException",
    504: "GatewayTimeoutException",
}

DENIED = "Access to requested resource is denied."


class BadInput(Exception):
    """A request SP-API refuses with 400 InvalidInput (or another status and code)."""

    def __init__(
        self, details: str, *, status: int = 400, code: str = "InvalidInput", message: str = ""
    ) -> None:
        super().__init__(details)
        self.details = details
        self.status = status
        self.code = code
        self.message = message or {400: "Invalid Input", 404: "Resource not found"}.get(
            status, details
        )


def request_id() -> str:
    return str(uuid.uuid4())


def sp_json(body: Any, status: int = 200) -> JSONResponse:
    """A successful SP-API answer, with its request id."""
    return JSONResponse(body, status_code=status, headers={"x-amzn-RequestId": request_id()})


def sp_error(status: int, code: str, message: str, details: str = "") -> JSONResponse:
    return JSONResponse(
        {"errors": [{"code": code, "message": message, "details": details}]},
        status_code=status,
        headers={
            "x-amzn-RequestId": request_id(),
            "x-amzn-ErrorType": ERROR_TYPES.get(status, "InternalFailureException"),
        },
    )


def bad_input_response(error: BadInput) -> JSONResponse:
    return sp_error(error.status, error.code, error.message, error.details)


def denied(details: str) -> JSONResponse:
    return sp_error(403, "Unauthorized", DENIED, details)


def quota_exceeded() -> JSONResponse:
    return sp_error(429, "QuotaExceeded", "You exceeded your quota for the requested resource.")


def internal_failure(status: int) -> JSONResponse:
    if status == 503:
        return sp_error(
            503, "ServiceUnavailable", "Service is temporarily unavailable. Try again later."
        )
    if status == 504:
        return sp_error(504, "InternalFailure", "The request timed out at the gateway.")
    return sp_error(
        status, "InternalFailure", "We encountered an internal error. Please try again."
    )
