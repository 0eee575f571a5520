"""Every error leaves as JSON with a human-readable detail; oversize bodies are refused early."""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request, status
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy.exc import DataError
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from stockpool.domain.errors import Conflict, InvalidRequest, NotFound, StockpoolError
from stockpool.entrypoints.api.auth import forbidden, required_role

log = logging.getLogger("stockpool.api")

_STATUS = (
    (NotFound, status.HTTP_404_NOT_FOUND),
    (Conflict, status.HTTP_409_CONFLICT),
    (InvalidRequest, status.HTTP_422_UNPROCESSABLE_CONTENT),
)


def status_for(error: StockpoolError) -> int:
    for kind, code in _STATUS:
        if isinstance(error, kind):
            return code
    return status.HTTP_400_BAD_REQUEST


def describe_validation(errors: list[dict[str, Any]]) -> str:
    """'body.quantity: Input should be a valid integer; ...' - what was wrong, where."""
    parts = []
    for error in errors:
        where = ".".join(str(p) for p in error.get("loc", ()) if p != "body")
        message = error.get("msg", "invalid")
        if error.get("type") == "json_invalid":
            problem = error.get("ctx", {}).get("error", message)
            parts.append(f"the body is not valid JSON: {problem} at character {where or 0}")
            continue
        elif error.get("type") == "extra_forbidden":
            message = "unknown field; check its spelling against /docs"
        elif error.get("type") == "missing":
            message = "required"
        parts.append(f"{where}: {message}" if where else message)
    return "; ".join(parts)


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(StockpoolError)
    async def _domain(request: Request, error: StockpoolError) -> JSONResponse:
        return JSONResponse({"detail": error.message}, status_code=status_for(error))

    @app.exception_handler(RequestValidationError)
    async def _validation(request: Request, error: RequestValidationError) -> JSONResponse:
        # A caller who may not use this route hears that first, not what was wrong with the body.
        key = getattr(request.state, "api_key", None)
        role = required_role(request.scope.get("route"))
        if key is not None and role is not None and (reason := forbidden(key, role)):
            return JSONResponse({"detail": reason}, status_code=status.HTTP_403_FORBIDDEN)
        errors = list(error.errors())
        return JSONResponse(
            {"detail": describe_validation(errors), "errors": jsonable_encoder(errors)},
            status_code=status.HTTP_422_UNPROCESSABLE_CONTENT,
        )

    @app.exception_handler(DataError)
    async def _unstorable(request: Request, error: DataError) -> JSONResponse:
        # A value the database cannot hold that validation let through: the caller's to fix.
        log.warning("data error on %s %s: %s", request.method, request.url.path, error.orig)
        return JSONResponse(
            {
                "detail": "A value in this request cannot be stored or searched (out of range, "
                "or characters the database refuses); nothing was applied."
            },
            status_code=status.HTTP_422_UNPROCESSABLE_CONTENT,
        )

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, error: Exception) -> JSONResponse:
        log.exception("unhandled error on %s %s", request.method, request.url.path)
        return JSONResponse(
            {"detail": "Internal error; nothing was applied. It has been logged."},
            status_code=status.HTTP_500_INTERNAL_SERVER_ERROR,
        )


class BodyLimit:
    """Refuse request bodies over max_bytes with 413: by Content-Length up front, or (for a
    chunked body with no length) by reading it, up to the limit, before the app sees it."""

    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = dict(scope["headers"]).get(b"content-length")
        if declared is not None:
            if declared.isdigit() and int(declared) > self.max_bytes:
                await self._refuse(send)
                return
            await self.app(scope, receive, send)
            return
        buffered: list[Message] = []
        size = 0
        while True:
            message = await receive()
            buffered.append(message)
            if message["type"] != "http.request":
                break
            size += len(message.get("body", b""))
            if size > self.max_bytes:
                await self._refuse(send)
                return
            if not message.get("more_body", False):
                break

        async def replay() -> Message:
            return buffered.pop(0) if buffered else await receive()

        await self.app(scope, replay, send)

    async def _refuse(self, send: Send) -> None:
        response = JSONResponse(
            {
                "detail": f"Request body too large: at most {self.max_bytes:,} bytes are accepted. "
                "Split the request (or import a CSV with the CLI)."
            },
            status_code=status.HTTP_413_CONTENT_TOO_LARGE,
        )
        await response({"type": "http"}, _nothing, send)


async def _nothing() -> Message:
    return {"type": "http.disconnect"}
